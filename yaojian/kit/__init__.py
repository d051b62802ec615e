"""Small shared pieces: errors, problem+json, pagination, time."""
