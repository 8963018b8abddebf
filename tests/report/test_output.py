"""The report's outputs: the sample script, the PDFs and an offline load in Chromium."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harmwatch.report.pdf import CHROMIUM_FLAGS, to_pdf, to_pdf_chromium

LEVEL_ONE_SECTIONS = 7  # in the sample: 6 sections and the appendix, each on a new page


def test_sample_script_writes_the_html(tmp_path: Path, sample_html: str) -> None:
    out = tmp_path / "out.html"
    done = subprocess.run(
        [sys.executable, "-m", "harmwatch.report.sample", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == sample_html  # deterministic
    assert len(sample_html.encode()) < 400_000


def test_weasyprint_pdf_renders_to_pages(sample_html: str, tmp_path: Path, pdftoppm: str) -> None:
    pdf = to_pdf(sample_html, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run([pdftoppm, "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    # a title page with the contents, then each level-1 section on a new page
    assert LEVEL_ONE_SECTIONS + 1 <= len(pages) <= 30
    assert all(p.stat().st_size > 1000 for p in pages)


def test_chromium_pdf_renders(sample_html: str, tmp_path: Path, chromium: str) -> None:
    pdf = to_pdf_chromium(sample_html, tmp_path / "report.pdf", chromium=chromium)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(data) > 50_000


def _load_offline(path: Path, chromium: str) -> tuple[list[str], int, int, str]:
    """Load ``path`` in headless Chromium, every request but the page itself blocked.

    Returns the URLs requested (other than the page and ``data:`` URLs), the
    number of figures with an accessible SVG, the number of h1 and the title.
    """
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    blocked: list[str] = []
    page_url = path.resolve().as_uri()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=[a for a in CHROMIUM_FLAGS if a != "--headless"]
        )
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()

            def route(r: object) -> None:
                req = r.request  # type: ignore[attr-defined]
                requests.append(req.url)
                if req.url == page_url or req.url.startswith("data:"):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(req.url)
                    r.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.on("request", lambda req: requests.append(req.url))
            page.goto(page_url, wait_until="load")
            page.wait_for_timeout(300)
            figures = page.locator("figure svg[role=img]").count()
            h1 = page.locator("h1").count()
            title = page.title()
        finally:
            browser.close()
    others = [u for u in requests if u != page_url and not u.startswith("data:")]
    return sorted(set(others + blocked)), figures, h1, title


def test_browser_makes_no_network_request(sample_file: Path, chromium: str) -> None:
    requested, figures, h1, title = _load_offline(sample_file, chromium)
    assert requested == [], f"network requests: {requested}"
    assert figures == 10 and h1 == 1
    assert "SAMPLE" in title


def test_browser_check_catches_a_request(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>x</title>'
        '<link rel="stylesheet" href="https://cdn.example.invalid/a.css"></head>'
        '<body><h1>x</h1><img alt="" src="http://example.invalid/p.png"></body></html>',
        encoding="utf-8",
    )
    requested, *_ = _load_offline(page, chromium)
    assert "http://example.invalid/p.png" in requested
    assert "https://cdn.example.invalid/a.css" in requested
