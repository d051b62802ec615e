from __future__ import annotations

import pytest
from pydantic import ValidationError

from yaojian.inspection.config import RULES_FILE, load_rules, parse_rules


def test_the_shipped_rule_table_loads_and_every_rule_cites_a_source() -> None:
    table = load_rules()
    assert table.rules
    assert all(rule.source.strip() for rule in table.rules)
    assert table.rule("controlled_drug_maker").interval_months == 3
    assert table.rule("high_risk_drug_maker").interval_months == 12
    assert table.rule("drug_maker").interval_months == 36


def test_a_credit_multiplier_below_one_is_refused() -> None:
    text = RULES_FILE.read_text(encoding="utf-8").replace("A = 1.0", "A = 0.5")
    with pytest.raises(ValidationError, match="under the legal minimum"):
        parse_rules(text)


def test_an_unknown_product_flag_is_refused_naming_it() -> None:
    text = RULES_FILE.read_text(encoding="utf-8").replace('"is_narcotic"', '"is_narkotic"')
    with pytest.raises(ValidationError, match="is_narkotic"):
        parse_rules(text)
