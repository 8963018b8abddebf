"""From scored pairs to persons: deterministic links, overrides, stable ids.

Edges of the record graph (:func:`cluster_records`):

1. pairs the model scores at or above the threshold;
2. deterministic links: records with the same ``person_token`` (the keyed
   hash partners share), and records of one source with the same
   ``person_ref`` (that system's own person id);
3. clerical decisions: ``same`` adds an edge, ``different`` removes the
   edge between the two records whatever its origin.

Persons are the connected components. A ``different`` pair still joined
through other records is reported as a conflict (the reviewer should look at
the records in between), not silently broken.

Stable ids (:func:`assign_person_ids`): each component inherits the earliest
(smallest) person id that any of its records held in the previous linkage;
when a previous person splits, the part keeping most of its records (ties: the
part holding the smallest ``unique_id``) keeps the id and the others get new
ones. New ids are ``P`` and a zero-padded counter continuing from the largest
id ever assigned (``P000000001``...), given out in order of each new
component's smallest ``unique_id``. So a re-run on unchanged data gives the
same ids, a record joining a known person takes that person's id, and two
persons merged keep the older id.

References
----------
Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Splink: clustering pairwise predictions into entities by connected
components, https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "ID_PREFIX",
    "ID_WIDTH",
    "Clustering",
    "assign_person_ids",
    "cluster_records",
    "deterministic_edges",
]

#: Person ids are ``P`` and a zero-padded counter.
ID_PREFIX = "P"
ID_WIDTH = 9
_ID_PATTERN = re.compile(rf"^{ID_PREFIX}(\d+)$")


@dataclass
class Clustering:
    """Records grouped into persons.

    Attributes
    ----------
    cluster : dict
        ``unique_id`` -> component number (0-based, ordered by each
        component's smallest ``unique_id``).
    model_edges, deterministic_edges : int
        Edges from the model and from deterministic rules (before decisions).
    forced, cut : int
        Edges added by ``same`` and removed by ``different`` decisions.
    conflicts : list of tuple
        ``different`` pairs still in one person through other records.
    """

    cluster: dict[str, int]
    model_edges: int = 0
    deterministic_edges: int = 0
    forced: int = 0
    cut: int = 0
    conflicts: list[tuple[str, str]] = field(default_factory=list)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def deterministic_edges(frame: pl.DataFrame) -> set[tuple[str, str]]:
    """Pairs linked by the same ``person_token`` or the same ``source|person_ref``.

    Each group is chained (first record to each other one), which is enough
    to put the group in one component.
    """
    edges: set[tuple[str, str]] = set()
    for column in ("person_token", "person_ref"):
        groups = (
            frame.filter(pl.col(column).is_not_null())
            .group_by(column)
            .agg(pl.col("unique_id").sort())
            .filter(pl.col("unique_id").list.len() > 1)
        )
        for ids in groups.get_column("unique_id").to_list():
            first = ids[0]
            edges.update((first, other) for other in ids[1:])
    return edges


def cluster_records(
    unique_ids: Iterable[str],
    model_pairs: Iterable[tuple[str, str]],
    fixed_pairs: Iterable[tuple[str, str]] = (),
    decisions: Mapping[tuple[str, str], str] | None = None,
) -> Clustering:
    """Connected components of the record graph (see the module docstring).

    Parameters
    ----------
    unique_ids : iterable of str
        Every record (records without edges become persons of their own).
    model_pairs : iterable of (str, str)
        Pairs the model links.
    fixed_pairs : iterable of (str, str)
        Deterministic links.
    decisions : mapping, optional
        ``(a, b)`` with ``a < b`` -> ``"same"`` or ``"different"`` (the
        latest decision on each pair).
    """
    ids = sorted(set(unique_ids))
    index = {uid: i for i, uid in enumerate(ids)}
    model = {_pair(a, b) for a, b in model_pairs if a in index and b in index and a != b}
    fixed = {_pair(a, b) for a, b in fixed_pairs if a in index and b in index and a != b}
    decided = dict(decisions or {})
    same = {p for p, d in decided.items() if d == "same" and p[0] in index and p[1] in index}
    different = {p for p, d in decided.items() if d == "different"}
    edges = model | fixed
    cut = len(edges & different)
    forced = len(same - edges)
    edges = (edges - different) | same
    n = len(ids)
    if edges:
        rows = np.fromiter((index[a] for a, _ in edges), dtype=np.int64, count=len(edges))
        cols = np.fromiter((index[b] for _, b in edges), dtype=np.int64, count=len(edges))
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Renumber components by their smallest member (ids are sorted): stable order.
    order: dict[int, int] = {}
    for label in labels.tolist():
        order.setdefault(label, len(order))
    cluster = {uid: order[int(labels[i])] for i, uid in enumerate(ids)}
    conflicts = sorted(
        p
        for p in different
        if p[0] in cluster and p[1] in cluster and cluster[p[0]] == cluster[p[1]]
    )
    return Clustering(
        cluster=cluster,
        model_edges=len(model),
        deterministic_edges=len(fixed),
        forced=forced,
        cut=cut,
        conflicts=conflicts,
    )


def _number(person_id: str) -> int:
    match = _ID_PATTERN.match(person_id)
    return int(match.group(1)) if match else 0


def format_person_id(number: int) -> str:
    """``P`` and ``number`` zero-padded to :data:`ID_WIDTH` digits."""
    return f"{ID_PREFIX}{number:0{ID_WIDTH}d}"


def assign_person_ids(
    cluster: Mapping[str, int],
    previous: Mapping[str, str],
    *,
    highest_assigned: int = 0,
) -> dict[str, str]:
    """Give each component a stable person id (see the module docstring).

    Parameters
    ----------
    cluster : mapping
        ``unique_id`` -> component.
    previous : mapping
        ``unique_id`` -> person id of the previous linkage.
    highest_assigned : int
        The largest id number ever given out (so retired ids are not reused).

    Returns
    -------
    dict
        ``unique_id`` -> person id.
    """
    members: dict[int, list[str]] = defaultdict(list)
    for uid in sorted(cluster):
        members[cluster[uid]].append(uid)
    # Claims on each previous id: (records holding it, smallest member, component).
    claims: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for component, uids in members.items():
        held: dict[str, int] = defaultdict(int)
        for uid in uids:
            if uid in previous:
                held[previous[uid]] += 1
        for person_id, count in held.items():
            claims[person_id].append((count, uids[0], component))
    chosen: dict[int, str] = {}
    for person_id in sorted(claims, key=lambda p: (_number(p), p)):
        ranked = sorted(claims[person_id], key=lambda o: (-o[0], o[1]))
        for _count, _first, component in ranked:
            if component not in chosen:
                chosen[component] = person_id
                break
    counter = max([highest_assigned, *(_number(p) for p in previous.values())], default=0)
    for component in sorted(members, key=lambda c: members[c][0]):
        if component not in chosen:
            counter += 1
            chosen[component] = format_person_id(counter)
    return {uid: chosen[component] for uid, component in cluster.items()}
