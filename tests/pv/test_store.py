"""Storing reports: versions, nullification, duplicates, who may submit and who sees what,
product links, synonyms and audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, actor_of, make_drug, make_enterprise, make_user
from yaojian.audit.models import AuditEntry
from yaojian.auth.models import Role
from yaojian.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from yaojian.kit.pagination import PageParams
from yaojian.pv.imports import import_e2b
from yaojian.pv.models import Report, ReporterType, ReportStatus
from yaojian.pv.service import StoreOutcome, add_synonym, get_report, list_reports
from yaojian.registry.choices import EnterpriseKind

DATA = Path(__file__).parent.parent / "data" / "pv" / "e2b-r3"
S1 = (DATA / "FAERS2022Scenario1.xml").read_bytes()  # US-APHARMA-8744554B, C.1.5 2022-06-14
S3 = (DATA / "FAERS2022Scenario3.xml").read_bytes()  # the same case, C.1.5 2022-06-15
NULLIFICATION = (
    b'<subjectOf2 typeCode="SUBJ"><investigationCharacteristic classCode="OBS" moodCode="EVN">'
    b'<code code="3" codeSystem="2.16.840.1.113883.3.989.2.1.1.23"/>'
    b'<value xsi:type="CE" code="1" codeSystem="2.16.840.1.113883.3.989.2.1.1.5"/>'
    b"</investigationCharacteristic></subjectOf2></investigationEvent>"
)


def nullified(data: bytes) -> bytes:
    return data.replace(b"</investigationEvent>", NULLIFICATION)


def versions(session: Session, case: str = "US-APHARMA-8744554B") -> list[tuple[int, str]]:
    rows = session.scalars(
        select(Report).where(Report.safety_report_id == case).order_by(Report.version)
    )
    return [(r.version, r.status.value) for r in rows]


def test_it_supersedes_an_earlier_version_with_a_follow_up(session: Session) -> None:
    [first] = import_e2b(session, ADMIN, S1)
    [second] = import_e2b(session, ADMIN, S3)
    assert (first.outcome, second.outcome) == (StoreOutcome.CREATED, StoreOutcome.FOLLOW_UP)
    assert versions(session) == [(1, "superseded"), (2, "current")]
    assert second.report.drugs[0].reported_name == "MK-001"


def test_an_earlier_version_arriving_late_is_kept_but_does_not_become_current(
    session: Session,
) -> None:
    import_e2b(session, ADMIN, S3)
    [late] = import_e2b(session, ADMIN, S1)
    assert late.outcome is StoreOutcome.LATE
    assert versions(session) == [(1, "current"), (2, "superseded")]


def test_an_identical_version_is_acknowledged_and_not_stored_twice(session: Session) -> None:
    [first] = import_e2b(session, ADMIN, S1)
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    [again] = import_e2b(session, ADMIN, S1)
    assert again.outcome is StoreOutcome.DUPLICATE and again.report.id == first.report.id
    assert versions(session) == [(1, "current")]
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_a_nullification_withdraws_every_version_of_the_case(session: Session) -> None:
    import_e2b(session, ADMIN, S1)
    import_e2b(session, ADMIN, S3)
    [withdrawn] = import_e2b(session, ADMIN, nullified(S3))
    assert withdrawn.outcome is StoreOutcome.NULLIFIED
    assert versions(session) == [(1, "nullified"), (2, "nullified")]
    [again] = import_e2b(session, ADMIN, nullified(S3))
    assert again.outcome is StoreOutcome.DUPLICATE
    with pytest.raises(Conflict) as caught:
        import_e2b(session, ADMIN, S1)
    assert caught.value.invalid_params[0].name == "C.1.11.1"


def test_a_nullification_of_an_unknown_case_is_stored_as_nullified(session: Session) -> None:
    [stored] = import_e2b(session, ADMIN, nullified(S1))
    assert stored.outcome is StoreOutcome.NULLIFIED
    assert stored.report.status is ReportStatus.NULLIFIED


def test_every_write_is_audited(session: Session) -> None:
    import_e2b(session, ADMIN, S1)
    import_e2b(session, ADMIN, S3)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "pv_report")
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == ["pv.report.create", "pv.report.create", "pv.report.superseded"]
    created = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "pv.report.create").order_by(AuditEntry.seq)
    ).first()
    assert created is not None and created.after is not None
    assert created.after["safety_report_id"] == "US-APHARMA-8744554B"
    assert created.after["drugs"] == ["Drug A", "Drug B", "Drug C"]


def test_a_hospital_submits_for_itself_and_only_it_and_its_regulators_see_it(
    session: Session,
) -> None:
    hospital = make_enterprise(
        session, kind=EnterpriseKind.MEDICAL_INSTITUTION, region_code="330106"
    )
    other = make_enterprise(session, region_code="330106")
    sender = actor_of(make_user(session, Role.ENTERPRISE, enterprise=hospital))
    data = S1.replace(
        b'<code code="US" codeSystem="1.0.3166.1.2.2"/>',
        b'<code code="CN" codeSystem="1.0.3166.1.2.2"/>',
    )
    [stored] = import_e2b(session, sender, data)
    report = stored.report
    assert report.reporter_enterprise_id == hospital.id and report.region_code == "330106"
    assert report.reporter_type is ReporterType.MEDICAL_INSTITUTION
    assert get_report(session, sender, report.id).id == report.id
    xihu = actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330106"))
    assert get_report(session, xihu, report.id).id == report.id
    for outsider in (
        actor_of(make_user(session, Role.ENTERPRISE, enterprise=other)),
        actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330102")),
    ):
        with pytest.raises(NotFound):
            get_report(session, outsider, report.id)
        assert list_reports(session, outsider, PageParams())[1] == 0
    # Another enterprise cannot take over the case by sending a follow-up of it.
    with pytest.raises(Conflict):
        import_e2b(session, actor_of(make_user(session, Role.ENTERPRISE, enterprise=other)), S3)


def test_inspectors_and_the_public_may_not_submit(session: Session) -> None:
    inspector = actor_of(make_user(session, Role.INSPECTOR, region_code="330100"))
    with pytest.raises(Forbidden):
        import_e2b(session, inspector, S1)


def test_a_regulator_submits_only_inside_their_jurisdiction(session: Session) -> None:
    xihu = actor_of(make_user(session, Role.COUNTY_REGULATOR, region_code="330106"))
    with pytest.raises(Forbidden):
        import_e2b(session, xihu, S1, region_code="330212")
    [stored] = import_e2b(session, xihu, S1, region_code="330106")
    assert stored.report.region_code == "330106"


def test_an_unknown_region_is_refused_naming_it(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_e2b(session, ADMIN, S1, region_code="999999")
    assert caught.value.invalid_params[0].name == "region_code"


def test_drugs_link_to_the_registry_by_exact_name_when_unambiguous(session: Session) -> None:
    holder = make_enterprise(session)
    drug_b = make_drug(session, holder, name="Drug B")
    make_drug(session, holder, name="Drug C")
    make_drug(session, make_enterprise(session), name="Drug C")  # two holders: ambiguous
    [stored] = import_e2b(session, ADMIN, S1)
    assert [d.product_id for d in stored.report.drugs] == [None, drug_b.id, None]


def test_reported_terms_are_coded_through_the_synonym_table(session: Session) -> None:
    add_synonym(session, ADMIN, "colite ischemique", "Colitis ischaemic")
    [stored] = import_e2b(session, ADMIN, S1)
    assert [r.coded_term for r in stored.report.reactions] == [
        "THROMBOSE VEINEUSE PROFONDE",
        "Colitis ischaemic",
    ]
    assert stored.report.reactions[1].reported_term == "COLITE ISCHEMIQUE"


def test_only_province_staff_edit_the_synonym_table(session: Session) -> None:
    city = actor_of(make_user(session, Role.CITY_REGULATOR, region_code="330100"))
    with pytest.raises(Forbidden):
        add_synonym(session, city, "皮疹", "Rash")


def test_the_list_filters_by_drug_event_seriousness_and_status(session: Session) -> None:
    import_e2b(session, ADMIN, S1)
    import_e2b(session, ADMIN, S3)
    import_e2b(session, ADMIN, (DATA / "FAERS2022Scenario4.xml").read_bytes())

    def ids(**filters: object) -> list[str]:
        rows, _ = list_reports(session, ADMIN, PageParams(), **filters)  # type: ignore[arg-type]
        return sorted(f"{r.safety_report_id}/{r.version}" for r in rows)

    assert ids(drug="mk-001") == ["US-APHARMA-8744554B/2"]
    assert ids(drug="ingredient x") == ["US-APHARMA-222222222/1", "US-APHARMA-8744554B/2"]
    assert ids(event="colite", status=ReportStatus.CURRENT) == [
        "US-APHARMA-222222222/1",
        "US-APHARMA-8744554B/2",
    ]
    assert ids(serious=False) == []
    assert len(ids(serious=True)) == 3
