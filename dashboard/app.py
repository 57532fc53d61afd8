"""Signalboard: `streamlit run dashboard/app.py`."""

from pathlib import Path

import streamlit as st

from pipelines.config import settings
from pipelines.errors import WarehouseMissing

PAGES = Path(__file__).parent / "app_pages"
# (file, title, icon) in menu order. Pages still being built (Trust, Customer experience) are listed
# once their file exists, so the app runs at every step.
MENU = (
    ("overview", "Overview", ":material/dashboard:"),
    ("reputation", "Reputation", ":material/forum:"),
    ("trust", "Trust", ":material/verified_user:"),
    ("cx", "Customer experience", ":material/sentiment_satisfied:"),
    ("perception", "Perception gap", ":material/compare_arrows:"),
    ("data", "Data", ":material/database:"),
)

st.set_page_config(page_title="Signalboard", page_icon=":material/monitoring:", layout="wide")
page = st.navigation(
    [
        st.Page(f"app_pages/{name}.py", title=title, icon=icon, default=name == "overview")
        for name, title, icon in MENU
        if (PAGES / f"{name}.py").exists()
    ]
)
try:
    page.run()
except WarehouseMissing:
    # Every page needs the warehouse; say how to build it once, here, instead of showing a traceback.
    st.info(
        f"No warehouse at `{settings().warehouse}` yet. Build the sample one with `python -m pipelines demo`, "
        "or load a file with `python -m pipelines ingest FILE --kind social|reviews|survey`, then reload this page.",
        icon=":material/database:",
    )
