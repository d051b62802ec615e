"""In a real browser: a county regulator records a lead, files it, asks the discretion helper
and decides, on the demo province (fixtures of tests/web/test_browser.py)."""

from __future__ import annotations

import re
from typing import Any

from tests.web.test_browser import ARTIFACTS, live_server, page  # noqa: F401  (fixtures)


def test_a_county_regulator_runs_a_case_with_the_discretion_helper_in_the_browser(
    live_server: str,  # noqa: F811
    page: Any,  # noqa: F811
) -> None:
    page.goto(f"{live_server}/login?next=/cases")
    page.fill("input[name=username]", "xihu")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#case-table")
    page.screenshot(path=str(ARTIFACTS / "cases.png"), full_page=True)

    form = page.locator("#open-case form").first
    form.locator("select[name=lead_kind]").select_option("complaint")
    form.locator("input[name=party_name]").fill("张某（无证经营）")
    form.locator("input[name=region_code]").fill("330106")
    form.locator("input[name=summary]").fill("群众举报出租屋内无证销售药品")
    form.locator("button").click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    page.wait_for_selector("#case-stage")
    assert "线索核查" in page.locator("#case-stage").inner_text()

    with page.expect_navigation():
        page.locator("#form-file button").click()
    page.fill("#form-review textarea[name=findings]", "经查，当事人未取得药品经营许可证销售药品。")
    with page.expect_navigation():
        page.locator("#form-review button").click()

    decision = page.locator("#form-decision")
    decision.locator("select[name=violation_code]").select_option("dal-126")
    decision.locator("input[value=eliminated_harm]").check()
    page.wait_for_function(
        "document.querySelector('#recommended-range')?.textContent.includes('220,000')"
    )
    decision.locator("textarea[name=review_opinion]").fill("事实清楚，同意")
    decision.locator("input[name=fine_amount]").fill("90000")
    decision.locator("input[name=warning]").check()
    page.screenshot(path=str(ARTIFACTS / "case-decision.png"), full_page=True)
    with page.expect_navigation():
        decision.locator("button[type=submit]").click()
    assert "departure_reason" in page.locator("#case-error").inner_text()

    decision = page.locator("#form-decision")
    decision.locator("select[name=violation_code]").select_option("dal-126")
    decision.locator("input[value=eliminated_harm]").check()
    decision.locator("textarea[name=review_opinion]").fill("事实清楚，同意")
    decision.locator("input[name=fine_amount]").fill("150000")
    decision.locator("input[name=warning]").check()
    with page.expect_navigation():
        decision.locator("button[type=submit]").click()
    assert "罚款150,000元" in page.locator("#penalty").inner_text()
    page.screenshot(path=str(ARTIFACTS / "case-decided.png"), full_page=True)
