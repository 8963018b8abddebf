"""Maps without tiles: choropleth geometry, legend, overlays, raster and file size."""

from __future__ import annotations

import base64
import json
import re
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import polars as pl
import pytest
import shapely

from harmwatch.report._png import png_rgba
from harmwatch.report.maps import PointLayer, Raster, choropleth, class_breaks

NS = "{http://www.w3.org/2000/svg}"


def _square(x: float, y: float, size: float = 1000.0) -> str:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


# a 2 x 2 block of 1 km squares in BNG; "SW" is south-west, "NE" north-east
SQUARES = {
    "SW": _square(530000, 180000),
    "SE": _square(531000, 180000),
    "NW": _square(530000, 181000),
    "NE": _square(531000, 181000),
}


def _area_paths(text: str) -> dict[str, str]:
    """Area code -> path data, from the paths with a <title> tooltip."""
    root = ET.fromstring(text)
    out = {}
    for p in root.iter(f"{NS}path"):
        t = p.find(f"{NS}title")
        if t is not None and t.text:
            out[t.text.split(":")[0].split(" (")[0]] = p.get("d", "")
    return out


def _first_point(d: str) -> tuple[float, float]:
    m = re.match(r"M(-?[\d.]+) (-?[\d.]+)", d)
    assert m
    return float(m.group(1)), float(m.group(2))


def test_choropleth_of_squares() -> None:
    values = {"SW": 1.0, "SE": 2.0, "NW": 3.0, "NE": None}
    text = choropleth(SQUARES, values, title="Four squares", legend_title="Count", classes=3)
    root = ET.fromstring(text)
    assert root.get("role") == "img"
    paths = _area_paths(text)
    assert set(paths) == {"SW", "SE", "NW", "NE"}
    # y is flipped: the northern squares are drawn above (smaller y) the southern ones
    assert _first_point(paths["NW"])[1] < _first_point(paths["SW"])[1]
    assert _first_point(paths["SE"])[0] > _first_point(paths["SW"])[0]
    # each square is a closed relative path of 4 corners
    assert re.fullmatch(r"M[\d.]+ [\d.]+l[-\d. ]+z", paths["SW"])
    assert "NE: no data" in text
    assert "no data  (1)" in text  # legend counts areas per class
    desc = root.find(f"{NS}desc")
    assert desc is not None and "Map of 4 areas" in (desc.text or "")
    assert ">500 m</text>" in text  # scale bar: a quarter of the 2 km width
    assert ">N</text>" in text  # north arrow


def test_square_keeps_its_shape() -> None:
    text = choropleth({"A": _square(0, 0, 100)}, {"A": 1}, title="One", width=420)
    d = _area_paths(text)["A"]
    nums = [float(v) for v in re.findall(r"-?[\d.]+", d.split("l", 1)[1])]
    steps = list(zip(nums[0::2], nums[1::2], strict=True))
    assert len(steps) == 3
    sides = {abs(dx) + abs(dy) for dx, dy in steps}
    assert max(sides) - min(sides) < 0.25  # a square stays square (same scale on x and y)


def test_inputs_as_rows_dataframe_wkt_and_multipolygon() -> None:
    multi = shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)])
    holed = shapely.Polygon(
        [(40, 0), (60, 0), (60, 20), (40, 20)], [[(45, 5), (55, 5), (55, 15), (45, 15)]]
    )
    rows = [
        {"area_code": "M", "area_name": "Two parts", "geometry": shapely.to_geojson(multi)},
        {"area_code": "H", "area_name": "Holed", "geometry": shapely.to_wkt(holed)},
    ]
    for areas in (rows, pl.DataFrame(rows)):
        text = choropleth(areas, {"M": 1, "H": 2}, title="T")
        paths = _area_paths(text)
        assert paths["Two parts"].count("M") == 2  # two polygons
        assert paths["Holed"].count("M") == 2  # exterior and hole
        assert "Holed (H): 2" in text


def test_highlight_points_and_base_map() -> None:
    venues = PointLayer(
        [530500, 531500], [180500, 181500], "ED-only venues", labels=["Bar <A>", ""]
    )
    text = choropleth(SQUARES, None, title="Base", highlight={"NE": "Hotspot"}, points=[venues])
    root = ET.fromstring(text)
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert "Hotspot" in labels
    assert "Bar <A>" in labels  # escaped in the text, parsed back
    assert "ED-only venues" in labels
    assert 'stroke-width="2.6"' in text  # thick outline of the highlighted area
    assert "Highlighted: Hotspot" in (root.find(f"{NS}desc").text or "")  # type: ignore[union-attr]


@pytest.mark.parametrize(("smooth", "pixels"), [(1, 120), (3, 360)])
def test_raster_overlay_is_an_inline_png(smooth: int, pixels: int) -> None:
    grid = np.outer(np.hanning(120), np.hanning(120))
    raster = Raster(grid, 530000, 180000, 2000 / 120, name="Density", smooth=smooth)
    text = choropleth(SQUARES, None, title="KDE", raster=raster)
    href = re.search(r'<image [^>]*href="data:image/png;base64,([^"]+)"', text)
    assert href is not None
    png = base64.b64decode(href.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (pixels, pixels)
    assert len(href.group(1)) < 30_000  # quantised bands compress well
    ET.fromstring(text)


def test_png_encoder_round_trip() -> None:
    px = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    png = png_rgba(px)
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41 : 41 + idat_len])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(2, 1 + 12)
    assert (rows[:, 0] == 0).all()
    assert (rows[:, 1:].reshape(2, 3, 4) == px).all()
    with pytest.raises(ValueError):
        png_rgba(np.zeros((2, 2, 3), dtype=np.uint8))


def test_class_breaks() -> None:
    assert class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2) == [1, 6, 10]
    assert class_breaks([0.0, 10.0], 5, "equal") == [0, 2, 4, 6, 8, 10]
    assert class_breaks([3, 3, 3], 4) == [3, 4]
    assert class_breaks([], 4) == [0, 1]


def test_three_hundred_areas_stay_small() -> None:
    rng = np.random.default_rng(3)
    frame = shapely.box(500000, 170000, 520000, 190000)
    seeds = shapely.multipoints(rng.uniform([500000, 170000], [520000, 190000], size=(300, 2)))
    areas = {}
    for i, cell in enumerate(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))):
        # wiggly boundaries with ~240 vertices each, like generalised census boundaries
        ring = shapely.get_coordinates(shapely.segmentize(shapely.intersection(cell, frame), 20))
        ring[:-1] += rng.normal(0, 6, ring[:-1].shape)
        ring[-1] = ring[0]
        areas[f"E01{i:06d}"] = shapely.to_geojson(shapely.make_valid(shapely.Polygon(ring)))
    assert sum(len(g) for g in areas.values()) > 2_000_000
    values = {code: float(i % 17) for i, code in enumerate(areas)}
    text = choropleth(areas, values, title="300 areas")
    assert len(text.encode()) < 150_000
    assert len(_area_paths(text)) == 300
    full = choropleth(areas, values, title="300 areas", simplify=0)
    assert len(full) > 2 * len(text)  # simplification is what keeps it small
