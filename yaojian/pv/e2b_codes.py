"""OIDs, codes and code lists of ICH E2B(R3), shared by the reader and the writer."""

from __future__ import annotations

from yaojian.pv.models import ReporterType

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Identifier roots (ICH E2B(R3) IG, appendix: OIDs).
OID_BATCH_NUMBER = "2.16.840.1.113883.3.989.2.1.3.22"  # N.1.2
OID_BATCH_SENDER = "2.16.840.1.113883.3.989.2.1.3.13"  # N.1.3
OID_BATCH_RECEIVER = "2.16.840.1.113883.3.989.2.1.3.14"  # N.1.4
OID_MESSAGE_SENDER = "2.16.840.1.113883.3.989.2.1.3.11"  # N.2.r.2
OID_MESSAGE_RECEIVER = "2.16.840.1.113883.3.989.2.1.3.12"  # N.2.r.3
OID_SAFETY_REPORT_ID = "2.16.840.1.113883.3.989.2.1.3.1"  # C.1.1 (and N.2.r.1)
OID_WORLDWIDE_ID = "2.16.840.1.113883.3.989.2.1.3.2"  # C.1.8.1
OID_AUTHORISATION_NUMBER = "2.16.840.1.113883.3.989.2.1.3.4"  # G.k.3.1
# Code systems.
OID_MESSAGE_TYPE = "2.16.840.1.113883.3.989.2.1.1.1"  # N.1.1
OID_REPORT_TYPE = "2.16.840.1.113883.3.989.2.1.1.2"  # C.1.3
OID_FIRST_SENDER = "2.16.840.1.113883.3.989.2.1.1.3"  # C.1.8.2
OID_NULLIFICATION = "2.16.840.1.113883.3.989.2.1.1.5"  # C.1.11.1
OID_QUALIFICATION = "2.16.840.1.113883.3.989.2.1.1.6"  # C.2.r.4
OID_SENDER_TYPE = "2.16.840.1.113883.3.989.2.1.1.7"  # C.3.1
OID_OUTCOME = "2.16.840.1.113883.3.989.2.1.1.11"  # E.i.7
OID_DRUG_ROLE = "2.16.840.1.113883.3.989.2.1.1.13"  # G.k.1
OID_OBSERVATION = "2.16.840.1.113883.3.989.2.1.1.19"
OID_VALUE_GROUPING = "2.16.840.1.113883.3.989.2.1.1.20"
OID_REPORT_RELATION = "2.16.840.1.113883.3.989.2.1.1.22"
OID_CHARACTERISTIC = "2.16.840.1.113883.3.989.2.1.1.23"
OID_MEDDRA = "2.16.840.1.113883.6.163"
OID_COUNTRY = "1.0.3166.1.2.2"
OID_SEX = "1.0.5218"
OID_INTERACTION = "2.16.840.1.113883.1.6"
OID_TRIGGER_EVENT = "2.16.840.1.113883.1.18"
OID_ACT_CODE = "2.16.840.1.113883.5.4"

# Observation codes (code system OID_OBSERVATION).
OBS_AGE = "3"
OBS_WEIGHT = "7"
OBS_INDICATION = "19"
OBS_ROLE = "20"
OBS_REACTION = "29"
OBS_TRANSLATION = "30"
OBS_OUTCOME = "27"
OBS_ADDITIONAL_DOCUMENTS = "1"
OBS_EXPEDITED = "23"
SERIOUSNESS = {  # E.i.3.2a–f
    "34": ("death", "E.i.3.2a"),
    "21": ("life_threatening", "E.i.3.2b"),
    "33": ("hospitalisation", "E.i.3.2c"),
    "35": ("disability", "E.i.3.2d"),
    "12": ("congenital_anomaly", "E.i.3.2e"),
    "26": ("other_serious", "E.i.3.2f"),
}

# Code lists.
REPORT_TYPES = {"1", "2", "3", "4"}  # spontaneous, study, other, not available to sender
QUALIFICATIONS = {"1", "2", "3", "4", "5"}  # physician … consumer or other non-HP
OUTCOMES = {"0", "1", "2", "3", "4", "5"}  # unknown, recovered … fatal
SEXES = {"1": "1", "2": "2", "0": None, "9": None}  # ISO 5218: male, female, unknown, N/A
SENDER_TYPES = {
    "1": ReporterType.MAH,  # pharmaceutical company
    "2": ReporterType.OTHER,  # regulatory authority
    "3": ReporterType.MEDICAL_INSTITUTION,  # health professional
    "4": ReporterType.OTHER,  # regional pharmacovigilance centre (ADR monitoring centre)
    "5": ReporterType.OTHER,  # WHO collaborating centre
    "6": ReporterType.PHARMACY,  # other, e.g. distributor
    "7": ReporterType.CONSUMER,  # patient / consumer
}
SENDER_TYPE_OF = {
    ReporterType.MAH: "1",
    ReporterType.MEDICAL_INSTITUTION: "3",
    ReporterType.OTHER: "4",
    ReporterType.PHARMACY: "6",
    ReporterType.CONSUMER: "7",
}
# D.2.2b and D.3 units (UCUM) → factor to years / kilograms.
AGE_UNITS = {
    "10.a": 10.0,
    "a": 1.0,
    "mo": 1 / 12,
    "wk": 7 / 365.25,
    "d": 1 / 365.25,
    "h": 1 / 8766,
    "min": 1 / 525960,
}
WEIGHT_UNITS = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}
