"""The postgres engine (work in progress: see the engines issue)."""
