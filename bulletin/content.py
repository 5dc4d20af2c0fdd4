"""The bulletin (通报) as plain data: title, facts, sections of paragraphs, tables and charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from metrics.selection import Selection
from records.publications import Publication


@dataclass(frozen=True)
class Table:
    """A table as shown: a title, header texts and rows of formatted texts; ``note`` says
    what is missing or how the table is cut (empty when nothing)."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart's data: ``kind`` 'trend' (bars of ``values`` per month with ``second``, a
    rate 0–1, as a line on its own axis) or 'bars' (horizontal bars, first label on top,
    each labelled in the format of ``column``)."""

    key: str
    title: str
    kind: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    value_name: str
    second: tuple[float, ...] = ()
    second_name: str = ""
    column: str = ""  # the KPI or column the values are of: bars are labelled in its format


@dataclass(frozen=True)
class Section:
    """A numbered part of the bulletin."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class Bulletin:
    """The whole bulletin: ``facts`` are (label, text) pairs under the title (status, scope,
    period, 数据截至, rule set and hash …); ``published`` False marks it preliminary."""

    lang: str
    title: str
    facts: tuple[tuple[str, str], ...]
    published: bool
    publication_id: int | None
    generated_at: datetime
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()

    def section(self, key: str) -> Section | None:
        """The section ``key`` (summary, ranking, lists, …), or None when not in this bulletin."""
        return next((s for s in self.sections if s.key == key), None)

    def table(self, key: str) -> Table | None:
        """The table ``key`` (headline, ranking, red, black, …) of any section, or None."""
        return next((t for s in self.sections for t in s.tables if t.key == key), None)

    def charts(self) -> list[Chart]:
        """Every chart, in order."""
        return [c for s in self.sections for c in s.charts]


def build_bulletin(
    engine: Engine,
    source: Selection | Publication | int | str,
    *,
    lang: str = "zh",
    city: str = "",
    title: str = "",
) -> Bulletin:
    """The bulletin of a selection (computed now, marked preliminary) or of a publication
    (a Publication or its id: its ranking exactly as frozen). ``city`` names the city in
    the title (default 全市 / City); ``title`` replaces the whole title. Raises a
    ValueError subclass whose message is one plain sentence (unknown publication, a level
    that ranks no units, a period with no case)."""
    from bulletin.figures import gather
    from bulletin.sections import sections, title_and_facts

    if lang not in ("zh", "en"):
        raise ValueError(f"The language {lang!r} is not zh or en.")
    figures = gather(engine, source)
    heading, facts = title_and_facts(figures, lang, city)
    return Bulletin(
        lang=lang,
        title=(title or "").strip() or heading,
        facts=tuple(facts),
        published=figures.publication is not None,
        publication_id=figures.publication.id if figures.publication else None,
        generated_at=figures.generated_at,
        sections=tuple(sections(figures, lang)),
    )
