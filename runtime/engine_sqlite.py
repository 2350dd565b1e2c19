"""The sqlite engine (work in progress: see the engines issue)."""
