"""The report document: structure, headings, contents, appendix, self-containment."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources
from itertools import pairwise

import polars as pl
import pytest
from markupsafe import Markup

from harmwatch.report import KeyFinding, ReportDocument, bar_chart, make_table

# any src/href/xlink:href/action/poster/srcset/data attribute pointing off the page
EXTERNAL_ATTR = re.compile(
    r"""\b(?:src|href|xlink:href|action|poster|srcset|data|background)\s*=\s*["']?\s*"""
    r"""(?:[a-z][a-z0-9+.-]*:(?!image/)|//)""",
    re.I,
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self._heading: str | None = None
        self._text = ""
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append((name, value or ""))
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value and tag == "a":
                self.links.append(value)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = tag, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, self._text.strip()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text += data


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def _small_doc() -> ReportDocument:
    doc = ReportDocument("Title <&>", period="2024-25", generated="2025-04-01", marking="OFFICIAL")
    doc.section("key-findings", "Key findings")
    doc.key_findings([KeyFinding("homicides", 1234, "up from 1,100"), ("GBH", "41%")])
    doc.section("homicide", "Homicide")
    doc.paragraph("Plain <b>text</b> is escaped.")
    doc.paragraph(Markup("Trusted <em>markup</em> is kept."))
    doc.figure(
        bar_chart(["2024", "2025"], [3, 4], title="Chart"),
        caption="Homicides by year.",
        table=pl.DataFrame({"year": [2024, 2025], "homicides": [3, 4], "small": [True, False]}),
        small="small",
        alt="Three homicides in 2024 and four in 2025.",
    )
    doc.section("homicide-detail", "Detail", level=2)
    doc.table([{"area": "North", "rate": 1.25}, {"area": "South", "rate": None}], caption="Rates")
    doc.section("partners", "Partner data")
    doc.warning("No ED data was supplied.", reasons=["No extract from the hospital."])
    return doc


def test_small_document_structure() -> None:
    html = _small_doc().render()
    p = _parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in html
    assert [h for h in p.headings if h[0] == "h1"] == [("h1", "Title <&>")]
    assert "Title &lt;&amp;&gt;" in html
    assert ("h2", "Key findings") in p.headings
    assert ("h3", "Detail") in p.headings
    assert ("h2", "Appendix: the data behind each figure") in p.headings
    assert "Plain &lt;b&gt;text&lt;/b&gt; is escaped." in html
    assert "Trusted <em>markup</em> is kept." in html
    assert "1,234" in html and "41%" in html
    assert "What this section cannot show, and why" in html
    # alt text replaces the chart's own description
    assert "<desc id=" in html and "Three homicides in 2024 and four in 2025." in html
    # the appendix table is marked where a count is too small to support a claim
    assert "2024 †" in html and "Too few events to support a claim" in html
    assert 'class="small"' in html
    assert "<script" not in html


def test_ids_are_unique_and_links_resolve(sample_html: str) -> None:
    p = _parse(sample_html)
    assert len(p.ids) == len(set(p.ids))
    internal = [link for link in p.links if link.startswith("#")]
    assert internal, "the contents and figure captions link within the page"
    assert len(internal) == len(p.links)
    for link in internal:
        assert link[1:] in p.ids


def test_contents_lists_every_section(sample_html: str) -> None:
    doc_sections = re.findall(r'<h([234]) id="([^"]+)">([^<]+)</h\1>', sample_html)
    toc = re.search(r'<nav class="toc".*?</nav>', sample_html, re.S)
    assert toc is not None
    for _, ident, title in doc_sections:
        if ident == "contents":
            continue
        assert f'href="#{ident}">{title}</a>' in toc.group(0)


def test_every_figure_has_its_table_in_the_appendix(sample_html: str) -> None:
    figures = re.findall(r'<figure id="([^"]+)">', sample_html)
    assert len(figures) == 10
    appendix = sample_html.split('<h2 id="appendix">', 1)[1]
    for fid in figures:
        assert f'<table id="table-{fid}"' in appendix
        assert f'href="#table-{fid}"' in sample_html


def test_headings_do_not_skip_levels(sample_html: str) -> None:
    levels = [int(h[1]) for h, _ in _parse(sample_html).headings]
    assert levels[0] == 1
    for a, b in pairwise(levels):
        assert b <= a + 1


def test_no_external_reference_anywhere(sample_html: str) -> None:
    assert EXTERNAL_ATTR.search(sample_html) is None
    for name, value in _parse(sample_html).attrs:
        if name in {"src", "href", "xlink:href", "srcset", "action", "poster"}:
            assert value.startswith(("#", "data:image/png;base64,")), (name, value)
    # no CSS imports or url() except inline data, no script, no font files
    assert "@import" not in sample_html
    assert re.findall(r"url\((?!#|['\"]?data:)", sample_html) == []
    assert "<script" not in sample_html and "<link" not in sample_html
    assert "@font-face" not in sample_html
    # the only absolute URL text is the SVG namespace
    assert set(re.findall(r"https?://[^\s\"'<>]+", sample_html)) == {"http://www.w3.org/2000/svg"}


def test_render_is_deterministic() -> None:
    assert _small_doc().render() == _small_doc().render()


def test_builder_validates() -> None:
    doc = ReportDocument("T")
    with pytest.raises(ValueError, match="start a section"):
        doc.paragraph("x")
    doc.section("one", "One")
    with pytest.raises(ValueError, match="already used"):
        doc.section("one", "Again")
    with pytest.raises(ValueError, match="lower case"):
        doc.section("Bad Id", "Bad")
    with pytest.raises(ValueError, match="level"):
        doc.section("deep", "Deep", level=4)
    with pytest.raises(ValueError, match="already used"):
        doc.section("appendix", "Reserved")


def test_make_table_formats_numbers() -> None:
    tab = make_table(
        [
            {"year": 2024, "count": 12345, "rate": 1.5, "share": 0.1234, "small": False},
            {"year": 2025, "count": 3, "rate": None, "share": 0.5, "small": True},
        ],
        id="t",
        caption="c",
        small="small",
        decimals={"share": 2},
    )
    assert tab.headers == ["Year", "Count", "Rate", "Share"]
    assert tab.rows[0] == ["2024", "12,345", "1.5", "0.12"]
    assert tab.rows[1] == ["2025 †", "3", "–", "0.50"]
    assert tab.numeric == [True, True, True, True]
    assert tab.small == [False, True]
    assert "Too few events" in tab.note


def test_templates_are_package_data() -> None:
    templates = resources.files("harmwatch.report") / "templates"
    assert (templates / "report.html.j2").is_file()
    assert (templates / "report.css").is_file()
