"""A sample report with every chart type on made-up data, for reviewing the rendering layer.

Usage::

    uv run python -m harmwatch.report.sample out.html [--pdf out.pdf] [--engine chromium]

All numbers are invented (a fixed random seed, so the output is the same every
time); they describe no real place or person.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
import shapely

from harmwatch.report.document import KeyFinding, ReportDocument
from harmwatch.report.maps import PointLayer, Raster, choropleth
from harmwatch.report.svg import (
    bar_chart,
    funnel_plot,
    grouped_bar_chart,
    heatmap,
    line_chart,
    pyramid,
    sparklines,
)

__all__ = ["build_sample", "main", "sample_areas"]

_X0, _Y0 = 530_000.0, 178_000.0  # a made-up district in BNG metres


def _poisson_ci(
    k: npt.NDArray[np.float64], level: float = 0.95
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Poisson interval for counts ``k`` by Byar's approximation (Breslow & Day 1987).

    Close to the exact (Garwood) interval and needs no SciPy; good enough for made-up data.
    """
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    kk = np.maximum(k, 1e-9)
    lo = np.where(k > 0, kk * (1 - 1 / (9 * kk) - z / (3 * np.sqrt(kk))) ** 3, 0.0)
    k1 = k + 1
    hi = k1 * (1 - 1 / (9 * k1) + z / (3 * np.sqrt(k1))) ** 3
    return lo, hi


def sample_areas(n: int = 80, seed: int = 7) -> list[dict[str, str]]:
    """Made-up small areas: Voronoi cells clipped to a blob, as rows of the areas table."""
    rng = np.random.default_rng(seed)
    outline = shapely.buffer(
        shapely.LineString([(_X0, _Y0), (_X0 + 6000, _Y0 + 4000), (_X0 + 11000, _Y0 + 2500)]),
        3500,
        quad_segs=12,
    )
    xmin, ymin, xmax, ymax = shapely.bounds(outline)
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(outline, x, y):
            pts.append((x, y))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=outline))
    rows = []
    for i, cell in enumerate(
        sorted(cells, key=lambda g: (round(shapely.bounds(g)[1]), shapely.bounds(g)[0]))
    ):
        geom = shapely.intersection(cell, outline)
        rows.append(
            {
                "area_code": f"E01{i + 1:06d}",
                "area_name": f"Sampleton {i + 1:03d}",
                "geometry": shapely.to_geojson(shapely.set_precision(geom, 1.0)),
            }
        )
    return rows


def build_sample(seed: int = 2024) -> ReportDocument:
    """The sample document (every chart type, tables, findings and a caution)."""
    rng = np.random.default_rng(seed)
    doc = ReportDocument(
        "Homicide, serious violence and deaths: analytical report (SAMPLE)",
        subtitle="Made-up data to review the report's layout. Not real figures.",
        period="1 April 2024 to 31 March 2025, compared with the 12 months before",
        organisation="HarmWatch sample force",
        generated="2025-04-14",
        marking="OFFICIAL – SAMPLE DATA",
    )
    years = list(range(2016, 2026))
    homicides = rng.poisson(14, len(years)).astype(float)
    lo, hi = _poisson_ci(homicides)

    doc.section("key-findings", "Key findings")
    doc.paragraph(
        "These findings are written in plain words with their numbers. Every figure has "
        "its data in the appendix."
    )
    doc.key_findings(
        [
            KeyFinding(
                "homicides in the last 12 months",
                int(homicides[-1]),
                f"{int(homicides[-2])} in the 12 months before: no evidence of a change "
                "(exact conditional test, p = 0.62).",
            ),
            KeyFinding("attempted murders", 37, "1 : 3 against homicide, as in the year before."),
            KeyFinding(
                "ED assault attendances with no matching police record",
                "41%",
                "Concentrated in the night-time economy around two venues.",
            ),
            KeyFinding("deaths in custody", 2, caution="Too few events to support a claim."),
        ]
    )

    doc.section("homicide", "Homicide and near misses")
    doc.paragraph("Homicides by year with exact Poisson 95% intervals.")
    svg = bar_chart(
        [str(y) for y in years],
        homicides,
        lower=lo,
        upper=hi,
        title="Homicides by year",
        value_label="Homicides",
        small=[h < 10 for h in homicides],
    )
    doc.figure(
        svg,
        caption="Homicides each year, with exact Poisson 95% intervals.",
        table=[
            {
                "year": y,
                "homicides": int(h),
                "lower_95": round(float(a), 1),
                "upper_95": round(float(b), 1),
                "small": bool(h < 10),
            }
            for y, h, a, b in zip(years, homicides, lo, hi, strict=True)
        ],
        small="small",
    )
    rate_x = [f"{y}" for y in years]
    rates = {
        "Force": (homicides / 1.8).round(2).tolist(),
        "Central district": (rng.poisson(6, len(years)) / 0.4).round(2).tolist(),
    }
    rlo = {"Force": (lo / 1.8).round(2).tolist()}
    rhi = {"Force": (hi / 1.8).round(2).tolist()}
    doc.figure(
        line_chart(
            rate_x,
            rates,
            lower=rlo,
            upper=rhi,
            title="Homicide rate per million",
            value_label="Per million residents",
            reference=7.5,
            reference_label="England and Wales (made up)",
        ),
        caption="Homicide rate per million residents, with the force's 95% interval shaded.",
        table=[{"year": y, **{k: v[i] for k, v in rates.items()}} for i, y in enumerate(years)],
    )
    methods = [
        "Knife or sharp instrument",
        "Hitting, kicking",
        "Shooting",
        "Blunt instrument",
        "Other",
    ]
    by_method = {
        "2023-24": rng.poisson([40, 20, 5, 8, 6]).tolist(),
        "2024-25": rng.poisson([42, 18, 3, 9, 7]).tolist(),
    }
    doc.figure(
        grouped_bar_chart(
            methods,
            by_method,
            horizontal=True,
            title="Homicide and attempted murder by method",
            value_label="Offences",
        ),
        caption="Homicide and attempted murder by method, this year and last.",
        table=[
            {"method": m, **{k: v[i] for k, v in by_method.items()}} for i, m in enumerate(methods)
        ],
    )
    ages = ["0-17", "18-24", "25-34", "35-49", "50+"]
    by_sex = {
        "Male": rng.poisson([8, 30, 25, 18, 9]).tolist(),
        "Female": rng.poisson([3, 6, 8, 7, 5]).tolist(),
    }
    doc.figure(
        grouped_bar_chart(
            ages,
            by_sex,
            stacked=True,
            title="Victims of serious violence by age and sex",
            value_label="Victims",
            category_label="Age band",
        ),
        caption="Victims of homicide and near-miss offences by age band and sex (stacked).",
        table=[{"age_band": a, **{k: v[i] for k, v in by_sex.items()}} for i, a in enumerate(ages)],
    )
    levels = ["Homicide", "Attempted murder", "GBH", "ABH"]
    now, before = [12, 37, 540, 6100], [15, 33, 510, 5900]
    doc.figure(
        pyramid(
            levels,
            now,
            previous=before,
            title="Near-miss pyramid",
            current_label="2024-25",
            previous_label="2023-24",
        ),
        caption="The near-miss pyramid: each level against homicide, this year (bars) "
        "and last (dashed).",
        table=[
            {"level": lv, "2024-25": a, "2023-24": b}
            for lv, a, b in zip(levels, now, before, strict=True)
        ],
    )
    districts = ["North", "South", "East", "West", "Central", "Riverside"]
    spark = {
        d: rng.poisson(rng.uniform(3, 20), len(years)).astype(float).tolist() for d in districts
    }
    doc.figure(
        sparklines(spark, x_labels=rate_x, title="Serious violence by district", columns=3),
        caption="Serious violence by district over ten years (each panel on its own scale).",
        table=[
            {"district": d, **{str(y): int(v[i]) for i, y in enumerate(years)}}
            for d, v in spark.items()
        ],
    )

    doc.section("time", "When violence happens", level=2)
    week = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    hours = [f"{h:02d}" for h in range(24)]
    night = np.exp(-(((np.arange(24) - 23.5) % 24 - 0.5) ** 2) / 18) + 0.15
    weekend = np.array([0.7, 0.7, 0.8, 0.9, 1.3, 1.8, 1.5])
    grid = rng.poisson(40 * np.outer(weekend, night))
    doc.figure(
        heatmap(
            grid,
            week,
            hours,
            title="Violence by hour and day",
            col_title="Hour of day",
            value_label="Offences",
        ),
        caption="Violence with injury by hour of day and day of week.",
        table=[
            {"day": d, **{h: int(grid[i, j]) for j, h in enumerate(hours)}}
            for i, d in enumerate(week)
        ],
    )

    doc.section("deaths", "Death investigations")
    inst = [f"Institution {chr(65 + i)}" for i in range(24)]
    expected = rng.uniform(0.5, 30, len(inst))
    observed = rng.poisson(expected * rng.choice([1, 1, 1, 1, 2.6], len(inst)))
    ratio = observed / expected
    xs = np.linspace(0.3, 32, 120)
    limits = {}
    for name, level in (("95%", 0.95), ("99.8%", 0.998)):
        lower, upper = _poisson_ci(xs, level)  # limits for a count whose mean is xs
        limits[name] = (xs, lower / xs, upper / xs)
    doc.figure(
        funnel_plot(
            inst,
            expected,
            ratio,
            target=1.0,
            limits=limits,
            title="Deaths per institution against expected",
            target_label="expected",
            x_label="Expected deaths",
            y_label="Observed / expected",
        ),
        caption="Deaths per institution against the number expected, with 95% and 99.8% limits.",
        table=[
            {
                "institution": n,
                "expected": round(float(e), 1),
                "observed": int(o),
                "ratio": round(float(r), 2),
            }
            for n, e, o, r in zip(inst, expected, observed, ratio, strict=True)
        ],
    )
    doc.table(
        [
            {"classification": "Expected", "deaths": 812, "share": 0.78},
            {"classification": "Unexpected, not suspicious", "deaths": 201, "share": 0.19},
            {"classification": "Unexplained", "deaths": 22, "share": 0.021},
            {"classification": "Suspicious", "deaths": 4, "share": 0.004},
        ],
        caption="Death reports by classification, 2024-25.",
        decimals={"share": 3},
        small=[False, False, False, True],
    )

    doc.section("hotspots", "Hotspots and near repeats")
    areas = sample_areas()
    codes = [a["area_code"] for a in areas]
    values = {c: float(rng.poisson(rng.choice([2, 4, 12], p=[0.5, 0.4, 0.1]))) for c in codes}
    values[codes[5]] = None  # type: ignore[assignment]
    top = sorted(codes, key=lambda c: (-(values[c] or -1), c))[:2]
    venues = PointLayer(
        [_X0 + 5200, _X0 + 7400],
        [_Y0 + 3100, _Y0 + 2600],
        "ED-only venues",
        labels=["The Anchor", "Club Nova"],
    )
    doc.figure(
        choropleth(
            areas,
            values,
            title="Violence with injury by small area",
            legend_title="Offences, 2024-25",
            highlight={c: "Hotspot" for c in top},
            points=[venues],
        ),
        caption="Violence with injury by small area (quantile classes); significant Gi* "
        "hotspots outlined; venues where the ED sees assaults the police do not.",
        table=[
            {"area_code": c, "area_name": a["area_name"], "offences": values[c]}
            for c, a in zip(codes, areas, strict=True)
        ],
    )
    n = 120
    gx, gy = np.meshgrid(np.arange(n), np.arange(n))
    kde = np.exp(-((gx - 55) ** 2 + (gy - 60) ** 2) / 120) + 0.6 * np.exp(
        -((gx - 85) ** 2 + (gy - 45) ** 2) / 60
    )
    cluster = rng.normal([_X0 + 7000, _Y0 + 2000], 150, size=(9, 2))
    doc.figure(
        choropleth(
            areas,
            None,
            title="Kernel density of violence with injury",
            raster=Raster(
                kde * 40,
                _X0 - 3600,
                _Y0 - 3600,
                18600 / n,
                name="Offences per km² (kernel density)",
            ),
            points=[
                PointLayer(
                    cluster[:, 0],
                    cluster[:, 1],
                    "Near-repeat cluster (9 burglaries)",
                    shape="circle",
                    colour="#0072B2",
                    size=3.5,
                )
            ],
        ),
        caption="Kernel density of violence with injury (500 m bandwidth) and the "
        "near-repeat cluster.",
        table=[
            {"row": int(i), "col": int(j), "density": round(float(kde[i, j] * 40), 2)}
            for i, j in zip(
                *np.unravel_index(np.argsort(-kde, axis=None)[:10], kde.shape), strict=True
            )
        ],
        table_caption="The ten densest grid cells (row 0 = south edge).",
    )

    doc.section("partners", "Partner data")
    doc.warning(
        "The emergency department data cover only 7 of the 12 months, so the comparison "
        "with police-recorded violence is limited to April to October.",
        reasons=["No ED extract received after 31 October 2024.", "Ambulance data not supplied."],
    )
    doc.section("methods", "Methods and caveats")
    doc.bullets(
        [
            "Exact Poisson intervals (Garwood 1936).",
            "Funnel plots: Spiegelhalter DJ (2005), Statistics in Medicine 24:1185-1202.",
            "Local Getis-Ord Gi* (Ord & Getis 1995) with Benjamini-Hochberg adjustment.",
            "Knox test for near repeats (Knox 1964; Ratcliffe 2009).",
        ]
    )
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    """Write the sample report (and optionally its PDF)."""
    parser = argparse.ArgumentParser(prog="python -m harmwatch.report.sample", description=__doc__)
    parser.add_argument("out", type=Path, help="the HTML file to write")
    parser.add_argument("--pdf", type=Path, help="also write a PDF here")
    parser.add_argument(
        "--engine", choices=["weasyprint", "chromium", "auto"], default="weasyprint"
    )
    args = parser.parse_args(argv)
    doc = build_sample()
    doc.write(args.out)
    if args.pdf:
        doc.write_pdf(args.pdf, engine=args.engine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
