"""The inline SVG charts: well-formed, accessible, escaped, deterministic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pytest

from harmwatch.report import svg

NS = "{http://www.w3.org/2000/svg}"
HOURS = [f"{h:02d}" for h in range(24)]
WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
XS = np.linspace(1, 60, 50)


def _charts(title: str) -> dict[str, Callable[[], str]]:
    return {
        "bar": lambda: svg.bar_chart(
            ["2023", "2024", "2025"], [12, None, 4.5], title=title, lower=[8, None, 1],
            upper=[17, None, 9], small=[False, False, True],
        ),
        "bar-horizontal": lambda: svg.bar_chart(
            ["Knife", "Blunt instrument", "Other"], [40, 8, 3], title=title, horizontal=True
        ),
        "grouped": lambda: svg.grouped_bar_chart(
            ["A", "B"], {"2024": [1, 2], "2025": [3, 4]}, title=title,
            lower={"2024": [0, 1]}, upper={"2024": [2, 3]},
        ),
        "stacked": lambda: svg.grouped_bar_chart(
            ["A", "B"], {"Male": [10, 20], "Female": [3, 4]}, title=title, stacked=True,
            horizontal=True,
        ),
        "line": lambda: svg.line_chart(
            [2021, 2022, 2023, 2024], {"Force": [5, 6, None, 7], "North": [1, 2, 3, 4]},
            title=title, lower={"Force": [4, 5, None, 6]}, upper={"Force": [6, 7, None, 8]},
            reference=5.5, reference_label="average",
        ),
        "heatmap": lambda: svg.heatmap(np.arange(168).reshape(7, 24), WEEK, HOURS, title=title),
        "funnel": lambda: svg.funnel_plot(
            ["u1", "u2", "u3"], [10, 40, 50], [3.5, 1.1, 0.2], target=1.0, title=title,
            limits={
                "95%": (XS, 1 - 2 / np.sqrt(XS), 1 + 2 / np.sqrt(XS)),
                "99.8%": (XS, 1 - 3 / np.sqrt(XS), 1 + 3 / np.sqrt(XS)),
            },
        ),
        "pyramid": lambda: svg.pyramid(
            ["Homicide", "Attempted murder", "GBH", "ABH"], [5, 20, 300, 4000],
            previous=[6, 18, 280, 3900], title=title,
        ),
        "sparklines": lambda: svg.sparklines(
            {"North": [1, 2, 3], "South": [3, None, 1], "Empty": [None, None, None]},
            title=title, x_labels=["2023", "2024", "2025"],
        ),
    }  # fmt: skip


CHARTS = sorted(_charts("x"))


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_is_well_formed_and_accessible(kind: str) -> None:
    text = _charts("Homicides by year")[kind]()
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and title.text == "Homicides by year"
    assert desc is not None and desc.text and len(desc.text) > len("Homicides by year")
    labelled = (root.get("aria-labelledby") or "").split()
    assert labelled == [title.get("id"), desc.get("id")]
    assert root.get("viewBox", "").startswith("0 0 ")
    # every url(#id) reference resolves inside the chart
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for ref in re.findall(r"url\(#([^)]+)\)", text):
        assert ref in ids
    # text labels exist (not colour alone)
    assert len(list(root.iter(f"{NS}text"))) >= 3


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_is_deterministic_and_self_contained(kind: str) -> None:
    make = _charts("Same")[kind]
    first, second = make(), make()
    assert first == second
    # the only URL is the SVG namespace; no href/src at all in charts
    assert re.findall(r"https?://", first) == ["http://"]
    assert "href" not in first and "src=" not in first


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_escapes_text(kind: str) -> None:
    text = _charts('<script>alert("x")</script> & co')[kind]()
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    ET.fromstring(text)


def test_ids_differ_between_charts_and_can_be_given() -> None:
    a = svg.bar_chart(["a"], [1], title="A")
    b = svg.bar_chart(["a"], [2], title="A")
    assert ET.fromstring(a).get("id") != ET.fromstring(b).get("id")
    c = svg.bar_chart(["a"], [1], title="A", chart_id="homicides")
    assert ET.fromstring(c).get("id") == "homicides"
    assert 'id="homicides-title"' in c


def test_bar_chart_marks_small_counts() -> None:
    text = svg.bar_chart(["A", "B"], [30, 2], title="T", small=[False, True])
    assert "2†" in text
    assert "too few events to support a claim" in text
    desc = ET.fromstring(text).find(f"{NS}desc")
    assert desc is not None and "Too few events to support a claim: B" in (desc.text or "")


def test_bar_chart_description_lists_values_and_intervals() -> None:
    text = svg.bar_chart(["2024"], [1234.0], lower=[1100], upper=[1400], title="T")
    desc = ET.fromstring(text).find(f"{NS}desc")
    assert desc is not None
    assert desc.text == "T. 2024 1,234 (interval 1,100 to 1,400)."


def test_grouped_series_have_distinct_patterns() -> None:
    text = svg.grouped_bar_chart(["A"], {"x": [1], "y": [2], "z": [3]}, title="T")
    assert text.count("<pattern ") >= 2  # hatches, so greyscale print tells series apart


def test_funnel_labels_only_outliers() -> None:
    text = _charts("F")["funnel"]()
    labels = [t.text for t in ET.fromstring(text).iter(f"{NS}text")]
    assert "u1" in labels  # 3.5 at 10: far above the 99.8% limit
    assert "u3" in labels  # 0.2 at 50: below
    assert "u2" not in labels
    desc = ET.fromstring(text).find(f"{NS}desc")
    assert desc is not None and "Above the 99.8% limit: u1" in (desc.text or "")


def test_heatmap_needs_matching_labels() -> None:
    with pytest.raises(ValueError, match="one label"):
        svg.heatmap(np.zeros((7, 24)), WEEK[:6], HOURS, title="T")


def test_line_chart_breaks_at_gaps() -> None:
    text = svg.line_chart(["a", "b", "c", "d"], {"s": [1, 2, None, 3]}, title="T")
    line = next(iter(re.findall(r'd="([^"]+)" fill="none" stroke', text)))
    assert line.count("M") == 2


def test_line_chart_needs_one_value_per_point() -> None:
    with pytest.raises(ValueError, match="4 time points"):
        svg.line_chart(["a", "b", "c", "d"], {"s": [1, 2]}, title="T")
