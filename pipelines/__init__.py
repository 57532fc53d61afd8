"""Signalboard batch pipelines: files -> validated rows in the DuckDB warehouse."""
