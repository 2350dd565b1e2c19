"""Funnels, retention, reports over users or events, and experiments (SPEC §2.7-2.8,
§3.3-3.6). `model` is their checked form, `check` builds it from the syntax tree; the
reference evaluator (runtime/reference/reports.py) defines what they compute."""
