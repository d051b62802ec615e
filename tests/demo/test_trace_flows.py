"""The clean supply-chain flows of the demo: who receives what."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import make_drug, make_enterprise, make_licence
from yaojian.demo.trace_flows import generate_flows
from yaojian.registry.choices import EnterpriseKind, LicenceType
from yaojian.trace.models import TraceEvent, TraceEventEpc

AS_OF = dt.date(2026, 11, 23)


def test_vaccines_go_to_vaccination_sites_and_other_drugs_to_pharmacies(session: Session) -> None:
    licensed = {}
    for kind, licence in (
        (EnterpriseKind.DRUG_MANUFACTURER, LicenceType.DRUG_MANUFACTURING),
        (EnterpriseKind.DRUG_WHOLESALER, LicenceType.DRUG_WHOLESALE),
        (EnterpriseKind.RETAIL_PHARMACY, LicenceType.DRUG_RETAIL),
        (EnterpriseKind.VACCINATION_SITE, LicenceType.VACCINATION),
    ):
        enterprise = make_enterprise(session, kind=kind)
        make_licence(session, enterprise, AS_OF + dt.timedelta(days=900), licence_type=licence)
        licensed[kind] = enterprise
    maker = licensed[EnterpriseKind.DRUG_MANUFACTURER]
    vaccine = make_drug(session, maker, name="流感病毒裂解疫苗", dosage_form="注射剂",
                        is_vaccine=True, gtin="06901234567892")  # fmt: skip
    make_drug(session, maker, gtin="06901234567809")

    assert generate_flows(session, random.Random(3), as_of=AS_OF, scale=50) > 0

    steps = Counter(
        (gtin == vaccine.gtin, enterprise_id, step)
        for gtin, enterprise_id, step in session.execute(
            select(TraceEventEpc.gtin, TraceEvent.enterprise_id, TraceEvent.biz_step)
            .join(TraceEvent, TraceEvent.id == TraceEventEpc.event_id)
            .where(
                TraceEvent.biz_step.in_(("receiving", "dispensing")),
                TraceEventEpc.gtin.is_not(None),  # packs; the wholesaler receives cases
            )
        )
    )
    site = licensed[EnterpriseKind.VACCINATION_SITE].id
    pharmacy = licensed[EnterpriseKind.RETAIL_PHARMACY].id
    # Vaccinated at the site (dispensing: CBV has no vaccinating step); never at the pharmacy.
    assert {(e, s) for v, e, s in steps if v} == {
        (site, "receiving"), (site, "dispensing"),
    }  # fmt: skip
    assert {(e, s) for v, e, s in steps if not v} == {
        (pharmacy, "receiving"), (pharmacy, "dispensing"),
    }  # fmt: skip
