"""In Debian's Chromium: a county regulator plans next year, assigns the teams, and runs a visit.

Skipped when /usr/bin/chromium is missing, unless YAOJIAN_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

from typing import Any

from tests.web.test_browser import ARTIFACTS, live_server, page

__all__ = ["live_server", "page"]


def test_a_county_regulator_plans_assigns_and_runs_a_visit_in_the_browser(
    live_server: str, page: Any
) -> None:
    page.goto(f"{live_server}/login?next=/inspection")
    page.fill("input[name=username]", "xihu")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#plan-form")
    page.select_option("#plan-form select[name=year]", index=1)
    with page.expect_navigation():
        page.click("#plan-form button[type=submit]")
    assert page.locator("#plan-visits").count() == 1, (page.url, page.locator("main").inner_text())
    assert int(page.locator("#plan-visits").inner_text()) > 0
    with page.expect_navigation():
        page.click("#assign-button")
    page.wait_for_selector("#assignment")
    assert "可行" in page.locator("#assignment").inner_text()
    page.wait_for_selector("#plan-months canvas")
    page.screenshot(path=str(ARTIFACTS / "inspection-plan.png"), full_page=True)

    with page.expect_navigation():
        page.locator("#plan-visits-table tbody a").first.click()
    with page.expect_navigation():
        page.click("#start-button")
    page.select_option("#finding-form select[name=item_code]", index=1)
    page.fill("#finding-form input[name=clause]", "药品经营质量管理规范 第二章")
    page.select_option("#finding-form select[name=severity]", "major")
    page.fill("#finding-form input[name=description]", "温湿度记录不全")
    with page.expect_navigation():
        page.click("#finding-form button[type=submit]")
    assert "温湿度记录不全" in page.locator("#findings").inner_text()
    page.select_option("#conclusion-form select[name=conclusion]", "rectify")
    with page.expect_navigation():
        page.click("#conclusion-form button[type=submit]")
    page.fill("#order-form input[name=requirements]", "十五日内补齐记录")
    with page.expect_navigation():
        page.click("#order-form button[type=submit]")
    assert "待整改" in page.locator("#order").inner_text()
    page.screenshot(path=str(ARTIFACTS / "inspection-visit.png"), full_page=True)
