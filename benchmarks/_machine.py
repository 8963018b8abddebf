"""What the benchmarks record about the machine they ran on (shared by the scripts here)."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_model(unknown: str = "") -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else ``unknown``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return unknown


def memory_gib() -> float:
    """Physical memory, GiB (one decimal)."""
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
