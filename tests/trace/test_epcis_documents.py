"""EPCIS 2.0 documents: the GS1 examples are accepted, XML reads as the JSON-LD it mirrors,
bad and hostile input is refused naming the event and field, and ``yaojian trace hash`` works."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yaojian.cli import app
from yaojian.kit.errors import InvalidInput
from yaojian.trace.epcis import parse, read_document, validate

DATA = Path(__file__).parent.parent / "data" / "trace"
EXAMPLES = sorted((DATA / "examples").glob("*.jsonld"))
HASHES = DATA / "event-hash"


def test_all_47_examples_are_here() -> None:
    assert len(EXAMPLES) == 47


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_gs1_example_is_accepted(path: Path) -> None:
    document = parse(path.read_bytes())
    assert document.events
    assert all(h.startswith("ni:///sha-256;") for h in document.hashes())


def _document(name: str = "Example_9.6.1-ObjectEvent.jsonld") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "examples" / name).read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def _problems(doc: dict[str, Any]) -> dict[str, str]:
    return {p.name: p.reason for p in validate(read_document(json.dumps(doc)))}


def test_unknown_bizstep_word_is_refused_naming_the_event() -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
    problems = _problems(doc)
    assert list(problems) == ["eventList[1].bizStep"]
    assert "transforming" in problems["eventList[1].bizStep"]


@pytest.mark.parametrize(
    "value",
    ["shipping", "https://ref.gs1.org/cbv/BizStep-shipping", "cbv:BizStep-shipping",
     "https://vocab.example.com/bizstep/relabelling"],
)  # fmt: skip
def test_cbv_words_uris_and_private_uris_are_accepted(value: str) -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["bizStep"] = value
    assert "eventList[0].bizStep" not in _problems(doc)


@pytest.mark.parametrize("value", ["urn:", "https:", "urn:example:step\n", "urn:example:a\x00b"])
def test_a_private_word_needs_a_uri_with_no_control_character(value: str) -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["bizStep"] = value
    assert "eventList[0].bizStep" in _problems(doc)


_XML_QUANTITY = (
    b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
    b'creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList><ObjectEvent>'
    b"<eventTime>2024-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00"
    b"</eventTimeZoneOffset><epcList/><action>OBSERVE</action><quantityList><quantityElement>"
    b"<epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass><quantity>QTY</quantity>"
    b"<uom>KGM</uom></quantityElement></quantityList></ObjectEvent></EventList></EPCISBody>"
    b"</epcis:EPCISDocument>"
)


def test_a_number_beyond_range_is_refused_in_json() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document(b'{"type": "ObjectEvent", "quantity": 1e999}')
    assert caught.value.invalid_params[0].name == "document"


@pytest.mark.parametrize("quantity", [b"NaN", b"INF", b"1e999"])
def test_a_quantity_that_is_not_a_finite_number_is_refused_in_xml(quantity: bytes) -> None:
    assert validate(read_document(_XML_QUANTITY.replace(b"QTY", b"2.5"))) == []
    problems = validate(read_document(_XML_QUANTITY.replace(b"QTY", quantity)))
    assert [p.name for p in problems] == ["eventList[0].quantityList[0].quantity"]


def test_cbv_urn_is_refused_in_json_ld() -> None:
    # The GS1 JSON schema keeps EPCIS 1.x URNs out of the JSON-LD binding (XML may carry them).
    doc = _document()
    doc["epcisBody"]["eventList"][0]["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    assert "eventList[0].bizStep" in _problems(doc)


def test_cbv_uri_with_unknown_word_is_refused() -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["disposition"] = "https://ref.gs1.org/cbv/Disp-lost_at_sea"
    assert "lost_at_sea" in _problems(doc)["eventList[0].disposition"]


def test_missing_time_zone_offset_is_refused() -> None:
    doc = _document()
    del doc["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    assert "eventList[0].eventTimeZoneOffset" in _problems(doc)


@pytest.mark.parametrize("value", ["2005-04-03T20:33:31", "2005-04-03 20:33:31Z", "yesterday"])
def test_event_time_without_offset_or_malformed_is_refused(value: str) -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["eventTime"] = value
    assert "eventList[0].eventTime" in _problems(doc)


def test_bad_action_is_refused() -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["action"] = "MOVE"
    assert "MOVE" in _problems(doc)["eventList[0].action"]


def test_missing_action_is_refused() -> None:
    doc = _document()
    del doc["epcisBody"]["eventList"][0]["action"]
    assert "eventList[0].action" in _problems(doc)


def test_parse_raises_with_every_problem() -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][0]["action"] = "MOVE"
    doc["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
    with pytest.raises(InvalidInput) as caught:
        parse(json.dumps(doc))
    names = [p.name for p in caught.value.invalid_params]
    assert names == ["eventList[0].action", "eventList[1].bizStep"]
    assert caught.value.status == 422


@pytest.mark.parametrize(
    "name", ["epcisDocWithCustomSchemaInContext", "ReferenceEventHashAlgorithm2"]
)
def test_xml_reads_as_the_json_ld_it_mirrors(name: str) -> None:
    from_xml = parse((DATA / "xml" / f"{name}.xml").read_bytes())
    from_json = parse((HASHES / f"{name}.jsonld").read_bytes())
    assert from_xml.syntax == "xml"
    assert from_xml.events == from_json.events
    assert from_xml.hashes() == from_json.hashes()
    assert from_xml.hashes() == (HASHES / f"{name}.hashes").read_text().split()


def test_xml_with_urns_hashes_like_web_uris() -> None:
    text = (DATA / "xml" / "epcisDocWithCustomSchemaInContext.xml").read_text(encoding="utf-8")
    urns = text.replace("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
    assert urns != text
    document = parse(urns.encode())
    assert document.events[0]["bizStep"] == "shipping"
    assert (
        document.hashes()
        == (HASHES / "epcisDocWithCustomSchemaInContext.hashes").read_text().split()
    )


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList>
<ObjectEvent><eventTime>2020-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
<epcList><epc>&x;</epc></epcList><action>OBSERVE</action></ObjectEvent>
</EventList></EPCISBody></epcis:EPCISDocument>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">&b;</epcis:EPCISDocument>"""


@pytest.mark.parametrize(
    "data",
    [XXE, BILLION_LAUGHS, XXE.decode().replace('encoding="UTF-8"', "").encode("utf-16")],
    ids=["external-entity", "entity-expansion", "utf-16-doctype"],
)
def test_hostile_xml_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document(data)
    assert "DTD" in caught.value.invalid_params[0].reason


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"{not json", "document"),
        (b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>", "document"),
        (b"<EPCISDocument/>", "document"),
        (b'{"type": "EPCISDocument", "epcisBody": {}}', "epcisBody.eventList"),
        (b"hello", "document"),
        # Python's json reads NaN and Infinity; JSON has neither.
        (b'{"type": "ObjectEvent", "quantity": NaN}', "document"),
        (b'{"type": "ObjectEvent", "quantity": -Infinity}', "document"),
    ],
)
def test_malformed_documents_are_refused(data: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document(data)
    assert caught.value.invalid_params[0].name == field


runner = CliRunner()


def test_cli_hash_prints_one_hash_per_event() -> None:
    result = runner.invoke(
        app, ["trace", "hash", str(HASHES / "epcisDocWithVariousEventTypes.jsonld")]
    )
    assert result.exit_code == 0, result.output
    expected = (HASHES / "epcisDocWithVariousEventTypes.hashes").read_text().split()
    assert result.stdout.split() == expected


def test_cli_hash_reads_xml() -> None:
    result = runner.invoke(
        app, ["trace", "hash", str(DATA / "xml" / "ReferenceEventHashAlgorithm2.xml")]
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.split()
        == (HASHES / "ReferenceEventHashAlgorithm2.hashes").read_text().split()
    )


def test_cli_hash_refuses_an_invalid_document(tmp_path: Path) -> None:
    doc = _document()
    doc["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
    path = tmp_path / "bad.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["trace", "hash", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "eventList[1].bizStep" in result.stderr
