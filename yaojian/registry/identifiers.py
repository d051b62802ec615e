"""Validators for the identifiers of the regulated world.

Each returns the normalised identifier or raises :class:`InvalidInput` naming the field, so
that an API error says exactly what was wrong.
"""

from __future__ import annotations

import datetime as dt
import re

from stdnum import ean
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from yaojian.kit.errors import InvalidInput


def credit_code(value: str, field: str = "credit_code") -> str:
    """统一社会信用代码 per GB 32100-2015, check character included (python-stdnum)."""
    try:
        return str(uscc.validate(value.strip().upper()))
    except InvalidLength:
        raise InvalidInput(field, "a unified social credit code has 18 characters") from None
    except InvalidChecksum:
        raise InvalidInput(field, "check character does not match (GB 32100-2015)") from None
    except (InvalidFormat, ValidationError):
        raise InvalidInput(
            field,
            "not a unified social credit code: 8 digits, then 10 of 0-9 A-Y without I O S V Z",
        ) from None


# 国药准字 + category letter (H 化学药, Z 中药, S 生物制品, J 进口分包装, B 保健药品) + 8 digits.
# Since the 2020 Provisions for Drug Registration the letter may be followed by J (境外生产) or
# C (港澳台生产) for H/Z/S. The first two digits are the source of the number: 10, 19 or 20
# (national numbering, including the 2020+ four-digit year 20xx) or a province code (11-65).
_APPROVAL = re.compile(
    r"^国药准字(?:(?P<letter>[HZS])(?P<origin>[JC])?|(?P<other>[JB]))(?P<digits>\d{8})$"
)
_PROVINCE_CODES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
}  # fmt: skip


def approval_number(value: str, field: str = "approval_number") -> str:
    """药品批准文号, e.g. 国药准字H33020001 or 国药准字HJ20200001."""
    normalised = re.sub(r"\s+", "", value).upper()
    match = _APPROVAL.match(normalised)
    if not match:
        raise InvalidInput(
            field, "expected 国药准字 + H/Z/S/J/B (H/Z/S optionally followed by J or C) + 8 digits"
        )
    source = int(match["digits"][:2])
    if source not in _PROVINCE_CODES and source not in (10, 19, 20):
        raise InvalidInput(field, f"digits start with {source:02d}, which is no numbering source")
    return normalised


def drug_category_letter(approval: str) -> str:
    """The category letter of a valid approval number (H, Z, S, J or B)."""
    match = _APPROVAL.match(approval)
    if not match:
        raise ValueError(approval)
    return match["letter"] or match["other"]


# 医疗器械注册证编号 / 备案编号 (医疗器械注册与备案管理办法, 2021):
#   class II/III  ×1械注×2××××3×4××5××××6  e.g. 国械注准20153460001, 浙械注准20212140001
#   class I       ×1×2械备××××3××××4       e.g. 浙杭械备20150001
_DEVICE_REG = re.compile(
    r"^(?P<issuer>国|[\u4e00-\u9fff])械注(?P<kind>[准进许])(?P<year>\d{4})(?P<cls>[23])(?P<cat>\d{2})(?P<seq>\d{4})$"
)
_DEVICE_FILING = re.compile(r"^[\u4e00-\u9fff]{1,2}械备(?P<year>\d{4})(?P<seq>\d{4,5})$")


def device_registration(value: str, device_class: int, field: str = "registration_number") -> str:
    """Registration number (class II/III) or filing number (class I), consistent with the class."""
    normalised = re.sub(r"\s+", "", value)
    if device_class == 1:
        if not _DEVICE_FILING.match(normalised):
            raise InvalidInput(
                field, "a class I device has a filing number such as 浙杭械备20150001"
            )
        return normalised
    match = _DEVICE_REG.match(normalised)
    if not match:
        raise InvalidInput(
            field,
            "expected a registration number such as 国械注准20153460001 or 浙械注准20212140001",
        )
    if int(match["cls"]) != device_class:
        raise InvalidInput(
            field, f"the number is for class {match['cls']}, not class {device_class}"
        )
    if device_class == 3 and match["issuer"] != "国":
        raise InvalidInput(field, "class III devices are registered nationally (国械注…)")
    return normalised


def udi_di(value: str, field: str = "udi_di") -> str:
    """A device identifier: a GS1 GTIN (check digit verified) or an MA code (ZIIOT) stem."""
    normalised = value.strip()
    if normalised.isdigit():
        try:
            return str(ean.validate(normalised.zfill(14)))
        except (InvalidChecksum, InvalidLength, InvalidFormat):
            raise InvalidInput(field, "not a valid GTIN: wrong length or check digit") from None
    if re.fullmatch(r"MA\.\d{3}\.[A-Z0-9]\d?\.[0-9A-Za-z.]+", normalised):
        return normalised
    raise InvalidInput(field, "expected a GS1 GTIN or an MA code (MA.156.M0.…)")


def gtin(value: str, field: str = "gtin") -> str:
    """A GS1 GTIN-8/12/13/14, check digit verified, stored as 14 digits."""
    try:
        return str(ean.validate(value.strip().zfill(14)))
    except (InvalidChecksum, InvalidLength, InvalidFormat):
        raise InvalidInput(field, "not a valid GTIN: wrong length or check digit") from None


# 化妆品注册证/备案编号: 国妆特字G2021xxxx / 国妆特进字J2021xxxx (special use, registration);
# 浙G妆网备字2021012345 (ordinary, domestic filing) / 国妆网备进字(浙)2021012345 (imported).
_COSMETIC_SPECIAL = re.compile(r"^国妆特(?:进)?字[GJ]\d{8,10}$")
_COSMETIC_FILING = re.compile(
    r"^(?:[\u4e00-\u9fff]G妆网备字|国妆网备进字（[\u4e00-\u9fff]）)\d{10}$"
)


def cosmetic_number(value: str, special_use: bool, field: str = "filing_number") -> str:
    normalised = re.sub(r"\s+", "", value).replace("(", "（").replace(")", "）")
    if _COSMETIC_SPECIAL.match(normalised):
        if not special_use:
            raise InvalidInput(field, "a 国妆特字 registration belongs to a special-use cosmetic")
        return normalised
    if _COSMETIC_FILING.match(normalised):
        if special_use:
            raise InvalidInput(field, "special-use cosmetics are registered (国妆特字), not filed")
        return normalised
    raise InvalidInput(field, "expected 国妆特字G… (special use) or 浙G妆网备字… (ordinary filing)")


def resident_id(value: str, field: str = "id_number") -> str:
    """居民身份证号码 per GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check, a real birth date.

    python-stdnum computes the check character and reads the birth date. Its full ``validate``
    also requires the address code to have existed in the birth year and to be in its own table,
    which rejects real numbers: the code is that of the first registration, not of birth, and
    codes created since 2021 (杭州 临平区 330113, 钱塘区 330114) are missing from it. So the
    address part is checked at province level only.
    """
    number = ric.compact(value.strip().upper())
    if len(number) != 18 or not number[:17].isdigit():
        raise InvalidInput(field, "a resident identity number has 17 digits and a check character")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidInput(field, "check character does not match (GB 11643-1999)")
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        raise InvalidInput(field, "the birth date in the number is not a date") from None
    if int(number[:2]) not in _PROVINCE_CODES or born > dt.date.today():
        raise InvalidInput(field, "the address code or the birth date is not possible")
    return number
