"""The Data page's 'Topic taxonomy' section: see the active topics, download them, upload an edited
set, apply it (every text's topic is re-assigned) or go back to the shipped default.

The checks and the install are pipelines.scoring.taxonomy_admin's, as the CLI runs them. An uploaded
file is untrusted: its topics are shown only through st.dataframe and st.text, never as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import upload
from dashboard.data_access import Warehouse
from pipelines.errors import SignalboardError
from pipelines.scoring.taxonomy_admin import (
    active_taxonomy,
    check_taxonomy,
    install_taxonomy,
    is_default,
    reset_taxonomy,
)
from pipelines.scoring.topics import Taxonomy, TaxonomyError


def topics_frame(taxonomy: Taxonomy) -> pd.DataFrame:
    """One row per topic: name, description and its examples (joined with ' | ')."""
    return pd.DataFrame(
        {
            "topic": [t.name for t in taxonomy.topics],
            "description": [t.description for t in taxonomy.topics],
            "examples": [" | ".join(t.examples) for t in taxonomy.topics],
        }
    )


def taxonomy_section(warehouse: Warehouse) -> None:
    """The active topics, a YAML download, an uploader for an edited taxonomy, and reset."""
    done = st.session_state.pop("taxonomy_result", None)
    if done:
        st.success(upload.plain(done))
    try:
        path, taxonomy = active_taxonomy()
    except TaxonomyError as exc:  # an installed file edited by hand outside the dashboard
        st.error(upload.plain(str(exc)))
        return
    default = is_default()
    if not default:  # the shipped default needs no note (and "Reset to the default" is then disabled)
        st.text(f"An edited taxonomy is active: {len(taxonomy.topics)} topics.")
    st.dataframe(topics_frame(taxonomy), hide_index=True, width="stretch")
    active_bytes = path.read_bytes()
    download, reset = st.columns(2)
    download.download_button(
        "Download the taxonomy (YAML)",
        active_bytes,
        file_name="topic_taxonomy.yaml",
        mime="application/x-yaml",
        key="taxonomy_download",
    )
    if reset.button("Reset to the default", disabled=default, key="taxonomy_reset"):
        _apply(Path(warehouse.path), "Resetting the taxonomy", reset_taxonomy)

    # The uploader shows on request: one file uploader per page view keeps "Add data" above unambiguous.
    if not st.toggle("Upload an edited taxonomy", key="taxonomy_edit"):
        return
    uploaded = st.file_uploader(
        "Upload an edited taxonomy (YAML: topics with name, description and examples)",
        type=["yaml", "yml"],
        key="taxonomy_file",
    )
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        candidate = check_taxonomy(data, uploaded.name)
    except TaxonomyError as exc:
        st.error(upload.plain(f"This taxonomy cannot be used: {exc}"))
        return
    if data == active_bytes:
        st.info("This taxonomy is the active one.")
        return
    st.text(f"{uploaded.name}: {len(candidate.topics)} topics. Applying it re-assigns the topic of every text.")
    st.dataframe(topics_frame(candidate), hide_index=True, width="stretch")
    if st.button("Apply and re-assign topics", type="primary", key="taxonomy_apply"):
        _apply(Path(warehouse.path), "Applying the taxonomy", lambda: install_taxonomy(data, uploaded.name))


def _apply(warehouse: Path, label: str, change: Callable[[], object]) -> None:
    """Change the active taxonomy, then re-score every text with it, showing progress."""
    with st.status(label, expanded=True) as status:
        bar = status.progress(0.0, text="Loading the model")
        try:
            change()
            summary = upload.score_all(warehouse, bar, "Re-assigning topics")  # the scorer follows the new taxonomy
        except SignalboardError as exc:
            status.update(label="The taxonomy was not applied", state="error")
            st.error(upload.plain(str(exc)))
            return
        status.update(label="Topics re-assigned", state="complete")
    st.session_state["taxonomy_result"] = summary.line()
    st.rerun()  # the topic table above and every page's topics read the new scores
