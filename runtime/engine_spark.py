"""The spark engine (work in progress: see the engines issue)."""
