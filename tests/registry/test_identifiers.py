"""Identifier vectors: unified social credit codes (GB 32100), approval numbers, device and
cosmetic numbers, resident IDs (GB 11643)."""

from __future__ import annotations

import pytest

from yaojian.kit.errors import InvalidInput
from yaojian.registry import identifiers

# Published codes of well-known companies (their check characters are right by construction).
REAL_CREDIT_CODES = [
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_it_accepts_real_credit_codes(code: str) -> None:
    assert identifiers.credit_code(code) == code


def test_it_normalises_lower_case_and_spaces_in_a_credit_code() -> None:
    assert identifiers.credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91330100799655058A", "check character"),  # last character altered
        ("91330100799655085B", "check character"),  # two characters transposed
        ("91330100799655058", "18 characters"),
        ("91330100799655058BB", "18 characters"),
        ("9133010079965505IB", "not a unified social credit code"),  # I is not in the alphabet
        ("A1330100799655058B", "not a unified social credit code"),
        ("", "18 characters"),
    ],
)
def test_it_rejects_bad_credit_codes_naming_the_field(code: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        identifiers.credit_code(code)
    assert caught.value.invalid_params[0].name == "credit_code"
    assert reason in caught.value.invalid_params[0].reason


@pytest.mark.parametrize(
    "number",
    [
        "国药准字H33020001",  # Zhejiang-issued, old numbering
        "国药准字Z10950001",  # former Ministry of Health numbering
        "国药准字S20200012",  # 2020+ numbering with the four-digit year
        "国药准字HJ20200001",  # made abroad (2020 Provisions)
        "国药准字ZC20210003",  # made in Hong Kong, Macao or Taiwan
        "国药准字J20120033",  # imported, packed in China
        "国药准字B20020001",  # former health-care drug
    ],
)
def test_it_accepts_approval_numbers_of_every_category(number: str) -> None:
    assert identifiers.approval_number(number) == number


@pytest.mark.parametrize(
    "number",
    [
        "国药准字X33020001",  # no such category letter
        "国药准字H3302000",  # seven digits
        "国药准字H330200011",  # nine digits
        "国药准字H99020001",  # 99 is no numbering source
        "H33020001",  # prefix missing
        "国药准字JJ20200001",  # J cannot be followed by J
        "国药准字BJ20200001",
    ],
)
def test_it_rejects_malformed_approval_numbers(number: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        identifiers.approval_number(number)
    assert caught.value.invalid_params[0].name == "approval_number"


def test_it_reads_the_category_letter_of_an_approval_number() -> None:
    assert identifiers.drug_category_letter("国药准字HJ20200001") == "H"
    assert identifiers.drug_category_letter("国药准字B20020001") == "B"


def test_a_device_registration_number_must_match_the_device_class() -> None:
    assert identifiers.device_registration("国械注准20153460001", 3) == "国械注准20153460001"
    assert identifiers.device_registration("浙械注准20212140001", 2) == "浙械注准20212140001"
    assert identifiers.device_registration("浙杭械备20150001", 1) == "浙杭械备20150001"
    with pytest.raises(InvalidInput, match="class 3, not class 2"):
        identifiers.device_registration("国械注准20153460001", 2)
    with pytest.raises(InvalidInput, match="nationally"):
        identifiers.device_registration("浙械注准20153460001", 3)
    with pytest.raises(InvalidInput, match="filing number"):
        identifiers.device_registration("浙械注准20212140001", 1)


def test_a_udi_di_gtin_must_have_its_check_digit() -> None:
    assert identifiers.udi_di("06901234567892") == "06901234567892"
    with pytest.raises(InvalidInput):
        identifiers.udi_di("06901234567893")


def test_a_cosmetic_number_must_agree_with_special_use() -> None:
    assert identifiers.cosmetic_number("国妆特字G20210123", special_use=True)
    assert identifiers.cosmetic_number("浙G妆网备字2021012345", special_use=False)
    with pytest.raises(InvalidInput, match="special-use"):
        identifiers.cosmetic_number("国妆特字G20210123", special_use=False)
    with pytest.raises(InvalidInput):
        identifiers.cosmetic_number("浙G妆网备字2021012345", special_use=True)


def test_a_resident_id_number_is_checked_per_gb_11643() -> None:
    # The example of GB 11643-1999 itself, and a number registered in Linping (created 2021).
    assert identifiers.resident_id("11010519491231002x") == "11010519491231002X"
    assert identifiers.resident_id("330113198001010017") == "330113198001010017"
    for bad in (
        "110105194912310021",
        "110105194913310021",
        "990105194912310023",
        "1101051949123100",
    ):
        with pytest.raises(InvalidInput) as caught:
            identifiers.resident_id(bad)
        assert caught.value.invalid_params[0].name == "id_number"
