"""Distances on the earth's surface (good to metres at city scale)."""
from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; a cheap index prefilter."""
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# The spatial key stored beside each volunteer's services (volunteer_services.cell): a grid of
# 0.01° × 0.01° cells (about 1.1 km × 0.95 km at Nanjing), numbered row by row. A box of a few
# kilometres is then a handful of contiguous cell ranges, one per row, that an index on
# (service_slug, cell) answers directly. Longitudes never wrap here (no city straddles ±180°).
CELL_DEGREES = 0.01
_ROW = 40_000        # numbers per row: the column index (longitude / 0.01 + 20,000) stays below it
_COLUMN_OFFSET = 20_000


def _row_col(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES) + _COLUMN_OFFSET


def cell_of(lat: float | None, lon: float | None) -> int | None:
    """The grid cell of a point; None without coordinates (such a volunteer is never near an order)."""
    if lat is None or lon is None:
        return None
    row, col = _row_col(lat, lon)
    return row * _ROW + col


def cell_ranges(min_lat: float, max_lat: float, min_lon: float, max_lon: float) -> list[tuple[int, int]]:
    """Inclusive (first, last) cell numbers, one pair per row, covering every point in the box.

    ``cell_of`` is monotone in each coordinate, so any point inside the box falls in one of them.
    """
    row0, col0 = _row_col(min_lat, min_lon)
    row1, col1 = _row_col(max_lat, max_lon)
    return [(row * _ROW + col0, row * _ROW + col1) for row in range(row0, row1 + 1)]
