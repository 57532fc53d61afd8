"""Signalboard: `streamlit run dashboard/app.py`."""

import streamlit as st

from pipelines.config import settings
from pipelines.errors import WarehouseMissing

st.set_page_config(page_title="Signalboard", page_icon=":material/monitoring:", layout="wide")
page = st.navigation([st.Page("app_pages/data.py", title="Data", icon=":material/database:", default=True)])
try:
    page.run()
except WarehouseMissing:
    # Every page needs the warehouse; say how to build it once, here, instead of showing a traceback.
    st.info(
        f"No warehouse at `{settings().warehouse}` yet. Build the sample one with `python -m pipelines demo`, "
        "or load a file with `python -m pipelines ingest FILE --kind social|reviews|survey`, then reload this page.",
        icon=":material/database:",
    )
