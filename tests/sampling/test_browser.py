"""In Chromium: the Xihu regulator opens the indicator chart, the county's failed samples and one
failed sample with its follow-up. Skipped, like tests/web/test_browser.py, without Chromium."""

from __future__ import annotations

from typing import Any

from tests.web.test_browser import ARTIFACTS, live_server, page

__all__ = ["live_server", "page"]  # the fixtures, shared with the web area's browser test


def test_a_county_regulator_reads_the_pass_rate_and_opens_a_failed_sample(
    live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/login?next=/sampling/indicator")
    page.fill("input[name=username]", "xihu")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#pass-rate-chart[data-ready=true]", timeout=15_000)
    assert page.locator("#pass-rate-chart canvas").first.bounding_box() is not None
    rows = page.locator("#indicator-table tbody tr")
    assert rows.count() == 1 and "西湖区" in rows.first.inner_text()  # Xihu, nothing else
    page.wait_for_timeout(1200)  # let the bars finish growing before the picture
    page.screenshot(path=str(ARTIFACTS / "sampling-indicator.png"), full_page=True)

    page.goto(f"{live_server}/sampling/samples?status=failed")
    assert int(page.locator("#sample-total").inner_text()) >= 1
    page.screenshot(path=str(ARTIFACTS / "sampling-samples.png"), full_page=True)
    page.locator("#sample-table tbody a").first.click()
    page.wait_for_selector("#sample-number")
    assert page.locator("#sample-status").inner_text() == "不合格"
    assert "控制中" in page.content()
    page.goto(f"{live_server}/sampling/samples")
    assert page.locator("#follow-ups tbody tr").count() >= 1  # the latest failure is open
    page.screenshot(path=str(ARTIFACTS / "sampling-sample.png"), full_page=True)
