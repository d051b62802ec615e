"""People, roles, jurisdictions, web sessions, API tokens, and the one scoping helper."""
