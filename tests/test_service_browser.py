"""The review app in a real browser: Debian's chromium driven by Playwright.

Publisher uploads the leak-style workbook and sees it blocked, with the reason and the preview of
where the people sit; a reviewer's approval is refused (blocked files need an override); the
override user releases it with a reason; the audit page shows the chain verified.

Needs ``apt-get install chromium`` and the ``playwright`` Python package (its own browser
download is not used). Under CI (``CI`` set) a missing browser fails the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CLEARANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
START_TIMEOUT_S = 20
PEOPLE_N = 200


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(
            f"browser test cannot run in CI: {why} (apt-get install chromium; pip install playwright)"
        )
    pytest.skip(f"browser test skipped: {why}")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"no chromium at {CHROMIUM}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a thread, on 127.0.0.1 and a free port."""
    import uvicorn

    from clearance.pipeline import Scanner
    from pg import config
    from test_service_api import build_app

    app = build_app(f"sqlite:///{tmp_path / 'browser.db'}", Scanner.build(config()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(START_TIMEOUT_S)
        app.state.gate.store.close()


def _login(browser: Any, base: str, name: str) -> Any:
    from test_service_api import PASSWORD

    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return page


def test_blocked_workbook_from_upload_to_override(chromium: Any, server: str, tmp_path: Path) -> None:
    from generators.workbooks import make_leak_workbook

    leak = make_leak_workbook(tmp_path / "FY23_detentionStats.xlsx", n=PEOPLE_N)

    # the publisher uploads and sees why it is blocked, and where
    alice = _login(chromium, server, "alice")
    alice.goto(f"{server}/upload")
    alice.set_input_files("#file", str(leak))
    alice.get_by_role("button", name="Scan and submit").click()
    alice.wait_for_url(f"{server}/submissions/1")
    summary = alice.locator(".summary").inner_text()
    assert "blocked" in summary and f"{PEOPLE_N} people" in summary
    assert "in hidden sheet 'Detainees'" in alice.locator(".reasons").inner_text()
    grid = alice.locator("table.grid")
    assert grid.count() == 1 and grid.locator("td.flag").count() >= 6 * 4
    assert "196 more rows" in grid.inner_text()
    assert "hidden sheet 'Detainees', A2:A201" in alice.locator("#findings ~ table").inner_text()
    assert alice.locator("#do-approve").count() == 0  # publishers do not decide

    # the reviewer finds it in the queue; approving is refused
    bob = _login(chromium, server, "bob")
    bob.goto(f"{server}/queue")
    bob.get_by_role("link", name="FY23_detentionStats.xlsx").click()
    assert bob.locator("#do-override").count() == 0
    bob.fill("#reason-approve", "aggregates look fine")
    bob.click("#do-approve")
    alert = bob.get_by_role("alert")
    assert "only an override can release it" in alert.inner_text()
    shot = tmp_path / "review-page.png"
    bob.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # the override user releases it with a reason; the decision is in the history
    olga = _login(chromium, server, "olga")
    olga.goto(f"{server}/submissions/1")
    olga.fill("#reason-override", "hidden sheet deleted in the published copy; approved by DPO")
    olga.click("#do-override")
    # special-category data: a second person with the override role must agree
    assert "(1 of 2); another person must also override" in olga.get_by_role("status").first.inner_text()
    assert "approved by DPO" in olga.locator(".history").inner_text()
    oscar = _login(chromium, server, "oscar")
    oscar.goto(f"{server}/submissions/1")
    oscar.fill("#reason-override", "checked the published copy too")
    oscar.click("#do-override")
    assert "status is now cleared" in oscar.get_by_role("status").first.inner_text()

    # the audit trail shows every step and a verified chain
    oscar.goto(f"{server}/audit")
    assert "Chain verified" in oscar.locator("#verify").inner_text()
    actions = oscar.locator("table.audit tbody tr td:nth-child(4)").all_inner_texts()
    assert actions[:4] == ["override", "override", "refused", "submit"]
