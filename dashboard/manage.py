"""The Data page's 'Manage loads' section: per load, download its rejects, re-score, or delete it.

The same functions the CLI uses do the work (score_warehouse, delete_load). File names and rejected
rows come from uploaded files: they are shown only as plain text, dataframes and selectbox options.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data_access, upload
from dashboard.data_access import Warehouse
from pipelines.errors import SignalboardError
from pipelines.ingest.delete import delete_load

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value`` with a leading quote if it is text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def rejects_csv(rejects: pd.DataFrame) -> bytes:
    """The rejected rows as UTF-8 CSV, every text cell (and header) safe to open in a spreadsheet."""
    safe = rejects.map(spreadsheet_safe).rename(columns=lambda c: spreadsheet_safe(str(c)))
    # CRLF rows (RFC 4180) also make the csv writer quote a bare CR inside a cell, which spreadsheets split on.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def manage_loads(warehouse: Warehouse) -> None:
    """Pick a load from the history above; download its rejects, re-score, or delete it (after confirming)."""
    done = st.session_state.pop("manage_result", None)
    if done:
        st.success(upload.plain(done))
    history = data_access.load_history(warehouse)
    if history.empty:  # the Rejected rows section above already says there are no loads
        return
    ids = [int(n) for n in history["load"]]
    statuses = dict(zip(ids, history["status"].astype(str), strict=True))
    labels = {
        n: f"#{n}: {file} ({kind}, {statuses[n]})"
        for n, file, kind in zip(ids, history["file"], history["kind"], strict=True)
    }
    load_id = st.selectbox("Load to manage", ids, format_func=labels.__getitem__, key="manage_load")
    deleted = statuses[load_id] == "deleted"
    rejects = data_access.rejected_rows(warehouse, load_id)
    download, rescore, delete = st.columns(3)
    download.download_button(
        f"Download its {len(rejects):,} rejected rows (CSV)",
        rejects_csv(rejects),
        file_name=f"load_{load_id}_rejected_rows.csv",
        mime="text/csv",
        disabled=rejects.empty,
        key="manage_rejects_csv",
    )
    if rescore.button(
        "Re-score", disabled=deleted, key="manage_rescore", help="Score every text lacking a current-model score."
    ):
        _rescore(Path(warehouse.path))
    if delete.button("Delete load…", disabled=deleted, key="manage_delete"):
        st.session_state["manage_confirm"] = load_id
    if st.session_state.get("manage_confirm") == load_id and not deleted:
        _confirm_delete(Path(warehouse.path), load_id, labels[load_id])


def _rescore(warehouse: Path) -> None:
    with st.status("Re-scoring", expanded=True) as status:
        bar = status.progress(0.0, text="Loading the model")
        try:
            summary = upload.score_all(warehouse, bar)
        except SignalboardError as exc:
            status.update(label="Nothing was scored", state="error")
            st.error(upload.plain(str(exc)))
            return
        status.update(label="Scored", state="complete")
    st.session_state["manage_result"] = summary.line()
    st.rerun()


def _confirm_delete(warehouse: Path, load_id: int, label: str) -> None:
    st.warning(f"Deleting load #{load_id} removes every row, score and rejected row it brought. This cannot be undone.")
    st.text(label)
    typed = st.text_input(f"Type {load_id} to confirm", key="manage_confirm_text")
    go, cancel = st.columns(2)
    if cancel.button("Cancel", key="manage_cancel"):
        st.session_state.pop("manage_confirm", None)
        st.rerun()
    if go.button(
        "Delete permanently", type="primary", disabled=typed.strip() != str(load_id), key="manage_confirm_delete"
    ):
        try:
            summary = delete_load(load_id, warehouse, deleted_by="dashboard")
        except SignalboardError as exc:
            st.error(upload.plain(str(exc)))
            return
        st.session_state.pop("manage_confirm", None)
        st.session_state["manage_result"] = summary.line()
        st.rerun()  # the page's counts and tables read the new warehouse version
