"""Risk signals: the one table and the one service every detector reports through."""
