"""Geography: coordinate conversion, location checks, small areas and area assignment.

Coordinates are converted with PROJ's Helmert transformation (about 2 m) unless
the OSTN15 grid is installed; see :mod:`harmwatch.geo.coordinates`.
"""

from harmwatch.geo.areas import (
    area_geometry_errors,
    areas_from_frame,
    read_areas_geojson,
)
from harmwatch.geo.assign import AreaIndex, reassign_area_codes
from harmwatch.geo.coordinates import (
    bng_to_wgs84,
    complete_locations,
    describe_transformation,
    location_errors,
    wgs84_to_bng,
)

__all__ = [
    "AreaIndex",
    "area_geometry_errors",
    "areas_from_frame",
    "bng_to_wgs84",
    "complete_locations",
    "describe_transformation",
    "location_errors",
    "read_areas_geojson",
    "reassign_area_codes",
    "wgs84_to_bng",
]
