"""Code vectors: GS1 General Specifications and Digital Link examples, EPC Tag Data Standard
URNs, China's 20-digit drug traceability codes and MA (IDcode) device codes.

No database: ``parse_code`` is pure.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from yaojian.cli import app
from yaojian.kit.errors import InvalidInput
from yaojian.trace.codes import CodeKind, ParsedCode, check_cn_prefix, parse_code

GS = "\x1d"

# GS1 General Specifications' running example (GTIN, expiry, batch, serial).
GENSPEC_HRI = "(01)09506000134352(17)201225(10)ABC123(21)XYZ"
# The same pack as a scanner sends it: fixed-length AIs first, GS after the variable-length lot.
GENSPEC_ELEMENTS = f"01095060001343521720122510ABC123{GS}21XYZ"


def rejected(code: str) -> str:
    """The reason ``parse_code`` gives for refusing ``code`` (and that it names the field)."""
    with pytest.raises(InvalidInput) as caught:
        parse_code(code)
    problem = caught.value.invalid_params[0]
    assert problem.name == "code"
    return problem.reason


def test_it_reads_the_general_specifications_example_in_human_readable_form() -> None:
    parsed = parse_code(GENSPEC_HRI)
    assert parsed.kind is CodeKind.SGTIN
    assert parsed.gtin == "09506000134352"
    assert parsed.udi_di == "09506000134352"
    assert (parsed.lot, parsed.serial) == ("ABC123", "XYZ")
    assert parsed.expiry == dt.date(2020, 12, 25)
    assert parsed.text == GENSPEC_HRI
    assert parsed.canonical.startswith("urn:epc:id:sgtin:")
    assert parsed.canonical.endswith(".XYZ")


@pytest.mark.parametrize(
    "code",
    [
        GENSPEC_ELEMENTS,  # no symbology identifier, as many scanners are set up
        f"]d2{GENSPEC_ELEMENTS}",  # GS1 DataMatrix
        f"]C1{GENSPEC_ELEMENTS}",  # GS1-128
        f"]Q3{GENSPEC_ELEMENTS}",  # GS1 QR Code
        f"]e0{GENSPEC_ELEMENTS}",  # GS1 DataBar
        f"  ]d2{GENSPEC_ELEMENTS}\r\n",  # the scanner's line ending
        f"]d2{GS}{GENSPEC_ELEMENTS}",  # FNC1 in first position sent as GS
        # Variable-length fields first, each ended by GS.
        f"]d20109506000134352{GS}10ABC123{GS}21XYZ{GS}17201225",
    ],
)
def test_it_reads_the_same_pack_from_element_strings_with_separators_and_symbologies(
    code: str,
) -> None:
    parsed = parse_code(code)
    reference = parse_code(GENSPEC_HRI)
    assert parsed.canonical == reference.canonical
    assert (parsed.gtin, parsed.lot, parsed.serial, parsed.expiry) == (
        "09506000134352",
        "ABC123",
        "XYZ",
        dt.date(2020, 12, 25),
    )


def test_it_reads_production_and_expiry_dates_of_a_device_udi() -> None:
    # China's UDI guidance example (GS1 issuer): fixed-length date AIs before lot and serial.
    parsed = parse_code("(01)06901234567892(11)141231(17)150707(10)A213B1(21)1234")
    assert parsed.production_date == dt.date(2014, 12, 31)
    assert parsed.expiry == dt.date(2015, 7, 7)
    assert parsed.udi_di == "06901234567892"
    # GS1 China's table gives 690 a 7-digit company prefix.
    assert parsed.canonical == "urn:epc:id:sgtin:6901234.056789.1234"


@pytest.mark.parametrize(
    ("expiry", "date"),
    [
        ("240200", dt.date(2024, 2, 29)),  # day 00: last day of the month, leap year
        ("250200", dt.date(2025, 2, 28)),
        ("261100", dt.date(2026, 11, 30)),
        ("261231", dt.date(2026, 12, 31)),
    ],
)
def test_it_reads_day_00_of_an_expiry_date_as_the_end_of_the_month(
    expiry: str, date: dt.date
) -> None:
    assert parse_code(f"(01)09506000134352(17){expiry}").expiry == date


@pytest.mark.parametrize(
    ("uri", "kind", "gtin", "lot", "serial", "expiry"),
    [
        # GS1 Digital Link URI syntax examples.
        (
            "https://id.gs1.org/01/09521234543213/10/ABC123/21/12345",
            CodeKind.SGTIN,
            "09521234543213",
            "ABC123",
            "12345",
            None,
        ),
        (
            "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
            CodeKind.LGTIN,
            "09521234543213",
            "ABC123",
            None,
            dt.date(2026, 12, 31),
        ),
        # A brand's own domain and path before the primary key.
        (
            "https://example.com/products/01/09521234543213",
            CodeKind.GTIN,
            "09521234543213",
            None,
            None,
            None,
        ),
        # Short GTIN in the path; a query parameter that is no AI is ignored.
        (
            "HTTPS://id.gs1.org/01/9521234543213?linkType=gs1:pip",
            CodeKind.GTIN,
            "09521234543213",
            None,
            None,
            None,
        ),
    ],
)
def test_it_reads_digital_link_uris_on_any_host(
    uri: str,
    kind: CodeKind,
    gtin: str,
    lot: str | None,
    serial: str | None,
    expiry: dt.date | None,
) -> None:
    parsed = parse_code(uri)
    assert (parsed.kind, parsed.gtin, parsed.lot, parsed.serial, parsed.expiry) == (
        kind,
        gtin,
        lot,
        serial,
        expiry,
    )


def test_it_reads_an_sscc_from_a_digital_link() -> None:
    parsed = parse_code("https://id.gs1.org/00/106141411234567897")
    assert parsed.kind is CodeKind.SSCC
    assert parsed.sscc == "106141411234567897"
    assert parsed.canonical == "urn:epc:id:sscc:0614141.1123456789"


@pytest.mark.parametrize(
    ("urn", "element_string", "gtin", "serial"),
    [
        # EPC Tag Data Standard examples.
        ("urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789", "80614141123458",
         "6789"),
        ("urn:epc:id:sgtin:0614141.812345.400", "(01)80614141123458(21)400", "80614141123458",
         "400"),
        # A "/" in the serial is %2F in the URN.
        ("urn:epc:id:sgtin:0614141.712345.32a%2Fb", "(01)70614141123451(21)32a/b",
         "70614141123451", "32a/b"),
    ],
)  # fmt: skip
def test_it_converts_sgtin_urns_to_gtin_and_serial_and_back(
    urn: str, element_string: str, gtin: str, serial: str
) -> None:
    from_urn, from_element_string = parse_code(urn), parse_code(element_string)
    assert from_urn.kind is CodeKind.SGTIN
    assert (from_urn.gtin, from_urn.serial) == (gtin, serial)
    # 0614141 has 7 digits in GS1's table too, so the URN is its own canonical form.
    assert from_urn.canonical == urn
    assert from_element_string.canonical == urn


def test_it_converts_an_sscc_urn_to_the_sscc_and_back() -> None:
    parsed = parse_code("urn:epc:id:sscc:0614141.1234567890")
    assert parsed.kind is CodeKind.SSCC
    assert parsed.sscc == "106141412345678908"
    assert parse_code("(00)106141412345678908").canonical == parsed.canonical
    assert parse_code(f"]C100106141412345678908{GS}").canonical == parsed.canonical


def test_it_reads_lot_and_product_class_urns() -> None:
    lot = parse_code("urn:epc:class:lgtin:4012345.012345.998877")
    assert (lot.kind, lot.gtin, lot.lot) == (CodeKind.LGTIN, "04012345123456", "998877")
    assert parse_code("(01)04012345123456(10)998877").canonical == lot.canonical
    product = parse_code("urn:epc:idpat:sgtin:0614141.812345.*")
    assert (product.kind, product.gtin) == (CodeKind.GTIN, "80614141123458")
    assert parse_code("80614141123458").canonical == product.canonical


def test_it_gives_one_canonical_string_whatever_the_form_of_the_code() -> None:
    forms = [
        "(01)80614141123458(17)271231(10)L1(21)6789",
        f"]d201806141411234581727123110L1{GS}216789",
        "https://id.gs1.org/01/80614141123458/10/L1/21/6789?17=271231",
        "https://resolver.example.cn/01/80614141123458/21/6789",
        "urn:epc:id:sgtin:0614141.812345.6789",
        "URN:EPC:id:sgtin:0614141.812345.6789",
    ]
    assert {parse_code(form).canonical for form in forms} == {
        "urn:epc:id:sgtin:0614141.812345.6789"
    }


def test_it_falls_back_to_a_gtin_form_when_the_company_prefix_length_is_unknown() -> None:
    # 977 is the ISSN prefix: GS1's company-prefix table has no length for it.
    parsed = parse_code("(01)09771234567898(21)S1")
    assert parsed.canonical == "gtin:09771234567898:ser:S1"
    assert parse_code("(01)09771234567898(10)L1").canonical == "gtin:09771234567898:lot:L1"


@pytest.mark.parametrize(
    "code",
    ["(01)09771234567898(21)S1", "(01)09771234567898(10)L1", "(01)09771234567898",
     "(00)097712345678901234", "81234567890123456789", "(01)09506000134352(21)1"],
)  # fmt: skip
def test_it_reads_its_own_canonical_forms_back(code: str) -> None:
    # Stored events name codes canonically; a chain or a recall parses them again.
    parsed = parse_code(code)
    again = parse_code(parsed.canonical)
    assert (again.canonical, again.kind, again.gtin, again.serial, again.lot) == (
        parsed.canonical, parsed.kind, parsed.gtin, parsed.serial, parsed.lot,
    )  # fmt: skip


def test_it_checks_the_digits_of_a_fallback_canonical_form() -> None:
    assert "check digit" in rejected("gtin:09771234567899:ser:S1")
    assert "canonical" in rejected("sscc:12345")


def test_it_reads_a_bare_ean_13_as_a_product() -> None:
    for code in ("6901234567892", "]E06901234567892"):
        parsed = parse_code(code)
        assert (parsed.kind, parsed.gtin) == (CodeKind.GTIN, "06901234567892")
        assert parsed.canonical == "urn:epc:idpat:sgtin:6901234.056789.*"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("(01)09506000134353(21)XYZ", "check digit"),  # last GTIN digit altered
        ("(01)09506000143352(21)XYZ", "check digit"),  # two digits transposed
        ("(00)106141412345678907", "check digit"),  # SSCC
        (f"]C100106141412345678907{GS}", "check digit"),
        ("6901234567891", "check digit"),  # bare EAN-13
        ("(01)09506000134352(17)201325", "(17)"),  # month 13
        ("(01)09506000134352(17)200230", "(17)"),  # 30 February
        ("(01)09506000134352(11)201300", "(11)"),
        ("https://id.gs1.org/01/09521234543214/21/1", "check digit"),
        ("(10)ABC123(21)XYZ", "neither a GTIN"),
        ("(01)80614141123458(00)106141412345678908", "not both"),
        ("(01)80614141123458(21)A(21)B", "twice"),
        ("(01)0950600013435", "not a valid GS1 code"),  # a digit short
        ("(9999)1", "not a valid GS1 code"),  # no such AI
    ],
)
def test_it_rejects_bad_gs1_codes_with_a_reason(code: str, reason: str) -> None:
    assert reason in rejected(code)


@pytest.mark.parametrize(
    ("urn", "reason"),
    [
        ("urn:epc:id:sgtin:0614141.81234.6789", "13 digits"),  # item reference too short
        ("urn:epc:id:sgtin:06141.8123456789.1", "6 to 12 digits"),
        ("urn:epc:id:sgtin:0614141.812345", "third part"),
        ("urn:epc:id:sscc:0614141.123456789", "17 digits"),
        ("urn:epc:id:sgtin:0614141.812345.123456789012345678901", "1 to 20"),
        ("urn:epc:id:sgtin:0614141.812345.a%zz", "escape"),
        ("urn:epc:idpat:sgtin:0614141.812345.6789", ".*"),
        ("urn:epc:id:sgln:0614141.12345.400", "an EPC URN here is"),
    ],
)
def test_it_rejects_malformed_epc_urns(urn: str, reason: str) -> None:
    assert reason in rejected(urn)


def test_it_reads_a_chinese_20_digit_drug_traceability_code() -> None:
    parsed = parse_code("81234560123456789012")
    assert parsed.kind is CodeKind.CN_DRUG
    assert parsed.canonical == "cn:drug:81234560123456789012"
    assert parsed.cn_product_prefix == "8123456"
    assert parsed.serial == "012345678"
    assert parsed.gtin is None


@pytest.mark.parametrize(
    "code", ["8123456012345678901", "812345601234567890123", "8123456012345678901X"]
)
def test_it_rejects_a_drug_traceability_code_that_is_not_20_digits(code: str) -> None:
    rejected(code)


def test_it_reads_20_digits_starting_00_with_a_valid_check_digit_as_an_sscc() -> None:
    # Without a symbology identifier (00) + SSCC is 20 digits too; its check digit tells.
    assert parse_code("00106141412345678908").kind is CodeKind.SSCC
    assert parse_code("00106141412345678907").kind is CodeKind.CN_DRUG


def test_it_checks_a_drug_code_prefix_through_the_callers_registry_lookup() -> None:
    parsed = parse_code("81234560123456789012")
    check_cn_prefix(parsed, {"8123456"}.__contains__)
    with pytest.raises(InvalidInput) as caught:
        check_cn_prefix(parsed, {"8000001"}.__contains__)
    assert "8123456" in caught.value.invalid_params[0].reason
    # Other kinds carry no such prefix and pass.
    check_cn_prefix(parse_code(GENSPEC_HRI), set[str]().__contains__)


# MA codes are built from the structure in ZIIOT's MA (IDcode) coding manual: MA, country 156,
# industry M0, a 6-digit registrant, an 8-character product code; then PI units.
MA_DI = "MA.156.M0.100003.10000018"


def test_it_reads_an_ma_device_code_into_its_di_and_pi() -> None:
    parsed = parse_code(f"{MA_DI}.LB2024A01.S000123.M240101.E290101.DST7")
    assert parsed.kind is CodeKind.MA_UDI
    assert parsed.udi_di == MA_DI
    assert (parsed.lot, parsed.serial, parsed.sterilisation_lot) == ("B2024A01", "000123", "ST7")
    assert parsed.production_date == dt.date(2024, 1, 1)
    assert parsed.expiry == dt.date(2029, 1, 1)
    assert parsed.canonical == f"ma:{MA_DI}.S000123"


def test_it_takes_the_valid_until_date_of_an_ma_code_when_no_expiry_is_given() -> None:
    parsed = parse_code(f"{MA_DI}.M20240101.V20281231.LB1")
    assert parsed.expiry == dt.date(2028, 12, 31)
    assert parsed.production_date == dt.date(2024, 1, 1)
    assert parsed.canonical == f"ma:{MA_DI}.LB1"
    assert parse_code(MA_DI).canonical == f"ma:{MA_DI}"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (f"{MA_DI}.M241301", "not a real date"),  # month 13
        (f"{MA_DI}.E2401011", "6 (YYMMDD) or 8"),
        (f"{MA_DI}.X123", "not one of"),
        (f"{MA_DI}.L", "not one of"),
        (f"{MA_DI}.L1.L2", "twice"),
        (f"{MA_DI}.L批1", "letters and digits"),
        ("MA.156.M1.100003.10000018", "MA.156.M0"),  # not the medical-device industry code
        ("MA.156.M0.10003.10000018", "MA.156.M0"),
        (f"{MA_DI}9", "8 characters"),
    ],
)
def test_it_rejects_malformed_ma_codes(code: str, reason: str) -> None:
    assert reason in rejected(code)


@pytest.mark.parametrize("code", ["", "   ", "hello", "]Z9123", "]d2"])
def test_it_rejects_text_that_is_no_code(code: str) -> None:
    rejected(code)


def test_a_parsed_code_is_frozen() -> None:
    parsed = parse_code(GENSPEC_HRI)
    with pytest.raises(AttributeError):
        parsed.serial = "other"  # type: ignore[misc]


def test_the_cli_prints_the_parse_as_json_with_iso_dates() -> None:
    result = CliRunner().invoke(app, ["trace", "parse", GENSPEC_HRI])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == parse_code(GENSPEC_HRI).as_json()
    assert printed["expiry"] == "2020-12-25"
    assert printed["kind"] == "sgtin"
    assert set(printed) == set(ParsedCode.__dataclass_fields__)


def test_the_cli_exits_1_naming_what_is_wrong_with_a_bad_code() -> None:
    result = CliRunner().invoke(app, ["trace", "parse", "(01)09506000134353"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "check digit" in result.stderr
