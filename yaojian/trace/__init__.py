"""Traceability (浙药链 / 浙苗链 / 浙药码): codes, EPCIS 2.0 capture and query, chain, recall."""
