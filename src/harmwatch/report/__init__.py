"""The report's rendering layer: accessible inline SVG charts and maps, a document builder, PDF.

Nothing here reads the store: charts and maps take plain Python/NumPy data, and
:class:`ReportDocument` assembles them into one self-contained HTML file (no
network request of any kind) that :func:`to_pdf` prints to PDF.

- :mod:`harmwatch.report.svg` — bar, grouped/stacked bar, line, heat map,
  funnel plot, near-miss pyramid, sparklines;
- :mod:`harmwatch.report.maps` — choropleth of small areas with highlights,
  point layers and a density raster;
- :mod:`harmwatch.report.document` — :class:`ReportDocument`;
- :mod:`harmwatch.report.pdf` — :func:`to_pdf` (WeasyPrint or headless Chromium).
"""

from harmwatch.report.document import KeyFinding, ReportDocument, make_table
from harmwatch.report.maps import PointLayer, Raster, choropleth
from harmwatch.report.pdf import find_chromium, to_pdf
from harmwatch.report.svg import (
    bar_chart,
    funnel_plot,
    grouped_bar_chart,
    heatmap,
    line_chart,
    pyramid,
    sparklines,
)

__all__ = [
    "KeyFinding",
    "PointLayer",
    "Raster",
    "ReportDocument",
    "bar_chart",
    "choropleth",
    "find_chromium",
    "funnel_plot",
    "grouped_bar_chart",
    "heatmap",
    "line_chart",
    "make_table",
    "pyramid",
    "sparklines",
    "to_pdf",
]
