"""The report document: sections, findings, figures, tables and cautions, rendered to one HTML file.

:class:`ReportDocument` collects content in order; :meth:`ReportDocument.render`
turns it into a single self-contained HTML file with Jinja2 templates shipped in
``harmwatch/report/templates``: inline CSS (screen and print), charts as inline
SVG, no script, no font and no URL of any kind outside the page, real headings
(h1 for the title, h2 for sections, h3/h4 below), ``lang="en-GB"``, a table of
contents, and an appendix holding the table behind every figure.

Examples
--------
>>> from harmwatch.report.document import ReportDocument, KeyFinding
>>> doc = ReportDocument("Serious violence: analytical report", period="2024-25")
>>> _ = doc.section("key-findings", "Key findings")
>>> _ = doc.key_findings([KeyFinding("homicides in the year", 12, "down from 15")])
>>> html = doc.render()
>>> '<html lang="en-GB">' in html
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from harmwatch.report._svgkit import esc, fmt_num
from harmwatch.report._tables import SMALL_NOTE, Table, make_table
from harmwatch.report.pdf import Engine, to_pdf

__all__ = [
    "SMALL_NOTE",
    "Figure",
    "KeyFinding",
    "ReportDocument",
    "Section",
    "Table",
    "Warning",
    "make_table",
    "to_pdf",
]

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_DESC = re.compile(r'(<desc id="[^"]*">)(.*?)(</desc>)', re.S)


@dataclass(frozen=True)
class KeyFinding:
    """A key finding: a number and what it means, in plain words.

    Attributes
    ----------
    text : str
        What the number is ("homicides in the last 12 months").
    value : str or int or float or None
        The number (formatted with thousands separators when numeric).
    detail : str
        Context ("15 the year before; no evidence of a change").
    caution : str
        A caution shown with the finding (e.g. too few events to support a claim).
    """

    text: str
    value: str | int | float | None = None
    detail: str = ""
    caution: str = ""

    @property
    def value_text(self) -> str:
        """The value as printed."""
        if self.value is None:
            return ""
        return self.value if isinstance(self.value, str) else fmt_num(self.value)


@dataclass(frozen=True)
class Figure:
    """A chart or map with its caption and the id of its table in the appendix.

    Attributes
    ----------
    id : str
        Element id.
    number : int
        Figure number.
    svg : str
        The inline ``<svg>`` (its ``<desc>`` is the alt text).
    caption : str
        Caption.
    table_id : str
        Id of the appendix table holding the figure's data.
    table_number : str
        That table's number ("A3").
    """

    id: str
    number: int
    svg: str
    caption: str
    table_id: str
    table_number: str


@dataclass(frozen=True)
class Warning:
    """A caution box: what a section cannot show and why.

    Attributes
    ----------
    title : str
        Heading of the box.
    text : str
        The explanation.
    reasons : list of str
        Specific reasons (e.g. "no ED data supplied").
    """

    title: str
    text: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A section of the report.

    Attributes
    ----------
    id : str
        Element id (lower case letters, digits and hyphens), the contents' link target.
    title : str
        Heading text.
    level : int
        1 (h2, starts a new printed page), 2 (h3) or 3 (h4).
    blocks : list of tuple
        Content in order: ``(kind, payload)``.
    """

    id: str
    title: str
    level: int = 1
    blocks: list[tuple[str, Any]] = field(default_factory=list)


class ReportDocument:
    """Builds the report: call :meth:`section`, then add content to it; :meth:`render` at the end.

    Parameters
    ----------
    title : str
        The report's title (the page's only h1).
    subtitle : str
        A line under the title.
    period : str
        The period covered, printed under the title.
    organisation : str
        Who produced it.
    generated : str
        When it was produced (passed in, so the output is deterministic).
    marking : str
        A protective marking (e.g. "OFFICIAL-SENSITIVE"), printed at the top
        of the page and of every printed page.
    """

    def __init__(
        self,
        title: str,
        *,
        subtitle: str = "",
        period: str = "",
        organisation: str = "",
        generated: str = "",
        marking: str = "",
    ) -> None:
        self.title = title
        self.subtitle = subtitle
        self.period = period
        self.organisation = organisation
        self.generated = generated
        self.marking = marking
        self.sections: list[Section] = []
        self.figures: list[Figure] = []
        self.appendix: list[tuple[Figure, Table]] = []
        self._tables = 0
        self._ids: set[str] = {"contents", "appendix", "report-title"}

    # -- structure -------------------------------------------------------------------------
    def _claim(self, ident: str) -> str:
        if not _ID.match(ident):
            raise ValueError(f"id {ident!r}: use lower case letters, digits and hyphens")
        if ident in self._ids:
            raise ValueError(f"id {ident!r} is already used in this report")
        self._ids.add(ident)
        return ident

    def section(self, id: str, title: str, level: int = 1) -> Section:
        """Start a section; what is added next goes into it.

        Parameters
        ----------
        id : str
            Unique element id (lower case letters, digits, hyphens).
        title : str
            Heading.
        level : {1, 2, 3}
            1 = h2 (a new printed page), 2 = h3, 3 = h4.

        Returns
        -------
        Section
        """
        if level not in (1, 2, 3):
            raise ValueError("level must be 1, 2 or 3")
        sec = Section(self._claim(id), title, level)
        self.sections.append(sec)
        return sec

    def _current(self) -> Section:
        if not self.sections:
            raise ValueError("start a section before adding content")
        return self.sections[-1]

    # -- content ---------------------------------------------------------------------------
    def paragraph(self, text: str | Markup) -> None:
        """A paragraph (plain text is escaped; pass ``markupsafe.Markup`` for trusted HTML)."""
        self._current().blocks.append(("paragraph", text))

    def bullets(self, items: Sequence[str | Markup]) -> None:
        """A bulleted list."""
        self._current().blocks.append(("bullets", list(items)))

    def key_findings(self, findings: Sequence[KeyFinding | tuple[str, Any]]) -> None:
        """Key findings, each with its number; ``(text, value)`` tuples are accepted."""
        items = [f if isinstance(f, KeyFinding) else KeyFinding(str(f[0]), f[1]) for f in findings]
        self._current().blocks.append(("findings", items))

    def warning(
        self,
        text: str,
        *,
        title: str = "What this section cannot show, and why",
        reasons: Sequence[str] = (),
    ) -> None:
        """A caution box, e.g. for a section that cannot be produced from the data supplied."""
        self._current().blocks.append(("warning", Warning(title, text, list(reasons))))

    def figure(
        self,
        svg: str,
        *,
        caption: str,
        table: Any,
        alt: str | None = None,
        table_caption: str | None = None,
        columns: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        decimals: int | Mapping[str, int] | None = None,
        small: str | Sequence[bool] | None = None,
        source: str = "",
        id: str | None = None,
    ) -> Figure:
        """A chart or map, with the data behind it as a table in the appendix.

        Parameters
        ----------
        svg : str
            An ``<svg>`` from :mod:`harmwatch.report.svg` or :mod:`harmwatch.report.maps`.
        caption : str
            The caption (what the figure shows).
        table : polars.DataFrame or list of dict or Table
            The figure's data (required: every chart has its table).
        alt : str, optional
            Alt text replacing the chart's own ``<desc>``.
        table_caption : str, optional
            Caption of the appendix table (default: the figure's caption).
        columns, labels, decimals, small, source
            Passed to :func:`make_table`.
        id : str, optional
            Element id (default ``figure-N``).

        Returns
        -------
        Figure
        """
        number = len(self.figures) + 1
        fid = self._claim(id or f"figure-{number}")
        if alt is not None:
            svg = _DESC.sub(lambda m: m.group(1) + esc(alt) + m.group(3), svg, count=1)
        tnum = f"A{number}"
        tid = self._claim(f"table-{fid}")
        tab = (
            table
            if isinstance(table, Table)
            else make_table(
                table,
                id=tid,
                caption=table_caption or caption,
                columns=columns,
                labels=labels,
                decimals=decimals,
                small=small,
                source=source,
            )
        )
        fig = Figure(fid, number, svg, caption, tab.id, tnum)
        self.figures.append(fig)
        self.appendix.append((fig, tab))
        self._current().blocks.append(("figure", fig))
        return fig

    def table(
        self,
        data: Any,
        *,
        caption: str,
        columns: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        decimals: int | Mapping[str, int] | None = None,
        small: str | Sequence[bool] | None = None,
        source: str = "",
        id: str | None = None,
    ) -> Table:
        """A table in the body of the report (numbered Table 1, 2, ...).

        Parameters
        ----------
        data : polars.DataFrame or list of dict
            The rows.
        caption : str
            What the table shows.
        columns, labels, decimals, small, source
            See :func:`make_table`; ``small`` marks rows too small to support a claim.
        id : str, optional
            Element id (default ``table-N``).

        Returns
        -------
        Table
        """
        self._tables += 1
        tid = self._claim(id or f"table-{self._tables}")
        tab = make_table(
            data,
            id=tid,
            caption=caption,
            columns=columns,
            labels=labels,
            decimals=decimals,
            small=small,
            source=source,
        )
        self._current().blocks.append(("table", (self._tables, tab)))
        return tab

    # -- output ----------------------------------------------------------------------------
    def contents(self) -> list[tuple[str, str, int]]:
        """The table of contents: ``(id, title, level)`` of every section, then the appendix."""
        toc = [(s.id, s.title, s.level) for s in self.sections]
        if self.appendix:
            toc.append(("appendix", "Appendix: the data behind each figure", 1))
        return toc

    def render(self) -> str:
        """The report as one self-contained HTML document."""
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("harmwatch.report", "templates"),
            autoescape=jinja2.select_autoescape(("html", "j2")),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        template = env.get_template("report.html.j2")
        return template.render(
            doc=self,
            toc=self.contents(),
            Markup=Markup,
            small_note=SMALL_NOTE,
        )

    def write(self, path: str | Path) -> Path:
        """Write :meth:`render` to ``path`` (UTF-8)."""
        out = Path(path)
        out.write_text(self.render(), encoding="utf-8")
        return out

    def write_pdf(self, path: str | Path, engine: Engine = "weasyprint") -> Path:
        """Write the report as a PDF (see :func:`harmwatch.report.pdf.to_pdf`)."""
        return to_pdf(self.render(), path, engine=engine)
