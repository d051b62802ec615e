"""Pharmacovigilance (药物警戒): ICSRs, E2B(R3) and FAERS import, disproportionality,
signal review and report quality."""
