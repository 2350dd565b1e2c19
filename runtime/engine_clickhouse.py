"""The clickhouse engine (work in progress: see the engines issue)."""
