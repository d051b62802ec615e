"""E2B(R3): the FDA's example instances import with their key fields; bad and hostile input
is refused naming the element; an export re-imports to the same report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_enterprise
from yaojian.kit.errors import InvalidInput
from yaojian.pv import e2b
from yaojian.pv.imports import import_e2b
from yaojian.pv.models import Report, ReportStatus
from yaojian.pv.parsed import fingerprint, parsed_from_report
from yaojian.pv.service import StoreOutcome, store_report

DATA = Path(__file__).parent.parent / "data" / "pv" / "e2b-r3"
THROMBOSIS = ("THROMBOSE VEINEUSE PROFONDE", "10027940")
COLITIS = ("COLITE ISCHEMIQUE", "10009896")
JUNE_14, JUNE_15 = dt.date(2022, 6, 14), dt.date(2022, 6, 15)


def xml(name: str) -> bytes:
    return (DATA / name).read_bytes()


# Read by hand from each file: C.1.1, C.1.8.1, C.1.3, C.1.4 (= C.1.5 in every file), D.1, D.5,
# D.2.2 in years; each drug's G.k.1 role and G.k.2.2 name; each reaction's seriousness
# criteria (E.i.3.2) and E.i.7 outcome. Every file codes both reactions, E.i.4 2014-10-10,
# physician reporter (C.2.r.4 = 1) in the US, sender a pharmaceutical company (C.3.1 = 1).
EXPECTED: dict[str, dict[str, Any]] = {
    "FAERS2022Scenario1.xml": {
        "ids": ("US-APHARMA-8744554B", "US-APHARMA-8744554B"),
        "type": "1",
        "received": JUNE_14,
        "patient": ("JD", "1", 48.0),
        "drugs": [("1", "Drug A"), ("1", "Drug B"), ("2", "Drug C")],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario2.xml": {
        "ids": ("US-APHARMA-8744554B-UPDATE-TESTING222", "US-APHARMA-8744554B"),
        "type": "1",
        "received": JUNE_15,
        "patient": ("JD", "1", 48.0),
        "drugs": [("1", "Drug A"), ("1", "Drug B"), ("2", "Drug C")],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario3.xml": {
        "ids": ("US-APHARMA-8744554B", "US-APHARMA-8744554B"),
        "type": "2",
        "received": JUNE_15,
        "patient": ("JD", "1", 48.0),
        "drugs": [("1", "MK-001"), ("1", "Drug B"), ("2", "Drug C")],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario4.xml": {
        "ids": ("US-APHARMA-222222222", "US-APHARMA-222222222"),
        "type": "2",
        "received": JUNE_15,
        "patient": ("AGGREGRATE", None, None),
        "drugs": [("1", "AA-001")],
        "serious": [{"hospitalisation", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario5-1.xml": {
        "ids": ("US-APHARMA-234545656", "US-APHARMA-234545656"),
        "type": "2",
        "received": JUNE_14,
        "patient": ("SM", "2", 48.0),
        "drugs": [("1", "TEST"), ("1", "RLD"), ("2", "Drug A")],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario5-2.xml": {
        "ids": ("US-APHARMA-234545656", "US-APHARMA-234545656"),
        "type": "2",
        "received": JUNE_14,
        "patient": ("SM", "2", 48.0),
        "drugs": [
            ("1", "Vehicle Patch for Buprenorphine Transdermal System"),
            ("1", "Positive Control System"),
            ("2", "Drug A"),
        ],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
    "FAERS2022Scenario5-3.xml": {
        "ids": ("US-APHARMA-234545656", "US-APHARMA-234545656"),
        "type": "2",
        "received": JUNE_14,
        "patient": ("SM", "2", 48.0),
        "drugs": [("1", "Drug Z (No drug exposure)"), ("1", "Drug X"), ("2", "Drug A")],
        "serious": [{"disability", "other_serious"}, {"other_serious"}],
    },
}
CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "other_serious",
)


def test_every_reference_file_is_in_the_expectations() -> None:
    assert sorted(p.name for p in DATA.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fda_example_imports_with_its_key_fields(session: Session, name: str) -> None:
    want = EXPECTED[name]
    [stored] = import_e2b(session, ADMIN, xml(name), source_ref=name)
    assert stored.outcome is StoreOutcome.CREATED
    report = session.get(Report, stored.report.id)
    assert report is not None
    assert (report.safety_report_id, report.worldwide_case_id) == want["ids"]
    assert report.version == 1 and report.status is ReportStatus.CURRENT
    assert report.report_type == want["type"]
    assert report.received_on == want["received"] and report.most_recent_on == want["received"]
    initials, sex, age = want["patient"]
    assert (report.patient_initials, report.patient_sex, report.patient_age_years) == (
        initials,
        sex,
        age,
    )
    assert report.patient_weight_kg is None
    assert (report.reporter_qualification, report.country) == ("1", "US")
    assert report.reporter_type.value == "mah"
    assert report.narrative.startswith("Case Narrative Including Clinical Course")
    assert [(d.role.value, d.reported_name) for d in report.drugs] == want["drugs"]
    assert [(r.reported_term, r.meddra_code) for r in report.reactions] == [THROMBOSIS, COLITIS]
    for reaction, serious in zip(report.reactions, want["serious"], strict=True):
        assert {c for c in CRITERIA if getattr(reaction, c)} == serious
        assert reaction.onset_on == dt.date(2014, 10, 10)
    assert [r.outcome for r in report.reactions] == ["3", "1"]
    assert report.serious is True
    assert report.source == "e2b" and report.source_ref == name


def test_drug_details_of_scenario_1_are_read(session: Session) -> None:
    [stored] = import_e2b(session, ADMIN, xml("FAERS2022Scenario1.xml"))
    drug_a, drug_b, drug_c = stored.report.drugs
    assert drug_a.active_substance == "Ingredient A"
    assert (drug_a.batch_number, drug_a.route, drug_a.indication) == (
        "UNKNOWN",
        "Oral",
        "Embolism venous",
    )
    assert drug_b.active_substance == "Ingredient B" and drug_b.batch_number is None
    assert drug_c.active_substance is None and drug_c.route is None


def test_a_device_lot_inside_a_combination_product_is_not_taken_for_the_drug_batch(
    session: Session,
) -> None:
    [stored] = import_e2b(session, ADMIN, xml("FAERS2022Scenario2.xml"))
    drug_a = stored.report.drugs[0]
    assert drug_a.active_substance == "ARGEMONE MEXICANA SEED OIL"
    assert drug_a.batch_number == "UNKNOWN"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_export_reimports_to_the_same_report(session: Session, name: str) -> None:
    [stored] = import_e2b(session, ADMIN, xml(name))
    exported = e2b.to_e2b(stored.report)
    assert exported.startswith(b"<?xml") and b"MCCI_IN200100UV01" in exported
    [again] = e2b.parse(exported)
    assert fingerprint(again) == fingerprint(parsed_from_report(stored.report))
    # Imported again through the service, the export is recognised as the same version.
    [second] = import_e2b(session, ADMIN, exported)
    assert second.outcome is StoreOutcome.DUPLICATE and second.report.id == stored.report.id


def test_an_export_keeps_the_approval_number_of_a_linked_product(session: Session) -> None:
    holder = make_enterprise(session)
    product = make_drug(session, holder, name="血栓通注射液", approval_number="国药准字Z33020001")
    data = xml("FAERS2022Scenario1.xml").replace(b"NDA012345", "国药准字Z33020001".encode())
    [stored] = import_e2b(session, ADMIN, data)
    assert stored.report.drugs[0].product_id == product.id
    assert stored.report.drugs[1].product_id is None
    exported = e2b.to_e2b(stored.report)
    assert e2b.parse(exported)[0].drugs[0].approval_number == "国药准字Z33020001"


def test_fields_the_fda_files_leave_out_round_trip_too(session: Session) -> None:
    [parsed] = e2b.parse(xml("FAERS2022Scenario1.xml"))
    parsed = dataclasses.replace(
        parsed,
        patient_age_years=0.5,
        patient_weight_kg=72.5,
        patient_sex=None,
        patient_initials=None,
        nullified=False,
        drugs=[
            dataclasses.replace(parsed.drugs[0], dose_text="每日 2 次，每次 1 片"),
            *parsed.drugs[1:],
        ],
    )
    stored = store_report(session, ADMIN, parsed, "e2b")
    [again] = e2b.parse(e2b.to_e2b(stored.report))
    assert fingerprint(again) == fingerprint(parsed_from_report(stored.report))
    assert again.patient_age_years == 0.5 and again.patient_weight_kg == 72.5
    assert again.drugs[0].dose_text == "每日 2 次，每次 1 片"


def test_an_age_in_months_is_normalised_to_years() -> None:
    data = xml("FAERS2022Scenario1.xml").replace(
        b'<value value="48" unit="a" xsi:type="PQ"/>',
        b'<value value="18" unit="mo" xsi:type="PQ"/>',
    )
    assert e2b.parse(data)[0].patient_age_years == pytest.approx(1.5)


def reports_in(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0


def refused(session: Session, data: bytes) -> InvalidInput:
    before = reports_in(session)
    with pytest.raises(InvalidInput) as caught:
        import_e2b(session, ADMIN, data)
    assert reports_in(session) == before
    return caught.value


def element(error: InvalidInput) -> str:
    return error.invalid_params[0].name


BASE = (DATA / "FAERS2022Scenario1.xml").read_bytes()


def test_a_missing_safety_report_id_is_refused_naming_c_1_1(session: Session) -> None:
    data = BASE.replace(
        b'extension="US-APHARMA-8744554B" root="2.16.840.1.113883.3.989.2.1.3.1"', b""
    )
    assert element(refused(session, data)) == "C.1.1"


def test_an_unknown_report_type_is_refused_naming_c_1_3(session: Session) -> None:
    data = BASE.replace(
        b'code="1" displayName="Spontaneous report"', b'code="9" displayName="Spontaneous report"'
    )
    error = refused(session, data)
    assert element(error) == "C.1.3" and "'9'" in error.invalid_params[0].reason


def test_a_report_without_a_reaction_is_refused_naming_e_i(session: Session) -> None:
    data = BASE.replace(b'code="29" codeSystem', b'code="99" codeSystem')
    assert element(refused(session, data)) == "E.i"


def test_a_report_without_a_suspect_drug_is_refused_naming_g_k_1(session: Session) -> None:
    data = BASE.replace(b'code="1" displayName="Suspect"', b'code="2" displayName="Concomitant"')
    error = refused(session, data)
    assert element(error) == "G.k.1" and "suspect" in error.invalid_params[0].reason


def test_an_unknown_outcome_is_refused_naming_e_i_7(session: Session) -> None:
    data = BASE.replace(
        b'code="3" displayName="not recovered', b'code="8" displayName="not recovered'
    )
    assert element(refused(session, data)) == "E.i.7"


def test_an_unknown_drug_role_is_refused_naming_g_k_1(session: Session) -> None:
    data = BASE.replace(
        b'code="2" displayName="Concomitant"', b'code="7" displayName="Concomitant"'
    )
    assert element(refused(session, data)) == "G.k.1"


def test_an_unknown_sex_is_refused_naming_d_5(session: Session) -> None:
    data = BASE.replace(b'administrativeGenderCode code="1"', b'administrativeGenderCode code="M"')
    assert element(refused(session, data)) == "D.5"


def test_an_unknown_age_unit_is_refused_naming_d_2_2b(session: Session) -> None:
    data = BASE.replace(b'value="48" unit="a"', b'value="48" unit="yr"')
    assert element(refused(session, data)) == "D.2.2b"


def test_a_bad_second_message_refuses_the_whole_batch(session: Session) -> None:
    start, end = BASE.index(b"<PORR_IN049016UV>"), BASE.index(b"</PORR_IN049016UV>")
    message = BASE[start : end + len(b"</PORR_IN049016UV>")]
    broken = message.replace(b'code="1" displayName="Spontaneous report"', b'code="0"')
    data = (
        BASE[: end + len(b"</PORR_IN049016UV>")] + broken + BASE[end + len(b"</PORR_IN049016UV>") :]
    )
    error = refused(session, data)
    assert element(error) == "C.1.3" and error.invalid_params[0].reason.startswith("message 2")


def test_a_batch_of_two_messages_stores_two_reports(session: Session) -> None:
    end = BASE.index(b"</PORR_IN049016UV>") + len(b"</PORR_IN049016UV>")
    start = BASE.index(b"<PORR_IN049016UV>")
    other = BASE[start:end].replace(b"US-APHARMA-8744554B", b"US-APHARMA-OTHER")
    stored = import_e2b(session, ADMIN, BASE[:end] + other + BASE[end:])
    assert [s.report.safety_report_id for s in stored] == [
        "US-APHARMA-8744554B",
        "US-APHARMA-OTHER",
    ]


def test_an_external_entity_is_refused_and_never_read(session: Session, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>\n'.encode()
        + BASE[BASE.index(b"<MCCI_IN200100UV01") :].replace(b"<name>JD</name>", b"<name>&x;</name>")
    )
    error = refused(session, data)
    assert element(error) == "xml" and "not allowed" in error.invalid_params[0].reason


def test_an_entity_expansion_bomb_is_refused(session: Session) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    data = f'<?xml version="1.0"?><!DOCTYPE MCCI_IN200100UV01 [{entities}]>'.encode() + BASE[
        BASE.index(b"<MCCI_IN200100UV01") :
    ].replace(b"<name>JD</name>", b"<name>&a9;</name>")
    assert element(refused(session, data)) == "xml"


def test_a_doctype_hidden_in_utf16_is_refused_too(session: Session) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "boom">]>'
        '<MCCI_IN200100UV01 xmlns="urn:hl7-org:v3"><name>&x;</name></MCCI_IN200100UV01>'
    )
    assert element(refused(session, text.encode("utf-16"))) == "xml"


def test_malformed_xml_is_refused_naming_xml(session: Session) -> None:
    assert element(refused(session, BASE[:5000])) == "xml"


def test_another_root_element_is_refused(session: Session) -> None:
    data = b'<?xml version="1.0"?><ichicsr xmlns="urn:hl7-org:v3"/>'
    assert element(refused(session, data)) == "N.1"
