"""Headless Chromium against a real `esicheck serve` process: the upload page end to end, and
the per-note and aggregate report pages as the service serves them (CSP included).

Each page is checked for what a person would look for (requirement table, suggested code,
highlighted evidence, charts) and for a clean console: a CSP violation or script error shows
up there. Screenshots go to the test's tmp_path for a human to look at when a test fails.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.serving import served
from tests.test_reports import NOTE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 90

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (Debian package 'chromium')",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the python 'playwright' package is not installed"
)


def _esicheck() -> list[str]:
    """The console script next to this interpreter, else the same entry point via -c."""
    script = shutil.which("esicheck", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-c", "from api.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of a served app on a free loopback port with a fresh SQLite db."""
    with served(
        tmp_path_factory.mktemp("serve"), log_level="warning", startup_seconds=STARTUP_SECONDS
    ) as server:
        yield server.url, server.key


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class Console:
    """Console errors and uncaught page errors of one page; a missing favicon is ignored."""

    def __init__(self, page) -> None:  # noqa: ANN001 - playwright Page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message) -> None:  # noqa: ANN001 - playwright ConsoleMessage
        if message.type != "error":
            return
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        self.errors.append(message.text)


def _post(base: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/v1/analyses",
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_upload_page_shows_findings_with_highlighted_evidence(
    service, browser, tmp_path: Path
) -> None:
    base, key = service
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    console = Console(page)
    page.goto(f"{base}/")
    page.fill("#text", NOTE)
    page.fill("#key", key)
    page.fill("#billed_cpt", "62323")
    page.click("button[type=submit]")
    page.wait_for_selector("#result:not(.hidden)", timeout=30_000)
    rows = page.locator("#requirements tr")
    assert rows.count() >= 10
    assert "image_guidance" in page.inner_text("#requirements")
    assert "62323" in page.inner_text("#summary")
    assert page.locator("#note mark").count() >= 1
    assert page.inner_text("#error") == ""
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
    assert (tmp_path / "upload.png").stat().st_size > 1000
    assert console.errors == []
    page.close()


def test_note_and_quality_report_pages_render_cleanly(service, browser, tmp_path: Path) -> None:
    base, key = service
    ids = [
        _post(
            base,
            key,
            {
                "text": NOTE,
                "note_id": f"b-{month}",
                "provider": "Dr A",
                "site": "North",
                "date_of_service": f"2026-{month:02d}-10",
            },
        )["id"]
        for month in (1, 2)
    ]
    context = browser.new_context(
        viewport={"width": 1200, "height": 1600},
        extra_http_headers={"Authorization": f"Bearer {key}"},
    )
    try:
        page = context.new_page()
        console = Console(page)
        page.goto(f"{base}/v1/analyses/{ids[0]}/report")
        assert page.locator(".note mark").count() >= 5
        assert page.locator("mark[data-label]").count() >= 5
        page.screenshot(path=str(tmp_path / "note.png"), full_page=True)

        page.goto(f"{base}/v1/reports/quality?from=2026-01-01&to=2026-12-31")
        assert page.locator("svg").count() == 2  # completeness bars and monthly trend
        assert page.locator(f'a[href="/v1/analyses/{ids[1]}/report"]').count() >= 1
        page.screenshot(path=str(tmp_path / "quality.png"), full_page=True)
        assert (tmp_path / "note.png").stat().st_size > 1000
        assert (tmp_path / "quality.png").stat().st_size > 1000
        assert console.errors == []
    finally:
        context.close()
