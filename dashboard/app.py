"""Signalboard: `streamlit run dashboard/app.py`."""

import streamlit as st

st.set_page_config(page_title="Signalboard", page_icon=":material/monitoring:", layout="wide")
st.navigation([st.Page("app_pages/data.py", title="Data", icon=":material/database:", default=True)]).run()
