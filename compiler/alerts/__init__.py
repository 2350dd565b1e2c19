"""Alerts over the stored history: their checked form and evaluation (SPEC §2.9, §3.7)."""
