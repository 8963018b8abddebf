"""Dependency-free, accessible inline SVG charts for the report.

Every function takes plain Python or NumPy data and returns one ``<svg>``
element as a string, ready to inline in HTML:

- ``role="img"`` with ``<title>`` (the chart's name) and ``<desc>`` (alt text:
  what it shows, with its numbers; generated from the data unless given);
- Okabe–Ito colours *and* hatch patterns, marker shapes, dash patterns or
  direct labels, so nothing depends on colour alone and it prints in greyscale;
- all text escaped; no external reference of any kind;
- deterministic: the same input gives the same bytes (ids inside a chart are a
  hash of its content, so charts inlined in one page do not clash).

Charts
------
bar_chart          bars, vertical or horizontal, optional error bars (intervals)
grouped_bar_chart  several series side by side or stacked
line_chart         series over time with interval bands and markers
heatmap            e.g. hour of day x day of week
funnel_plot        units against a target with 95% / 99.8% control limits
pyramid            the near-miss pyramid (homicide : attempted murder : GBH : ABH)
sparklines         small multiples

Maps are in :mod:`harmwatch.report.maps`.
"""

from harmwatch.report._bars import bar_chart, grouped_bar_chart
from harmwatch.report._grids import funnel_plot, heatmap
from harmwatch.report._lines import line_chart, sparklines
from harmwatch.report._pyramid import pyramid
from harmwatch.report._svgkit import HATCHES, OKABE_ITO, blues, fmt_num, viridis

__all__ = [
    "HATCHES",
    "OKABE_ITO",
    "bar_chart",
    "blues",
    "fmt_num",
    "funnel_plot",
    "grouped_bar_chart",
    "heatmap",
    "line_chart",
    "pyramid",
    "sparklines",
    "viridis",
]
