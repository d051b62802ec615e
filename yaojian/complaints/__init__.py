"""投诉举报: the public's complaints and reports, routed to a county desk, handled to deadline."""
