"""The data page's upload form: size and type limits, and upload names that look like paths."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboard import upload

ROOT = Path(__file__).resolve().parents[2]


class _Upload(SimpleNamespace):
    def getvalue(self) -> bytes:
        return self.data


def test_oversized_upload_is_refused_with_the_plain_message(monkeypatch):
    shown = []
    monkeypatch.setattr(upload.st, "error", shown.append)
    big = _Upload(name="cases.csv", size=upload.upload_limit_mb() * 1024 * 1024 + 1, data=b"")
    small = _Upload(name="cases.csv", size=10, data=b"")
    assert upload._too_big([small, None, big])
    assert shown == [upload.t("upload_limit", mb=200)]
    shown.clear()
    assert not upload._too_big([small, None, None])
    assert shown == []


def test_only_the_listed_types_are_offered():
    assert upload.CASE_TYPES == ["csv", "xlsx", "parquet", "json"]
    # the limit the page says is the one the server enforces (.streamlit/config.toml)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert upload.upload_limit_mb() == config["server"]["maxUploadSize"] == 200


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.csv", "/etc/passwd.csv", "..\\..\\x.csv", "a/../../b.csv"]
)
def test_path_like_upload_name_stays_in_the_temp_folder(tmp_path, monkeypatch, name):
    written = []
    real = upload.Path.write_bytes

    def spy(self, content):
        written.append(self.resolve())
        return real(self, content)

    monkeypatch.setattr(upload.Path, "write_bytes", spy)
    monkeypatch.setattr(upload.tempfile, "tempdir", str(tmp_path))
    calls = {}

    def fake_ingest(engine, files, **options):
        calls["files"] = files
        raise ValueError("stop here.")

    monkeypatch.setattr(upload, "ingest_files", fake_ingest)
    monkeypatch.setattr(upload.data, "writer", lambda url: None)
    cases = _Upload(name=name, size=5, data=b"a,b\n")
    for attr in ("subheader", "caption", "error", "warning", "success"):
        monkeypatch.setattr(upload.st, attr, lambda *a, **k: None)
    monkeypatch.setattr(
        upload.st,
        "progress",
        lambda *a, **k: SimpleNamespace(progress=lambda *a, **k: None, empty=lambda: None),
    )
    cols = [
        SimpleNamespace(file_uploader=lambda *a, key, **k: cases if key == "up_cases" else None)
        for _ in range(3)
    ]
    monkeypatch.setattr(upload.st, "columns", lambda n: cols)
    monkeypatch.setattr(upload.st, "button", lambda *a, **k: True)
    upload.upload_form("duckdb:///unused", "admin")
    assert calls["files"], "ingest was not called"
    assert written and all(p.is_relative_to(tmp_path.resolve()) for p in written), written
    assert not (tmp_path.parent / "etc").exists()
