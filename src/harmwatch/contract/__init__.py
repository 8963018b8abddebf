"""The input contract: kinds, columns and category codes (see docs/contract.md)."""

from harmwatch.contract.kinds import KINDS, ColumnSpec, KindSpec, get_kind

__all__ = ["KINDS", "ColumnSpec", "KindSpec", "get_kind"]
