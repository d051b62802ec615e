"""Credit grading (质量安全信用等级) and the serious-violation list (严重违法失信名单)."""
