"""The upload's mapping steps: which column feeds which field, and what unknown brand names mean.

Both forms only build a MappingFile (pipelines/ingest/mapping.py), the same thing a mapping YAML
file holds, so the page validates and loads with exactly what the CLI's --mapping would do. Column
names and brand names come from the uploaded file: they appear only as widget options and labels
built here (plain text), never as Markdown.
"""

from __future__ import annotations

import streamlit as st

from pipelines.brands import alias_key
from pipelines.errors import SignalboardError
from pipelines.ingest.mapping import (
    REQUIRED,
    MappingFile,
    fields_for,
    find_column,
    read_mapping_file,
    saved_mapping_path,
    saved_mappings,
    suggest_columns,
)
from pipelines.ingest.validate import FileColumns

NONE = -1  # the "(none)" choice of a column selectbox
NEW_BRAND = "Add as a new brand outside the panel"
NO_SAVED = "(none: suggest from the column names)"


def saved_mapping_choice() -> tuple[str | None, MappingFile, str | None]:
    """The saved-mapping selectbox: (name or None, its mapping, a problem reading it)."""
    names = saved_mappings()
    choice = st.selectbox("Apply a saved mapping", [NO_SAVED, *names], key="upload_saved_mapping")
    if choice == NO_SAVED:
        return None, MappingFile(), None
    try:
        return choice, read_mapping_file(saved_mapping_path(choice)), None
    except SignalboardError as exc:
        return choice, MappingFile(), f"The saved mapping '{choice}' cannot be used: {exc}"


def column_form(
    key: str, kind: str, columns: FileColumns, saved: MappingFile
) -> tuple[MappingFile, list[str], list[str]]:
    """One selectbox per field of ``kind``, pre-filled with the suggestions (a saved mapping first).

    Returns the mapping the form shows (every field either a column or unused), notes (saved
    columns this file lacks) and the required fields left unset.
    """
    headers, questions = columns.headers, columns.questions
    usable = {f: c for f, c in saved.columns.items() if find_column(c, headers, questions) is not None}
    problems = [
        f"The saved mapping's column '{c}' for {f} is not in this file; pick one below."
        for f, c in saved.columns.items()
        if f not in usable
    ]
    suggested = suggest_columns(kind, headers, questions, MappingFile(usable, unused=saved.unused))

    def label(i: int) -> str:
        if i == NONE:
            return "(none)"
        question = questions[i] if i < len(questions) else headers[i]
        return headers[i] if question == headers[i] else f"{headers[i]}: {question[:80]}"

    chosen: dict[str, str] = {}
    unused: set[str] = set()
    required = REQUIRED[kind]
    grid = st.columns(3)
    for n, field in enumerate(fields_for(kind)):
        options = [NONE, *range(len(headers))]
        default = suggested.get(field, NONE)
        with grid[n % 3]:
            picked = st.selectbox(
                f"{field} (required)" if field in required else field,
                options,
                index=options.index(default),
                format_func=label,
                key=f"{key}_{field}",
            )
        if picked == NONE:
            unused.add(field)
        else:
            chosen[field] = headers[picked]
    missing = [f for f in required if f in unused]
    return MappingFile(chosen, dict(saved.brands), saved.channel, frozenset(unused)), problems, missing


def brand_form(key: str, unknown: tuple[str, ...], known: tuple[str, ...], saved: dict[str, str]) -> dict[str, str]:
    """For each brand name the warehouse does not know, a choice: an existing brand, or a new one.

    Returns the mapping's ``brands`` (their name -> our brand): ``saved`` for names not asked about
    here, plus each name mapped to an existing brand.
    """
    asked = {alias_key(raw) for raw in unknown}
    brands = {raw: brand for raw, brand in saved.items() if alias_key(raw) not in asked}
    if not unknown:
        return brands
    saved_by_key = {alias_key(raw): brand for raw, brand in saved.items()}
    st.caption("Brand names in the file that are not a known brand or alias")
    options = [NEW_BRAND, *known]
    grid = st.columns(3)
    for n, raw in enumerate(unknown):
        default = saved_by_key.get(alias_key(raw), NEW_BRAND)
        with grid[n % 3]:
            st.text(raw)  # the file's text, so never a (Markdown) widget label
            picked = st.selectbox(
                f"Brand for {alias_key(raw)}",
                options,
                index=options.index(default) if default in options else 0,
                key=f"{key}_{alias_key(raw)}",
                label_visibility="collapsed",
            )
        if picked != NEW_BRAND:
            brands[raw] = picked
    return brands
