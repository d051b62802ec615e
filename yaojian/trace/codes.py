"""One parser for the pack, case and device codes that scanners and systems send.

:func:`parse_code` takes the text exactly as it arrives and returns a frozen
:class:`ParsedCode`, or raises :class:`InvalidInput` on the field ``code`` with a reason a
person can act on. The module is pure: no database, no network. Checking a Chinese drug code's
product prefix against the registry is the caller's job, through :func:`check_cn_prefix` and a
lookup it passes in.

Accepted inputs
---------------
- **GS1 element strings** as a scanner sends them: AIs run together, variable-length fields
  ended by FNC1, transmitted as GS (``\\x1d``); optionally preceded by an ISO/IEC 15424
  symbology identifier (``]d2`` GS1 DataMatrix, ``]C1`` GS1-128, ``]Q3`` GS1 QR, ``]e0`` GS1
  DataBar, ``]J1`` GS1 DotCode; ``]E0``/``]E4``/``]I1`` for bare GTINs).
- **GS1 human-readable interpretation**: ``(01)09506000134352(17)201225(10)ABC123(21)XYZ``.
- **GS1 Digital Link URIs** on any host: ``https://id.gs1.org/01/…/10/…/21/…?17=…``.
- **EPC pure-identity URNs** (GS1 EPC Tag Data Standard): ``urn:epc:id:sgtin:CP.IR.Serial``,
  ``urn:epc:id:sscc:CP.SR``, and class-level ``urn:epc:idpat:sgtin:CP.IR.*`` (a product) and
  ``urn:epc:class:lgtin:CP.IR.Lot`` (a lot).
- **A bare GTIN** (8, 12, 13 or 14 digits), as a retail scanner reads an EAN-13.
- **China's 20-digit drug traceability code** (药品追溯码, 码上放心 style).
- **MA codes** (IDcode, issued by ZIIOT, 中关村工信二维码技术研究院) for medical-device UDI.

GS1 parsing, GTIN/SSCC check digits and AI dates come from the ``biip`` library; AI (17)/(11)
dates with day ``00`` mean the last day of the month, and two-digit years follow the GS1
sliding window (General Specifications 7.12).

Canonical identifiers
---------------------
Every result has one ``canonical`` string, used in storage and queries. It is a function of
the identifying key alone (never of dates or of how the code was written), so the same pack
gives the same string whether it arrives as an element string, a Digital Link or a URN:

- ``sgtin`` (GTIN + serial, AI 21): ``urn:epc:id:sgtin:{CP}.{indicator}{item ref}.{serial}``
- ``sscc`` (AI 00): ``urn:epc:id:sscc:{CP}.{extension digit}{serial ref}``
- ``lgtin`` (GTIN + lot, AI 10): ``urn:epc:class:lgtin:{CP}.{indicator}{item ref}.{lot}``
- ``gtin`` (GTIN alone): ``urn:epc:idpat:sgtin:{CP}.{indicator}{item ref}.*``
- ``cn_drug``: ``cn:drug:{20 digits}``
- ``ma_udi``: ``ma:{DI}.S{serial}``, else ``ma:{DI}.L{lot}``, else ``ma:{DI}`` (dates and the
  sterilisation lot are attributes, not identity, as for GS1)

``CP`` is the GS1 Company Prefix. An element string does not say how long it is, so its length
is taken from GS1's company-prefix length table that biip ships (the same table for every
input form, so that the canonical string does not depend on the form; an EPC URN's own split
is used only to decode it). When the table has no entry for a GTIN or SSCC, the canonical form
falls back to ``gtin:{14 digits}:ser:{serial}``, ``gtin:{14}:lot:{lot}``, ``gtin:{14}`` or
``sscc:{18 digits}``. Serials and lots in URNs are escaped as the Tag Data Standard requires
(``"``, ``%``, ``&``, ``/``, ``<``, ``>``, ``?`` as ``%XX``).

What cannot be checked
----------------------
- The last 4 digits of a Chinese drug traceability code are a check part whose algorithm is
  not published: only the structure (20 digits) is validated, and the 7-digit product prefix
  (药品标识码) can be checked against the registry by the caller (:func:`check_cn_prefix`).
- The MA product code ends in a check character whose algorithm is not published either; the
  stem's structure is validated (see :func:`_parse_ma`), not its check character.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar
from urllib.parse import unquote

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gs1_prefixes import GS1CompanyPrefix
from biip.gtin import Gtin
from biip.symbology import GS1Symbology, SymbologyIdentifier

from yaojian.kit.errors import InvalidInput

__all__ = ["CodeKind", "ParsedCode", "check_cn_prefix", "parse_code"]

FIELD = "code"
_T = TypeVar("_T")


class CodeKind(enum.StrEnum):
    SGTIN = "sgtin"  # a serialised trade item (a pack)
    SSCC = "sscc"  # a logistic unit (case, pallet)
    LGTIN = "lgtin"  # a lot of a trade item
    GTIN = "gtin"  # a trade item (product and package level) only
    CN_DRUG = "cn_drug"  # China's 20-digit drug traceability code
    MA_UDI = "ma_udi"  # a device UDI in the MA (IDcode) scheme


@dataclass(frozen=True)
class ParsedCode:
    """What a code says. Fields a code does not carry are ``None``."""

    kind: CodeKind
    canonical: str
    text: str  # the input, unchanged
    gtin: str | None = None  # 14 digits
    serial: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    production_date: dt.date | None = None
    sscc: str | None = None  # 18 digits
    cn_product_prefix: str | None = None  # 药品标识码, first 7 digits of a CN code
    udi_di: str | None = None  # the GTIN of a GS1 item, the stem of an MA code
    sterilisation_lot: str | None = None  # MA ``.D`` (灭菌批号)

    def as_json(self) -> dict[str, str | None]:
        """A JSON-ready dict; dates in ISO 8601."""
        out: dict[str, str | None] = {}
        for key, value in asdict(self).items():
            if isinstance(value, dt.date):
                out[key] = value.isoformat()
            elif value is None:
                out[key] = None
            else:
                out[key] = str(value)
        return out


def parse_code(text: str) -> ParsedCode:
    """Parse a code as a scanner or a system sends it; raise ``InvalidInput("code", …)``."""
    body = text.strip()
    if not body:
        raise InvalidInput(FIELD, "the code is empty")
    gs1_carrier = False
    if body.startswith("]"):
        try:
            symbology = SymbologyIdentifier.extract(body)
        except ParseError:
            raise InvalidInput(
                FIELD, f"{body[:3]!r} is not a symbology identifier (such as ]d2 or ]C1)"
            ) from None
        body = body[len(symbology) :]
        gs1_carrier = symbology.gs1_symbology in GS1Symbology.with_gs1_messages()
        if symbology.gs1_symbology in GS1Symbology.with_gtin():
            return _from_bare_gtin(text, body)
    if not body:
        raise InvalidInput(FIELD, "nothing follows the symbology identifier")

    lowered = body.lower()
    if lowered.startswith("urn:epc:"):
        return _parse_epc_urn(text, body)
    if body.startswith(("gtin:", "sscc:", "cn:drug:")):
        return _parse_fallback(text, body)
    if body.startswith("MA."):
        return _parse_ma(text, body)
    if lowered.startswith(("http://", "https://")):
        return _from_elements(text, _gs1(GS1DigitalLinkURI.parse, body).element_strings)
    if body.startswith("("):
        return _from_elements(text, _gs1(GS1Message.parse_hri, body).element_strings)
    if gs1_carrier or "\x1d" in body:
        return _from_elements(text, _gs1(GS1Message.parse, body).element_strings)
    if body.isdigit():
        if len(body) == 20 and not _is_sscc_element_string(body):
            return _parse_cn_drug(text, body)
        if len(body) in (8, 12, 13, 14):
            return _from_bare_gtin(text, body)
        return _from_elements(text, _gs1(GS1Message.parse, body).element_strings)
    if body[:2].isdigit():
        # An element string sent without a symbology identifier, as many scanners are set up.
        return _from_elements(text, _gs1(GS1Message.parse, body).element_strings)
    raise InvalidInput(
        FIELD,
        "not a code this platform reads: expected a GS1 barcode, (01)… text, a Digital Link, "
        "an EPC URN, a 20-digit drug traceability code or an MA code",
    )


def check_cn_prefix(parsed: ParsedCode, is_known: Callable[[str], bool]) -> None:
    """Raise ``InvalidInput`` when a CN drug code's 药品标识码 is unknown to ``is_known``.

    ``is_known`` is the caller's registry lookup (for example a closure over a session), so this
    module stays free of the database. Codes of other kinds pass unchecked.
    """
    prefix = parsed.cn_product_prefix
    if parsed.kind is CodeKind.CN_DRUG and prefix is not None and not is_known(prefix):
        raise InvalidInput(FIELD, f"drug identification code {prefix} is not in the registry")


# --- GS1 ------------------------------------------------------------------------------------


def _gs1(parse: Callable[[str], _T], body: str) -> _T:
    try:
        return parse(body)
    except ParseError as exc:
        raise InvalidInput(FIELD, f"not a valid GS1 code: {exc}") from None


def _is_sscc_element_string(digits: str) -> bool:
    """A 20-digit string starting with AI 00 whose SSCC check digit holds is an SSCC.

    Without a symbology identifier, 20 digits are ambiguous between ``(00)`` + SSCC and a
    Chinese drug code; the check digit settles it in all but one case in ten, which is why
    scanners should send the ``]C1``/``]d2`` prefix.
    """
    return digits.startswith("00") and gs1_standard_check_digit(digits[2:19]) == int(digits[19])


_FALLBACK = re.compile(r"^(?:gtin:(\d{14})(?::(ser|lot):(.+))?|sscc:(\d{18})|cn:drug:(\d{20}))$")


def _parse_fallback(text: str, body: str) -> ParsedCode:
    """Our own canonical forms that are not EPC URNs (see the module docstring), read back:
    stored events and signals name codes so, and a chain or a recall parses them again."""
    match = _FALLBACK.match(body)
    if match is None:
        raise InvalidInput(FIELD, f"not a canonical code form: {body[:40]!r}")
    gtin, which, value, sscc, cn_drug = match.groups()
    if cn_drug is not None:
        return _parse_cn_drug(text, cn_drug)
    if sscc is not None:
        elements = f"00{sscc}"
    elif which is None:
        return _from_bare_gtin(text, gtin)
    else:
        elements = f"01{gtin}{'21' if which == 'ser' else '10'}{value}"
    return _from_elements(text, _gs1(GS1Message.parse, elements).element_strings)


def _from_bare_gtin(text: str, digits: str) -> ParsedCode:
    gtin = _gs1(Gtin.parse, digits).as_gtin_14()
    return _build(text, gtin=gtin, serial=None, lot=None)


def _one(elements: GS1ElementStrings, ai: str) -> GS1ElementString | None:
    found = [es for es in elements if es.ai.ai == ai]
    if len({es.value for es in found}) > 1:
        raise InvalidInput(FIELD, f"AI ({ai}) appears twice with different values")
    return found[0] if found else None


def _from_elements(text: str, elements: GS1ElementStrings) -> ParsedCode:
    sscc_es, gtin_es = _one(elements, "00"), _one(elements, "01")
    lot_es, serial_es = _one(elements, "10"), _one(elements, "21")
    expiry_es, production_es = _one(elements, "17"), _one(elements, "11")
    expiry = expiry_es.date if expiry_es else None
    production = production_es.date if production_es else None
    lot = lot_es.value if lot_es else None
    serial = serial_es.value if serial_es else None
    if sscc_es is not None:
        if sscc_es.sscc is None:
            raise InvalidInput(FIELD, f"not a valid SSCC: {sscc_es.sscc_error}")
        if gtin_es is not None:
            raise InvalidInput(FIELD, "a code carries an SSCC (00) or a GTIN (01), not both")
        return _build_sscc(text, sscc_es.sscc.value)
    if gtin_es is None:
        raise InvalidInput(FIELD, "the code has neither a GTIN (01) nor an SSCC (00)")
    if gtin_es.gtin is None:
        raise InvalidInput(FIELD, f"not a valid GTIN: {gtin_es.gtin_error}")
    return _build(
        text,
        gtin=gtin_es.gtin.as_gtin_14(),
        serial=serial,
        lot=lot,
        expiry=expiry,
        production_date=production,
    )


def _company_prefix(key_without_check: str) -> str | None:
    """The GS1 Company Prefix at the start of ``key_without_check`` (table in biip)."""
    found = GS1CompanyPrefix.extract(key_without_check)
    return found.value if found else None


# EPC Tag Data Standard, "EPC URI escaping": these characters of the GS1 AI 82 set are
# percent-encoded in a URN; all others stand for themselves.
_URN_ESCAPE = {c: f"%{ord(c):02X}" for c in '"%&/<>?'}
_AI82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


def _escape(value: str) -> str:
    return "".join(_URN_ESCAPE.get(c, c) for c in value)


def _build(
    text: str,
    *,
    gtin: str,
    serial: str | None,
    lot: str | None,
    expiry: dt.date | None = None,
    production_date: dt.date | None = None,
) -> ParsedCode:
    # The company prefix is read from the GTIN-13 inside the GTIN-14: the indicator digit
    # comes first and is not part of it.
    cp = _company_prefix(gtin[1:13])
    epc_class = f"{cp}.{gtin[0]}{gtin[1 + len(cp) : 13]}" if cp else None
    if serial is not None:
        kind = CodeKind.SGTIN
        canonical = (
            f"urn:epc:id:sgtin:{epc_class}.{_escape(serial)}"
            if epc_class
            else f"gtin:{gtin}:ser:{serial}"
        )
    elif lot is not None:
        kind = CodeKind.LGTIN
        canonical = (
            f"urn:epc:class:lgtin:{epc_class}.{_escape(lot)}"
            if epc_class
            else f"gtin:{gtin}:lot:{lot}"
        )
    else:
        kind = CodeKind.GTIN
        canonical = f"urn:epc:idpat:sgtin:{epc_class}.*" if epc_class else f"gtin:{gtin}"
    return ParsedCode(
        kind=kind,
        canonical=canonical,
        text=text,
        gtin=gtin,
        serial=serial,
        lot=lot,
        expiry=expiry,
        production_date=production_date,
        udi_di=gtin,
    )


def _build_sscc(text: str, sscc: str) -> ParsedCode:
    cp = _company_prefix(sscc[1:17])
    canonical = f"urn:epc:id:sscc:{cp}.{sscc[0]}{sscc[1 + len(cp) : 17]}" if cp else f"sscc:{sscc}"
    return ParsedCode(kind=CodeKind.SSCC, canonical=canonical, text=text, sscc=sscc)


# --- EPC URNs (GS1 EPC Tag Data Standard, pure identity and class URIs) ----------------------

_EPC = re.compile(
    r"^urn:epc:(?P<ns>id:sgtin|idpat:sgtin|class:lgtin|id:sscc):(?P<cp>\d+)\.(?P<ref>\d+)"
    r"(?:\.(?P<rest>.+))?$"
)


def _with_check_digit(digits: str) -> str:
    return digits + str(gs1_standard_check_digit(digits))


def _urn_value(raw: str, what: str) -> str:
    # Only %XX escapes are allowed to stand for characters outside the URN-safe set.
    if re.search(r"%(?![0-9A-Fa-f]{2})", raw):
        raise InvalidInput(FIELD, f"the {what} has a % that is not an escape such as %2F")
    value = unquote(raw)
    if not _AI82.match(value):
        raise InvalidInput(
            FIELD, f"the {what} must be 1 to 20 characters of the GS1 AI character set 82"
        )
    return value


def _parse_epc_urn(text: str, body: str) -> ParsedCode:
    # The "urn:epc:" part is case-insensitive (RFC 8141); the rest is as the standard writes it.
    match = _EPC.match("urn:epc:" + body[len("urn:epc:") :])
    if not match:
        raise InvalidInput(
            FIELD,
            "an EPC URN here is urn:epc:id:sgtin:CP.IR.Serial, urn:epc:id:sscc:CP.SR, "
            "urn:epc:idpat:sgtin:CP.IR.* or urn:epc:class:lgtin:CP.IR.Lot",
        )
    ns, cp, ref, rest = match["ns"], match["cp"], match["ref"], match["rest"]
    if not 6 <= len(cp) <= 12:
        raise InvalidInput(FIELD, "a GS1 Company Prefix has 6 to 12 digits")
    if ns == "id:sscc":
        if rest is not None or len(cp) + len(ref) != 17:
            raise InvalidInput(
                FIELD, "company prefix and serial reference of an SSCC make 17 digits together"
            )
        return _build_sscc(text, _with_check_digit(ref[0] + cp + ref[1:]))
    if len(cp) + len(ref) != 13:
        raise InvalidInput(
            FIELD, "company prefix and indicator + item reference of a GTIN make 13 digits"
        )
    gtin = _with_check_digit(ref[0] + cp + ref[1:])
    if rest is None:
        raise InvalidInput(FIELD, f"urn:epc:{ns} needs a third part after the item reference")
    if ns == "idpat:sgtin":
        if rest != "*":
            raise InvalidInput(FIELD, "an SGTIN pattern here ends in .* (the whole product)")
        return _build(text, gtin=gtin, serial=None, lot=None)
    if ns == "class:lgtin":
        return _build(text, gtin=gtin, serial=None, lot=_urn_value(rest, "lot"))
    return _build(text, gtin=gtin, serial=_urn_value(rest, "serial"), lot=None)


# --- China: 20-digit drug traceability code (药品追溯码) --------------------------------------


def _parse_cn_drug(text: str, digits: str) -> ParsedCode:
    """码上放心-style code: 7-digit 药品标识码, 9-digit serial, 4-digit check part.

    The check part's algorithm is not public, so it cannot be verified here; a wrong digit is
    only caught when the code is unknown to the traceability chain. The 药品标识码 can be
    checked against the registry with :func:`check_cn_prefix`.
    """
    return ParsedCode(
        kind=CodeKind.CN_DRUG,
        canonical=f"cn:drug:{digits}",
        text=text,
        serial=digits[7:16],
        cn_product_prefix=digits[:7],
    )


# --- MA codes (IDcode, ZIIOT) for medical-device UDI ----------------------------------------

# DI (产品标识): "MA" . country (3 digits, 156 = China) . industry "M0" (medical devices)
# . registrant (6 digits) . product code (8: packaging level 1, item 6, check character 1).
# PI (生产标识): units ".L" lot, ".S" serial, ".M" production date, ".V" valid until,
# ".E" expiry, ".D" sterilisation lot; dates YYMMDD or YYYYMMDD. Source: ZIIOT's
# 医疗器械唯一标识 MA(IDcode) 编码手册 as summarised by UDI issuers.
_MA_DI = re.compile(r"^MA\.(?P<country>\d{3})\.M0\.(?P<registrant>\d{6})\.(?P<product>[0-9A-Z]{8})")
_MA_UNITS = "LSMVED"
_MA_DATE = re.compile(r"^(?:\d{6}|\d{8})$")
_MA_TEXT = re.compile(r"^[0-9A-Za-z]+$")


def _ma_date(unit: str, value: str) -> dt.date:
    if not _MA_DATE.match(value):
        raise InvalidInput(FIELD, f"MA date .{unit} has 6 (YYMMDD) or 8 (YYYYMMDD) digits")
    # Two-digit years are this century: devices are not labelled before 2000 or after 2099.
    year = int(value[:-4]) + (2000 if len(value) == 6 else 0)
    try:
        return dt.date(year, int(value[-4:-2]), int(value[-2:]))
    except ValueError:
        raise InvalidInput(FIELD, f"MA date .{unit}{value} is not a real date") from None


def _parse_ma(text: str, body: str) -> ParsedCode:
    match = _MA_DI.match(body)
    if not match:
        raise InvalidInput(
            FIELD,
            "an MA device code starts MA.156.M0.{6-digit registrant}.{8-character product code}",
        )
    di = match.group(0)
    units: dict[str, str] = {}
    tail = body[len(di) :]
    if tail and not tail.startswith("."):
        raise InvalidInput(FIELD, "the MA product code has 8 characters")
    for segment in tail.split(".")[1:]:
        unit, value = segment[:1], segment[1:]
        if unit not in _MA_UNITS or not value:
            raise InvalidInput(
                FIELD, f"MA data unit .{segment} is not one of .L .S .M .V .E .D with a value"
            )
        if unit in units:
            raise InvalidInput(FIELD, f"MA data unit .{unit} appears twice")
        if unit in "LSD" and not _MA_TEXT.match(value):
            raise InvalidInput(FIELD, f"MA data unit .{unit} is letters and digits only")
        units[unit] = value
    dates = {unit: _ma_date(unit, units[unit]) for unit in "MVE" if unit in units}
    serial, lot = units.get("S"), units.get("L")
    if serial is not None:
        canonical = f"ma:{di}.S{serial}"
    elif lot is not None:
        canonical = f"ma:{di}.L{lot}"
    else:
        canonical = f"ma:{di}"
    return ParsedCode(
        kind=CodeKind.MA_UDI,
        canonical=canonical,
        text=text,
        serial=serial,
        lot=lot,
        # 失效期 (.E) is what GS1's AI (17) carries; 有效期 (.V) is used when only it is given.
        expiry=dates.get("E", dates.get("V")),
        production_date=dates.get("M"),
        udi_di=di,
        sterilisation_lot=units.get("D"),
    )
