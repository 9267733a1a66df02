"""Audit log (审计日志): an append-only, hash-chained record of who did what, when."""
