"""Canonical GS1 Digital Link form of the identifiers EPCIS events carry, for the event hash.

A port of ``dl_normaliser.py`` of the EPCIS event hash generator reference implementation
(GitHub RalphTro/epcis-event-hash-generator, Copyright 2019-2023 Ralph Troeger, MIT licence).
It takes an EPC URI (``urn:epc:id:sgtin:…``), an EPC class or pattern URI, or any GS1 Digital Link
URI and returns the *constrained canonical* Digital Link URI: domain ``id.gs1.org``, numeric AIs,
GTIN padded to 14 digits, only the finest level of identification (serial wins over lot), no
query string. Anything else gives ``None`` and is hashed as written.

The reference's quirks are kept on purpose (for instance the CPV removal that drops the last
character): the hash must be the one every other implementation computes, not a nicer one.
"""

from __future__ import annotations

import re

# The characters GS1 allows in an EPC URI's alphanumeric components (escapes included).
_C = (
    r"(\%2[125-9A-Fa-f]|\%3[0-9A-Fa-f]|\%4[1-9A-Fa-f]|\%5[0-9AaFf]|\%6[1-9A-Fa-f]|\%7[0-9Aa]"
    r"|[!\')(*+,.0-9:;=A-Za-z_-])"
)
_CPI = r"(\%2[3dfDF]|\%3[0-9]|\%4[1-9A-Fa-f]|\%5[0-9Aa]|[0-9A-Z-])"
# GS1 AI 82 character set, as the reference writes it, for checking the output.
_X = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_GCP13 = "(" + "|".join(rf"(\d{{{n}}}\.\d{{{13 - n}}})" for n in range(6, 13)) + ")"
_GCP12 = "(" + "|".join(rf"(\d{{{n}}}\.\d{{{12 - n}}})" for n in range(6, 12)) + r"|(\d{12}\.))"
_GCP12DD = "(" + "|".join(rf"(\d{{{n}}}\.\d{{{12 - n}}})" for n in range(6, 12)) + r"|(\d{12}\.\.))"


def _gcp_var(total: int, chars: str) -> str:
    """Company prefix of 6..12 digits followed by ``total - len(prefix)`` characters at most."""
    return "(" + "|".join(rf"(\d{{{n}}}\.{chars}{{1,{total - n}}})" for n in range(6, 13)) + ")"


def _gcp_fixed(total: int) -> str:
    return "(" + "|".join(rf"(\d{{{n}}}\.\d{{{total - n}}}$)" for n in range(6, 13)) + ")"


_SGTIN = re.compile(rf"^urn:epc:id:sgtin:{_GCP13}\.{_C}{{1,20}}$")
_SSCC = re.compile(rf"^urn:epc:id:sscc:{_gcp_fixed(17)}")
_SGLN = re.compile(rf"^urn:epc:id:sgln:{_GCP12}\.{_C}{{1,20}}$")
_GRAI = re.compile(rf"^urn:epc:id:grai:{_GCP12DD}\.{_C}{{1,16}}$")
_GIAI = re.compile(rf"^urn:epc:id:giai:{_gcp_var(30, _C)}$")
_GSRN = re.compile(rf"^urn:epc:id:gsrn:{_gcp_fixed(17)}")
_GSRNP = re.compile(rf"^urn:epc:id:gsrnp:{_gcp_fixed(17)}")
_GDTI = re.compile(rf"^urn:epc:id:gdti:{_GCP12DD}{_C}{{1,20}}$")
_CPI_RE = re.compile(rf"^urn:epc:id:cpi:{_gcp_var(30, _CPI)}\.[\d]{{1,12}}$")
_SGCN = re.compile(rf"^urn:epc:id:sgcn:{_GCP12}\.[\d]{{1,12}}$")
_GINC = re.compile(
    r"^urn:epc:id:ginc:(" + "|".join(rf"\d{{{n}}}\.{_C}{{1,{30 - n}}}" for n in range(6, 13)) + ")$"
)
_GSIN = re.compile(rf"^urn:epc:id:gsin:{_gcp_fixed(16)}")
_ITIP = re.compile(rf"^urn:epc:id:itip:{_GCP13}\.[\d]{{2}}\.[\d]{{2}}\.{_C}{{1,20}}$")
_UPUI = re.compile(rf"^urn:epc:id:upui:{_GCP13}\.{_C}{{1,28}}$")
_PGLN = re.compile(rf"^urn:epc:id:pgln:{_GCP12}$")
_LGTIN = re.compile(rf"^urn:epc:class:lgtin:{_GCP13}\.{_C}{{1,20}}$")
_P_SGTIN = re.compile(rf"^urn:epc:idpat:sgtin:{_GCP13}\.\*$")
_P_GRAI = re.compile(rf"^urn:epc:idpat:grai:{_GCP12DD}\.\*$")
_P_GDTI = re.compile(rf"^urn:epc:idpat:gdti:{_GCP12DD}\.\*$")
_P_SGCN = re.compile(rf"^urn:epc:idpat:sgcn:{_GCP12DD}\.\*$")
_P_CPI = re.compile(rf"^urn:epc:idpat:cpi:{_gcp_var(30, _CPI)}\.\*$")
_P_ITIP = re.compile(rf"^urn:epc:idpat:itip:{_GCP13}\.[\d]{{2}}\.[\d]{{2}}\.\*$")
_P_UPUI = re.compile(rf"^urn:epc:idpat:upui:{_GCP13}\.\*$")

_KEYS = (
    "01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti"
    "|401|ginc|402|gsin|8003|grai|8004|giai"
)
_DL = re.compile(
    r"^https?:(\/\/((([^\/?#]*)@)?([^\/?#:]*)(:([^\/?#]*))?))?((([^?#]*)(\/("
    + _KEYS
    + r")\/)(\d{4}[^\/]+)(\/[^/]+\/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?)|(\/[A-Za-z_-]{10}$))"
)
_CANONICAL_DOMAIN = re.compile(
    r"^https:\/\/id.gs1.org\/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)\/"
    r"(\d{4}[^\/]+)(\/[^\/]+\/[^\/]+)?[\/]?(\?([^?\n]*))?(#([^\n]*))?|(\/[A-Za-z_-]{10}$)"
)
_SHORT_NAMES = (
    ("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"),
    ("/party/", "/417/"), ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"), ("/gcn/", "/255/"),
    ("/sscc/", "/00/"), ("/gdti/", "/253/"), ("/ginc/", "/401/"), ("/gsin/", "/402/"),
    ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"), ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)  # fmt: skip
# Order matters: the reference looks for the AIs in this order when moving to id.gs1.org.
_DOMAIN_AIS = ("00", "01", "253", "255", "401", "402", "414", "417",
               "8003", "8004", "8006", "8010", "8017", "8018")  # fmt: skip
_VALID = tuple(
    re.compile(p)
    for p in (
        r"https:\/\/id.gs1.org\/00\/(\d{18})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/21\/({_X}{{0,20}})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/10\/({_X}{{0,20}})$",
        r"https:\/\/id.gs1.org\/01\/(\d{14})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/235\/({_X}{{0,28}})$",
        rf"https:\/\/id.gs1.org\/253\/(\d{{13}})({_X}{{0,17}})$",
        r"https:\/\/id.gs1.org\/255\/(\d{13})(\d{0,12})$",
        rf"https:\/\/id.gs1.org\/401\/({_X}{{0,30}})$",
        r"https:\/\/id.gs1.org\/402\/(\d{17})$",
        r"https:\/\/id.gs1.org\/414\/(\d{13})$",
        rf"https:\/\/id.gs1.org\/414\/(\d{{13}})\/254\/({_X}{{0,20}})$",
        r"https:\/\/id.gs1.org\/417\/(\d{13})$",
        rf"https:\/\/id.gs1.org\/8003\/(\d{{14}})({_X}{{0,16}})$",
        rf"https:\/\/id.gs1.org\/8004\/({_X}{{0,30}})$",
        rf"https:\/\/id.gs1.org\/8006\/(\d{{18}})\/21\/({_X}{{0,20}})$",
        rf"https:\/\/id.gs1.org\/8006\/(\d{{18}})\/10\/({_X}{{0,20}})$",
        r"https:\/\/id.gs1.org\/8006\/(\d{18})$",
        r"https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})\/8011/(\d{0,12})$",
        r"https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})$",
        r"https:\/\/id.gs1.org\/8017\/(\d{18})$",
        r"https:\/\/id.gs1.org\/8018\/(\d{18})$",
    )
)


def check_digit(digits: str) -> int:
    """GS1 mod-10 check digit (GTIN, GLN, SSCC, GSRN, GSIN, …) of a key without its check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _pct(text: str) -> str:
    """Percent-encode what GS1 Digital Link table 7-1 requires and EPC URIs may still contain."""
    for char, code in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"), ("+", "%2B"),
                       (",", "%2C"), (":", "%3A")):  # fmt: skip
        text = text.replace(char, code)
    return text


def _gtin(uri: str, start: int, dot: int) -> str:
    prefix = uri[start:dot]
    item = uri[dot + 1 : dot + 1 + (13 - len(prefix))]
    raw = item[:1] + prefix + item[1:]
    return raw + str(check_digit(raw))


def _key12(uri: str, start: int, dot: int) -> str:
    prefix = uri[start:dot]
    raw = prefix + uri[dot + 1 : dot + 1 + (12 - len(prefix))]
    return raw + str(check_digit(raw))


def _epc_uri(uri: str, dot: int) -> str | None:
    """EPC pure identity, class and pattern URIs (TDS 2.x) to Digital Link."""
    dl = "https://id.gs1.org/"
    if _SGTIN.match(uri):
        return f"{dl}01/{_gtin(uri, 17, dot)}/21/{_pct(uri[32:])}"
    if _SSCC.match(uri):
        prefix = uri[16:dot]
        raw = uri[dot + 1 : dot + 2] + prefix + uri[dot + 2 :]
        return f"{dl}00/{raw}{check_digit(raw)}"
    if _SGLN.match(uri):
        ext = uri[30:]
        gln = _key12(uri, 16, dot)
        return f"{dl}414/{gln}" if ext == "0" else f"{dl}414/{gln}/254/{_pct(ext)}"
    if _GRAI.match(uri):
        prefix = uri[16:dot]
        raw = "0" + prefix + uri[dot + 1 : dot + 1 + (12 - len(prefix))]
        return f"{dl}8003/{raw}{check_digit(raw)}{_pct(uri[30:])}"
    if _GIAI.match(uri):
        return f"{dl}8004/{uri[16:dot]}{_pct(uri[dot + 1 :])}"
    if _GSRN.match(uri):
        raw = uri[16:dot] + uri[dot + 1 :]
        return f"{dl}8018/{raw}{check_digit(raw)}"
    if _GSRNP.match(uri):
        raw = uri[17:dot] + uri[dot + 1 :]
        return f"{dl}8017/{raw}{check_digit(raw)}"
    if _GDTI.match(uri):
        return f"{dl}253/{_key12(uri, 16, dot)}{_pct(uri[30:])}"
    if _CPI_RE.match(uri):
        last = uri.rfind(".")
        return f"{dl}8010/{_pct(uri[15:dot] + uri[dot + 1 : last])}/8011/{uri[last + 1 :]}"
    if _SGCN.match(uri):
        return f"{dl}255/{_key12(uri, 16, dot)}{uri[30:]}"
    if _GINC.match(uri):
        return f"{dl}401/{uri[16:dot]}{_pct(uri[dot + 1 :])}"
    if _GSIN.match(uri):
        raw = uri[16:dot] + uri[dot + 1 :]
        return f"{dl}402/{raw}{check_digit(raw)}"
    if _ITIP.match(uri):
        return f"{dl}8006/{_gtin(uri, 16, dot)}{uri[31:33]}{uri[34:36]}/21/{_pct(uri[37:])}"
    if _UPUI.match(uri):
        return f"{dl}01/{_gtin(uri, 16, dot)}/235/{_pct(uri[31:])}"
    if _PGLN.match(uri):
        return f"{dl}417/{_key12(uri, 16, dot)}"
    if _LGTIN.match(uri):
        return f"{dl}01/{_gtin(uri, 20, dot)}/10/{_pct(uri[35:])}"
    if _P_SGTIN.match(uri):
        return f"{dl}01/{_gtin(uri, 20, dot)}"
    if _P_GRAI.match(uri):
        prefix = uri[19:dot]
        raw = "0" + prefix + uri[dot + 1 : dot + 1 + (12 - len(prefix))]
        return f"{dl}8003/{raw}{check_digit(raw)}"
    if _P_GDTI.match(uri):
        return f"{dl}253/{_key12(uri, 19, dot)}"
    if _P_SGCN.match(uri):
        return f"{dl}255/{_key12(uri, 19, dot)}"
    if _P_CPI.match(uri):
        return f"{dl}8010/{_pct(uri[18:dot] + uri[dot + 1 : uri.rfind('.')])}"
    if _P_ITIP.match(uri):
        return f"{dl}8006/{_gtin(uri, 19, dot)}{uri[34:36]}{uri[37:39]}"
    if _P_UPUI.match(uri):
        return f"{dl}01/{_gtin(uri, 19, dot)}"
    return None


def _digital_link(uri: str) -> str | None:
    if _DL.match(uri) is None:
        return None
    if "?" in uri:
        uri = uri[: uri.index("?")]
    for short, ai in _SHORT_NAMES:
        uri = uri.replace(short, ai)
    if _CANONICAL_DOMAIN.match(uri) is None:
        for ai in _DOMAIN_AIS:
            at = uri.find(f"/{ai}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    if not re.match(r"^https:\/\/id.gs1.org\/01\/\d{14}", uri):
        for digits, pad in ((13, "0"), (12, "00"), (8, "000000")):
            if re.match(rf"^https:\/\/id.gs1.org\/01\/\d{{{digits}}}", uri):
                uri = uri.replace("/01/", "/01/" + pad)
                break
    after_cpv = uri[uri.find("/22/") + 4 :]
    if re.match(rf"https:\/\/id.gs1.org\/8006\/\d{{18}}\/22\/({_X}{{0,20}})$", uri) or re.match(
        rf"https:\/\/id.gs1.org\/01\/\d{{14}}\/22\/({_X}{{0,20}})$", uri
    ):
        # Kept as the reference has it: the slice drops the last character.
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") : -1]
    cpv_then = r"\/22\/([\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20})$"
    if re.match(rf"https:\/\/id.gs1.org\/8006\/\d{{18}}{cpv_then}", uri) or re.match(
        rf"https:\/\/id.gs1.org\/01\/\d{{14}}{cpv_then}", uri
    ):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") :]
    if re.match(
        rf"https:\/\/id.gs1.org\/8006\/\d{{18}}\/10\/({_X}{{0,20}})\/21\/({_X}{{0,20}})$", uri
    ) or re.match(
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/10\/({_X}{{0,20}})\/21\/({_X}{{0,20}})$", uri
    ):
        after_lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + after_lot[after_lot.find("/") :]
    if any(p.match(uri) for p in _VALID):
        return uri
    return None


def normalise(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of ``uri``, or ``None`` if it has none."""
    dot = uri.find(".")
    if dot < 0:
        return None
    converted = _epc_uri(uri, dot)
    if converted is not None:
        return converted
    return _digital_link(uri)
