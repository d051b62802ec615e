"""In Chromium: the province opens the credit overview (chart drawn), an enterprise's explained
grade, and the public list. Skipped, like tests/web/test_browser.py, without Chromium."""

from __future__ import annotations

from typing import Any

from tests.web.test_browser import ARTIFACTS, live_server, page

__all__ = ["live_server", "page"]  # the fixtures, shared with the web area's browser test


def test_the_province_reads_the_grades_and_an_enterprise_explanation(
    live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/login?next=/credit")
    page.fill("input[name=username]", "province")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#grade-chart[data-ready=true]", timeout=15_000)
    assert page.locator("#grade-chart canvas").first.bounding_box() is not None
    assert page.locator("#coverage-8 tbody tr").first.inner_text().endswith("100.0%")
    page.wait_for_timeout(1200)  # let the bars finish growing before the picture
    page.screenshot(path=str(ARTIFACTS / "credit-overview.png"), full_page=True)
    page.locator("#grade-table tbody a").first.click()  # the worst grade comes first
    page.wait_for_selector("#explanation")
    assert "D" in page.locator("#current-grade .badge").inner_text()
    page.screenshot(path=str(ARTIFACTS / "credit-enterprise.png"), full_page=True)
    page.goto(f"{live_server}/public/blacklist")
    assert int(page.locator("#blacklist-total").inner_text()) >= 1
    page.screenshot(path=str(ARTIFACTS / "credit-blacklist.png"), full_page=True)
