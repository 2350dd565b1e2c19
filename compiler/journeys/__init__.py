"""Journeys (SPEC §2.6, §3.2): timed touch sequences, with holdouts (§2.8, §3.3) and the
project's contact policy. `model` is their checked form, `check` builds it from the syntax
tree, `timing` finds when a step may be sent in the user's zone, `facts` writes the SQL
that reads what a run needs from the warehouse."""
