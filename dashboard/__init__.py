"""Signalboard Streamlit app: queries.py (SQL) -> data_access.py (cached) -> app_pages/ (layout)."""
