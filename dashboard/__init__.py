"""Signalboard Streamlit app: queries.py (SQL) -> data_access.py (cached) -> charts.py -> app_pages/ (layout)."""
