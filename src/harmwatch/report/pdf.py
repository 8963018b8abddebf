"""PDF output of a report's HTML: WeasyPrint (default) or headless Chromium.

Both are offline: WeasyPrint is given a URL fetcher that only accepts ``data:``
URLs, and Chromium runs with background networking, component updates and sync
turned off on a local file.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

__all__ = ["find_chromium", "to_pdf", "to_pdf_chromium", "to_pdf_weasyprint"]

Engine = Literal["weasyprint", "chromium", "auto"]

#: Flags for a headless Chromium that does not reach out to any network service.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-pdf-header-footer",
)


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome executable on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf_weasyprint(html: str, path: str | Path) -> Path:
    """Render with WeasyPrint; any non-``data:`` URL is refused, never fetched.

    Parameters
    ----------
    html : str
        A self-contained HTML document.
    path : str or Path
        The PDF to write.

    Returns
    -------
    Path
        ``path``.
    """
    # imported lazily (loading Pango takes a moment); untyped, hence import_module
    weasyprint = importlib.import_module("weasyprint")

    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    out = Path(path)
    weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(out)
    return out


def to_pdf_chromium(
    html: str, path: str | Path, *, chromium: str | None = None, timeout: float = 120
) -> Path:
    """Render with headless Chromium's ``--print-to-pdf``.

    Parameters
    ----------
    html : str
        A self-contained HTML document.
    path : str or Path
        The PDF to write.
    chromium : str, optional
        The executable (default: :func:`find_chromium`).
    timeout : float
        Seconds before giving up.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        When no Chromium is installed (``apt-get install -y chromium``).
    RuntimeError
        When Chromium fails or writes no PDF.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("no Chromium found; install it with: apt-get install -y chromium")
    out = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="harmwatch-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"Chromium could not print the PDF: {done.stderr.strip()[-2000:]}")
    return out


def to_pdf(html: str, path: str | Path, *, engine: Engine = "weasyprint") -> Path:
    """Write the report's HTML as a PDF.

    Parameters
    ----------
    html : str
        A self-contained HTML document (:meth:`ReportDocument.render`).
    path : str or Path
        The PDF to write.
    engine : {"weasyprint", "chromium", "auto"}
        WeasyPrint (default: page numbers, running headers, contents page
        numbers), headless Chromium, or Chromium when installed else WeasyPrint.

    Returns
    -------
    Path
        ``path``.
    """
    if engine == "chromium" or (engine == "auto" and find_chromium() is not None):
        return to_pdf_chromium(html, path)
    return to_pdf_weasyprint(html, path)
