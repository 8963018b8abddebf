"""Bar charts: simple or grouped/stacked, vertical or horizontal, with error bars.

The public functions; the drawing is in :mod:`._bars_draw`, the near-miss
pyramid in :mod:`._pyramid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy.typing as npt

from harmwatch.report._bars_draw import draw_bars
from harmwatch.report._svgkit import OKABE_ITO, as_floats

__all__ = ["bar_chart", "grouped_bar_chart"]


def bar_chart(
    categories: Sequence[str],
    values: npt.ArrayLike,
    *,
    title: str,
    desc: str | None = None,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
    horizontal: bool = False,
    small: Sequence[bool] | None = None,
    value_label: str = "",
    category_label: str = "",
    colour: str = OKABE_ITO[0],
    decimals: int | None = None,
    show_values: bool = True,
    width: float = 640,
    height: float | None = None,
    chart_id: str | None = None,
) -> str:
    """A bar chart, optionally with error bars (e.g. exact Poisson 95% intervals).

    Parameters
    ----------
    categories : sequence of str
        One label per bar, in drawing order.
    values : array_like
        Bar values; None or NaN leaves a gap.
    title : str
        Accessible name of the chart (``<title>``).
    desc : str, optional
        Alt text (``<desc>``); by default every value (and interval) is listed.
    lower, upper : array_like, optional
        Interval ends drawn as error bars.
    horizontal : bool
        Bars along x (better for long category names).
    small : sequence of bool, optional
        True where the count is too small to support a claim: the bar is hatched
        and its label marked with a dagger, explained under the chart.
    value_label, category_label : str
        Axis titles.
    colour : str
        Bar colour (default Okabe–Ito blue).
    decimals : int, optional
        Decimals of value labels.
    show_values : bool
        Print each value at its bar's end (direct labels, readable in greyscale).
    width, height : float
        Size in px; horizontal charts grow with the number of bars by default.
    chart_id : str, optional
        Id of the ``<svg>`` (default: a hash of its content).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    lo = {"": as_floats(lower)} if lower is not None else None
    hi = {"": as_floats(upper)} if upper is not None else None
    return draw_bars(
        list(map(str, categories)),
        {"": as_floats(values)},
        title=title,
        desc=desc,
        stacked=False,
        horizontal=horizontal,
        lower=lo,
        upper=hi,
        small=small,
        value_label=value_label,
        category_label=category_label,
        colours=[colour],
        decimals=decimals,
        show_values=show_values,
        width=width,
        height=height,
        chart_id=chart_id,
        kind="bar",
    )


def grouped_bar_chart(
    categories: Sequence[str],
    series: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    desc: str | None = None,
    stacked: bool = False,
    horizontal: bool = False,
    lower: Mapping[str, npt.ArrayLike] | None = None,
    upper: Mapping[str, npt.ArrayLike] | None = None,
    small: Sequence[bool] | None = None,
    value_label: str = "",
    category_label: str = "",
    colours: Sequence[str] | None = None,
    decimals: int | None = None,
    show_values: bool = True,
    width: float = 640,
    height: float | None = None,
    chart_id: str | None = None,
) -> str:
    """Grouped (side by side) or stacked bars for several series.

    Each series gets an Okabe–Ito colour *and* a hatch pattern, shown in the
    legend, so the chart reads in greyscale. Stacked bars print each segment's
    value where it fits and the total at the end.

    Parameters
    ----------
    categories : sequence of str
        Category labels.
    series : mapping of str to array_like
        Series name -> one value per category (legend order = mapping order).
    stacked : bool
        Stack instead of grouping (intervals are then ignored).
    lower, upper : mapping of str to array_like, optional
        Interval ends per series (grouped bars only).
    small : sequence of bool, optional
        Categories whose counts are too small to support a claim.
    title, desc, horizontal, value_label, category_label, decimals, show_values
        As in :func:`bar_chart`.
    width, height, chart_id
        As in :func:`bar_chart`.
    colours : sequence of str, optional
        Series colours (default Okabe–Ito).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    ser = {str(k): as_floats(v) for k, v in series.items()}
    lo = {str(k): as_floats(v) for k, v in lower.items()} if lower else None
    hi = {str(k): as_floats(v) for k, v in upper.items()} if upper else None
    return draw_bars(
        list(map(str, categories)),
        ser,
        title=title,
        desc=desc,
        stacked=stacked,
        horizontal=horizontal,
        lower=lo,
        upper=hi,
        small=small,
        value_label=value_label,
        category_label=category_label,
        colours=colours,
        decimals=decimals,
        show_values=show_values,
        width=width,
        height=height,
        chart_id=chart_id,
        kind="stacked-bar" if stacked else "grouped-bar",
    )
