"""The synthetic force area: small areas, districts, postcodes, venues, points.

Small areas are Voronoi cells of seed points, denser around town centres,
clipped to a convex force boundary somewhere in England, in British National
Grid (EPSG:27700) metres with coordinates rounded to 0.1 m (so neighbouring
cells share their edges exactly). Seeds are grouped into districts by k-means.
Each area gets a population (about 1,900), a deprivation score in [0, 1]
(higher near town centres and in scattered estates), a postcode district and a
set of unit postcodes. The central areas of each town form its night-time
economy, where most licensed premises (venues) are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from harmwatch.scenario._table import Array, Vocab
from harmwatch.scenario.config import PEOPLE_PER_AREA, ScaleSpec

__all__ = ["Geography", "area_of_points", "build_geography", "sample_points", "to_latlon"]

_TOWNS = [
    "Harrowfield",
    "Kestermoor",
    "Brackley",
    "Dunmore",
    "Ashby",
    "Wexcombe",
    "Calderbridge",
    "Thornhill",
    "Stainforth",
    "Millbeck",
    "Rothwick",
    "Hollinsend",
    "Greyford",
    "Marlow",
    "Endon",
    "Upperby",
    "Kirkholme",
    "Fenwick",
    "Lowther",
    "Oakmere",
]
_ADJ = [
    "Red",
    "White",
    "Black",
    "Golden",
    "Royal",
    "Old",
    "New",
    "Crown",
    "Jolly",
    "Green",
    "Blue",
    "Silver",
    "Three",
    "Two",
    "Rising",
    "Fighting",
    "Nags",
    "Wheatsheaf",
    "Plough",
    "Grey",
    "Kings",
    "Queens",
    "Bricklayers",
    "Masons",
    "Railway",
    "Cross",
    "Star",
    "Swan",
    "Bull",
    "Lamb",
]
_NOUN = [
    "Lion",
    "Horse",
    "Hart",
    "Swan",
    "Bell",
    "Anchor",
    "Oak",
    "Cock",
    "Hind",
    "Bear",
    "Dragon",
    "Eagle",
    "Crown",
    "Feathers",
    "Arms",
    "Tavern",
    "Inn",
    "Vaults",
    "Tap",
    "Barrel",
    "Fleece",
    "Plough",
    "Sun",
    "Moon",
    "Ship",
    "Mitre",
    "Unicorn",
    "Stag",
    "Greyhound",
    "Fox",
]
_CLUBS = [
    "Vibe",
    "Pulse",
    "Oceana",
    "Tiger",
    "Tiger",
    "Pryzm",
    "Liquid",
    "Envy",
    "Halo",
    "Revolution",
    "Atik",
    "Popworld",
    "Reflex",
    "Bierkeller",
    "Cosmo",
    "Neon",
    "Echo",
    "Velvet",
    "Electric",
    "Warehouse",
    "Nexus",
    "Lush",
    "Club29",
    "Mojo",
    "Fever",
    "Rumours",
    "Switch",
    "Crystal",
    "Zanzibar",
]
_POSTCODE_PREFIXES = [a + b for a in "HLWBDMNSTKPRGCEF" for b in "WYXGKLNSTDPRBEAM"]
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_BNG_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@dataclass
class Geography:
    """The areas and what is in them (all arrays indexed by area).

    Attributes
    ----------
    polygons : ndarray of shapely Polygon
        Area boundaries, BNG metres.
    codes, names : list of str
        ``area_code`` (``E019xxxxx``) and ``area_name``.
    population : ndarray of int
        Residents.
    district : ndarray of int
        Index into ``district_codes``.
    district_codes, district_names : list of str
        ``parent_code`` values and names.
    deprivation : ndarray of float
        Deprivation score in [0, 1] (rank-normalised).
    night_economy : ndarray of bool
        Whether the area is part of a town-centre night-time economy.
    centroid : ndarray, shape (n, 2)
        Area centroids.
    postcodes : Vocab
        Every unit postcode; area ``a`` has codes ``pc_start[a]`` to
        ``pc_start[a] + pc_count[a] - 1``.
    venue_names : list of str
        Licensed premises, with location ``venue_xy`` and area ``venue_area``.
    """

    polygons: Array
    codes: list[str]
    names: list[str]
    population: Array
    district: Array
    district_codes: list[str]
    district_names: list[str]
    deprivation: Array
    night_economy: Array
    centroid: Array
    postcodes: Vocab
    pc_start: Array
    pc_count: Array
    venue_names: list[str]
    venue_xy: Array
    venue_area: Array

    def __len__(self) -> int:
        return len(self.polygons)


def _boundary(rng: np.random.Generator, spec: ScaleSpec) -> tuple[shapely.Polygon, Array]:
    centre = np.array([445_000.0, 435_000.0 if spec.name != "national" else 400_000.0])
    angles = np.sort(rng.uniform(0, 2 * np.pi, 40))
    radius = spec.extent_m / 2 * rng.uniform(0.82, 1.0, 40)
    ring = centre + np.c_[np.cos(angles) * radius, np.sin(angles) * radius * 0.9]
    return shapely.convex_hull(shapely.multipoints(ring)), centre


def _inside(
    rng: np.random.Generator, poly: shapely.Polygon, n: int, around: Array | None, sd: float
) -> Array:
    xmin, ymin, xmax, ymax = poly.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        if around is None:
            pts = np.c_[rng.uniform(xmin, xmax, 2 * n), rng.uniform(ymin, ymax, 2 * n)]
        else:
            pts = around[rng.integers(0, len(around), 2 * n)] + rng.normal(0, sd, (2 * n, 2))
        out = np.vstack([out, pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]])
    return out[:n]


def _kmeans(points: Array, init: Array, iterations: int = 12) -> Array:
    centres = init.copy()
    for _ in range(iterations):
        d = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d.argmin(axis=1)
        for k in range(len(centres)):
            if (label == k).any():
                centres[k] = points[label == k].mean(axis=0)
    d = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.asarray(d.argmin(axis=1))


def _rank01(values: Array) -> Array:
    ranks = np.argsort(np.argsort(values))
    return np.asarray(ranks / max(len(values) - 1, 1))


def build_geography(rng: np.random.Generator, spec: ScaleSpec) -> Geography:
    """Build the areas, districts, postcodes and venues of a scenario."""
    boundary, _ = _boundary(rng, spec)
    towns = _inside(rng, boundary.buffer(-spec.extent_m * 0.08), spec.n_districts, None, 0.0)
    n_town_seeds = int(spec.n_areas * 0.55)
    town_weight_sd = spec.extent_m / (7 * np.sqrt(spec.n_districts))
    seeds = np.vstack(
        [
            _inside(rng, boundary, n_town_seeds, towns, town_weight_sd),
            _inside(rng, boundary, spec.n_areas - n_town_seeds, None, 0.0),
        ]
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=boundary.buffer(spec.extent_m), ordered=True
        )
    )
    cells = shapely.intersection(cells, boundary)
    cells = shapely.transform(cells, lambda c: np.round(c, 1))
    shapely.prepare(cells)
    centroid = shapely.get_coordinates(shapely.centroid(cells))

    district = _kmeans(centroid, towns)
    order = np.lexsort((-centroid[:, 1], district))  # codes run by district, north to south
    cells, centroid, district = cells[order], centroid[order], district[order]
    n = len(cells)
    district_names = [
        _TOWNS[k % len(_TOWNS)] + ("" if k < len(_TOWNS) else f" {k // len(_TOWNS) + 1}")
        for k in range(spec.n_districts)
    ]
    district_codes = [f"E06{900001 + k:06d}" for k in range(spec.n_districts)]
    codes = [f"E01{900001 + i:06d}" for i in range(n)]
    names: list[str] = []
    seen: dict[int, int] = {}
    for d in district:
        k = seen.get(int(d), 0)
        seen[int(d)] = k + 1
        names.append(f"{district_names[int(d)]} {k // 4 + 1:03d}{'ABCD'[k % 4]}")

    population = np.maximum(400, np.round(PEOPLE_PER_AREA * rng.lognormal(0, 0.15, n))).astype(
        np.int64
    )

    d_town = np.sqrt(((centroid[:, None, :] - towns[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    estates = centroid[rng.choice(n, size=max(2, n // 25), replace=False)]
    d_estate = np.sqrt(((centroid[:, None, :] - estates[None, :, :]) ** 2).sum(axis=2))
    sd = spec.extent_m / np.sqrt(spec.n_areas) * 1.5
    raw = (
        np.exp(-d_town / (3 * sd))
        + 0.8 * np.exp(-((d_estate / sd) ** 2)).sum(axis=1)
        + rng.normal(0, 0.15, n)
    )
    deprivation = _rank01(raw)

    night = np.zeros(n, dtype=bool)
    for k, town in enumerate(towns):
        nearest = np.argsort(((centroid - town) ** 2).sum(axis=1))
        night[nearest[: 4 if k == 0 else 2]] = True

    postcodes, pc_start, pc_count = _postcodes(rng, population)
    venue_names, venue_xy, venue_area = _venues(
        rng, spec, cells, population, night, district, district_names
    )
    return Geography(
        polygons=cells,
        codes=codes,
        names=names,
        population=population,
        district=district,
        district_codes=district_codes,
        district_names=district_names,
        deprivation=deprivation,
        night_economy=night,
        centroid=centroid,
        postcodes=postcodes,
        pc_start=pc_start,
        pc_count=pc_count,
        venue_names=venue_names,
        venue_xy=venue_xy,
        venue_area=venue_area,
    )


def _postcodes(rng: np.random.Generator, population: Array) -> tuple[Vocab, Array, Array]:
    n = len(population)
    count = np.maximum(8, population // 40)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    vocab = Vocab()
    offsets = rng.integers(0, 4000, n)
    for a in range(n):
        district = f"{_POSTCODE_PREFIXES[a // 99 % len(_POSTCODE_PREFIXES)]}{a % 99 + 1}"
        units = (np.arange(count[a]) * 79 + offsets[a]) % 4000
        for u in units:
            sector, rest = divmod(int(u), 400)
            vocab.add(f"{district} {sector}{_UNIT_LETTERS[rest // 20]}{_UNIT_LETTERS[rest % 20]}")
    return vocab, start, count


def _venues(
    rng: np.random.Generator,
    spec: ScaleSpec,
    cells: Array,
    population: Array,
    night: Array,
    district: Array,
    district_names: list[str],
) -> tuple[list[str], Array, Array]:
    n = spec.venues
    n_night = int(n * 0.7)
    night_idx = np.flatnonzero(night)
    areas = np.concatenate(
        [
            night_idx[rng.integers(0, len(night_idx), n_night)],
            rng.choice(len(cells), size=n - n_night, p=population / population.sum()),
        ]
    )
    x, y = sample_points(rng, cells, areas)
    names: list[str] = []
    used: set[str] = set()
    for i in range(n):
        if rng.random() < 0.25:
            base = f"{_CLUBS[int(rng.integers(0, len(_CLUBS)))]}" + (
                " Nightclub" if rng.random() < 0.5 else " Bar"
            )
        else:
            adj, noun = (
                _ADJ[int(rng.integers(0, len(_ADJ)))],
                _NOUN[int(rng.integers(0, len(_NOUN)))],
            )
            base = f"The {adj} {noun}"
        name = base
        if name in used:
            name = f"{base}, {district_names[int(district[areas[i]])]}"
        k = 2
        while name in used:
            name = f"{base} ({k})"
            k += 1
        used.add(name)
        names.append(name)
    return names, np.c_[x, y], areas


def sample_points(rng: np.random.Generator, polygons: Array, areas: Array) -> tuple[Array, Array]:
    """Uniform random points, rounded to 0.1 m, strictly inside each ``polygons[areas[i]]``."""
    areas = np.asarray(areas, dtype=np.int64)
    bounds = shapely.bounds(polygons)
    x = np.empty(len(areas))
    y = np.empty(len(areas))
    todo = np.arange(len(areas))
    while len(todo):
        b = bounds[areas[todo]]
        px = np.round(rng.uniform(b[:, 0], b[:, 2]), 1)
        py = np.round(rng.uniform(b[:, 1], b[:, 3]), 1)
        ok = shapely.contains_xy(polygons[areas[todo]], px, py)
        x[todo[ok]] = px[ok]
        y[todo[ok]] = py[ok]
        todo = todo[~ok]
    return x, y


def area_of_points(polygons: Array, x: Array, y: Array) -> Array:
    """Index of the area containing each point (-1 when none)."""
    tree = shapely.STRtree(polygons)
    pts = shapely.points(np.c_[x, y])
    hit = tree.query(pts, predicate="within")
    out = np.full(len(pts), -1, dtype=np.int64)
    out[hit[0]] = hit[1]
    return out


def to_latlon(x: Array, y: Array) -> tuple[Array, Array]:
    """BNG easting/northing to WGS84 latitude/longitude, rounded to 6 decimals."""
    lon, lat = _BNG_TO_WGS84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.round(np.asarray(lat), 6), np.round(np.asarray(lon), 6)
