"""A publication as a file: its CSV exactly as stored, or an XLSX laid out from its figures."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from xlsxwriter.exceptions import FileCreateError

from metrics.labels import level_label
from metrics.rules import parse_rules
from metrics.workbook import title, write_xlsx
from outfile import checked_out_path, os_reason
from records.inforce import FIELDS
from records.publications import Publication, PublicationError, to_second

SUFFIXES = (".csv", ".xlsx")
_APPEAL_NAMES = {
    "id": ("申诉编号", "Appeal"),
    "case_id": ("案件编号", "Case number"),
    "unit": ("考核单位", "Unit"),
    "kind": ("申诉类型", "Kind"),
    "until": ("延期至", "Extended to"),
    "reason": ("申诉理由", "Reason"),
    "filed_by": ("申诉人", "Filed by"),
    "filed_unit": ("申诉单位", "Filing unit"),
    "filed_at": ("申诉时间", "Filed at"),
    "decided_by": ("审核人", "Decided by"),
    "decided_at": ("审核时间", "Decided at"),
    "note": ("审核意见", "Note"),
}
_KINDS = {"exclude": ("不计入考核", "Excluded"), "extend": ("延期", "Deadline extended")}


def check_out_path(out: str | Path) -> Path:
    """``out`` if a .csv or .xlsx file can be written there; PublicationError otherwise."""
    return checked_out_path(out, SUFFIXES, PublicationError)


def publication_bytes(pub: Publication, suffix: str, lang: str = "zh") -> bytes:
    """The file of ``pub``: .csv = the stored bytes; .xlsx = the frozen figures for people."""
    if suffix.lower() == ".csv":
        return pub.csv
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "publication.xlsx"
        _write_xlsx(pub, path, lang)
        return path.read_bytes()


def write_publication(pub: Publication, out: str | Path, lang: str = "zh") -> Path:
    """Write ``pub`` to ``out`` (.csv: its stored bytes; .xlsx: laid out as assessments are,
    with the publication's particulars and the appeals in force); PublicationError (one
    sentence) for a path that cannot be written."""
    path = check_out_path(out)
    try:
        if path.suffix.lower() == ".csv":
            path.write_bytes(pub.csv)
        else:
            _write_xlsx(pub, path, lang)
    except (OSError, FileCreateError) as exc:
        raise PublicationError(
            f"The file {str(path)!r} cannot be written ({os_reason(exc)})."
        ) from None
    return path


def appeals_frame(pub: Publication, lang: str = "zh") -> pd.DataFrame:
    """The appeals in force at the publication, one row each, headers in ``lang``."""
    pick = 0 if lang == "zh" else 1
    rows = [
        {**a, "kind": _KINDS.get(a.get("kind"), (a.get("kind"),) * 2)[pick]} for a in pub.appeals
    ]
    frame = pd.DataFrame(rows, columns=list(FIELDS))
    return frame.rename(columns={f: _APPEAL_NAMES[f][pick] for f in FIELDS})


def _write_xlsx(pub: Publication, path: Path, lang: str) -> None:
    zh = lang == "zh"
    table, meta = pub.table(), pub.meta()
    info = [
        ("发布编号" if zh else "Publication", str(pub.id)),
        ("标题" if zh else "Title", pub.title),
        ("发布范围" if zh else "Scope", pub.scope or ("全市" if zh else "City")),
        ("考核层级" if zh else "Level", level_label(pub.level, lang)),
        ("发布时间" if zh else "Published at", str(to_second(pub.published_at))),
        ("发布人" if zh else "Published by", pub.published_by),
        (
            "排名变化对比" if zh else "Rank change against",
            (f"发布编号 {pub.previous_id}" if zh else f"publication {pub.previous_id}")
            if pub.previous_id
            else ("无上期发布" if zh else "no earlier publication"),
        ),
    ]
    name = "生效申诉" if zh else "Appeals in force"
    published = f"发布编号 {pub.id}：{pub.title}" if zh else f"Publication {pub.id}: {pub.title}"
    write_xlsx(
        table,
        meta,
        parse_rules(pub.rules_text, f"publication {pub.id}"),
        pub.level,
        path,
        lang,
        heading=title(pub.scope, pub.level, pub.period, lang),
        info=info,
        extra=[published],
        sheets={name: appeals_frame(pub, lang)},
    )
