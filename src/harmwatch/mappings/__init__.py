"""Mapping files shipped with HarmWatch, for public or benchmark layouts.

Each ``<name>.yaml`` here is an ordinary mapping file (format:
:mod:`harmwatch.ingest.mapping`, guide: ``docs/mappings.md``); it can be
named on the command line instead of a path (``harmwatch ingest --mapping
mps_homicides_victims``), or loaded with
:meth:`harmwatch.ingest.mapping.Mapping.resolve`.

Shipped mappings:

``mps_homicides_occurrences``, ``mps_homicides_victims``
    The Metropolitan Police Service homicide dashboard export (victim-level,
    London Datastore) as ``police_occurrences`` and ``police_people``.
``febrl_people``
    The FEBRL synthetic person records (record-linkage benchmark) as
    ``police_people``.
"""

from __future__ import annotations

from pathlib import Path

from harmwatch.errors import HarmWatchError

_FOLDER = Path(__file__).resolve().parent


def list_shipped_mappings() -> list[str]:
    """Names of the shipped mappings, sorted (file names without ``.yaml``)."""
    return sorted(p.stem for p in _FOLDER.glob("*.yaml"))


def shipped_mapping(name: str) -> Path:
    """The path of the shipped mapping called ``name`` (``.yaml`` optional).

    Raises
    ------
    HarmWatchError
        When no mapping of that name is shipped (the message lists them).
    """
    stem = name.strip().removesuffix(".yaml")
    if stem not in list_shipped_mappings():
        raise HarmWatchError(
            f"no shipped mapping called {name!r} (shipped: {', '.join(list_shipped_mappings())})"
        )
    return _FOLDER / f"{stem}.yaml"
