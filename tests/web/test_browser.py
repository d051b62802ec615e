"""In a real browser (Debian's Chromium, driven by Playwright): log in, see the map, click a city,
open an enterprise.

Skipped when /usr/bin/chromium is missing, unless YAOJIAN_REQUIRE_BROWSER=1 (set by .ci/run).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.migrate import upgrade
from yaojian.settings import Settings
from yaojian.web.app import create_app

CHROMIUM = os.environ.get("YAOJIAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _chromium() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        if os.environ.get("YAOJIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test is required but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    return path


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        generate(session, scale="small", seed=1, as_of=dt.date.today(), password="demo")
    settings = Settings(database_url=url, secret_key="browser-test", var_dir=tmp)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def page(live_server: str) -> Iterator[Any]:
    """A fresh page in Debian's Chromium; fails the test if the page throws a script error."""
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        browser.close()
    assert errors == []


def test_a_regulator_logs_in_sees_the_map_clicks_a_city_and_opens_an_enterprise(
    live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
    page.fill("input[name=username]", "hangzhou")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")

    page.wait_for_selector("#zj-map[data-ready=true]", timeout=15_000)
    canvas = page.locator("#zj-map canvas").first
    assert canvas.bounding_box() is not None
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    # Click Hangzhou on the map: the city centre of 杭州市 is inside its polygon.
    point = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('zj-map'));
            return chart.convertToPixel({seriesIndex: 0}, [119.75, 29.95]);
        }"""
    )
    box = page.locator("#zj-map").bounding_box()
    assert box is not None
    with page.expect_navigation():
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    assert "region_code=330100" in page.url
    assert "杭州市" in page.locator("h1").inner_text()
    total = int(page.locator("#result-total").inner_text().replace(",", ""))
    assert total > 0
    page.screenshot(path=str(ARTIFACTS / "enterprises.png"), full_page=True)

    first = page.locator("#enterprise-rows tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_selector("#enterprise-name")
    assert name in page.locator("#enterprise-name").inner_text()
    assert "统一社会信用代码" in page.content()
    page.screenshot(path=str(ARTIFACTS / "enterprise.png"), full_page=True)


def test_an_assessor_opens_the_strongest_signal_and_records_a_review(
    live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/login?next=/pv/signals")
    page.fill("input[name=username]", "province")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#signal-table")
    assert int(page.locator("#signal-total").inner_text()) > 0
    page.screenshot(path=str(ARTIFACTS / "pv-signals.png"), full_page=True)

    page.locator("#signal-table tbody tr").first.locator("td").nth(1).locator("a").click()
    page.wait_for_selector("#ebgm-chart[data-ready=true]")
    assert page.locator("#behind tbody tr").count() >= 3  # the planted pair has its reports
    form = page.locator("tr.selected form.review")
    form.locator("select").select_option("under_assessment")
    form.locator("input[name=notes]").fill("调取原始病例")
    form.locator("button").click()
    page.wait_for_selector("tr.selected .saved")
    page.screenshot(path=str(ARTIFACTS / "pv-drug.png"), full_page=True)
