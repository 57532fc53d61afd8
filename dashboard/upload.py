"""Add data from the browser: upload a file, validate it against the warehouse, confirm, load and score.

The same functions the CLI uses do the work (validate_file, ingest_file, score_warehouse); this
module only moves the uploaded bytes to a temporary file and lays out the steps. Everything in the
file is untrusted: it is shown through st.dataframe and st.text, never as Markdown or HTML, and the
temporary file's name never comes from the user's file name (only its checked extension does).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.data_access import Warehouse
from dashboard.mapping_form import brand_form, column_form, saved_mapping_choice
from pipelines.config import settings
from pipelines.errors import IngestError, SignalboardError
from pipelines.ingest.load import LoadSummary, ingest_file
from pipelines.ingest.mapping import MappingFile, save_mapping, saved_mapping_path
from pipelines.ingest.validate import KINDS, FileColumns, ValidationReport, read_columns, validate_file
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import ScoreSummary, score_warehouse

MAX_UPLOAD_MB = 200  # also server.maxUploadSize in .streamlit/config.toml, which refuses larger files first
UPLOAD_TYPES = ("csv", "xlsx", "parquet", "jsonl")
KIND_LABELS = {"social": "Social posts", "reviews": "Reviews", "survey": "Survey responses"}
# Header words that give a file's kind away; checked in this order, social is the fallback.
_SURVEY_HINTS = ("responseid", "importid", "respondent id", "collector id", "nps", "likely to recommend", "csat")
_REVIEW_HINTS = ("rating", "review", "recommended", "seat_type", "cabin")


def check_upload(name: str, size: int) -> str:
    """The upload's extension (lower case, with the dot); IngestError with a readable message otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        raise IngestError(f"Unsupported file type '{suffix or name}': upload {', '.join(UPLOAD_TYPES)}.")
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        raise IngestError(f"The file is {size / 1024 / 1024:,.0f} MB; the limit is {MAX_UPLOAD_MB} MB.")
    if size == 0:
        raise IngestError("The file is empty.")
    return suffix


@contextlib.contextmanager
def saved_upload(data: bytes, name: str) -> Iterator[Path]:
    """The uploaded bytes in a temporary file with a random name and the upload's checked extension."""
    suffix = check_upload(name, len(data))
    fd, tmp = tempfile.mkstemp(prefix="signalboard-upload-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield Path(tmp)
    finally:
        os.unlink(tmp)


def guess_kind(data: bytes, name: str) -> str:
    """social | reviews | survey, from the file's first line (text files) or its name."""
    first_line = data[:65536].decode("utf-8", errors="ignore").split("\n", 1)[0].lower()
    hay = f"{first_line} {Path(name).stem.lower()}"
    if any(hint in hay for hint in _SURVEY_HINTS) or "survey" in hay:
        return "survey"
    if any(hint in hay for hint in _REVIEW_HINTS):
        return "reviews"
    return "social"


@contextlib.contextmanager
def mapping_yaml(text: str) -> Iterator[Path | None]:
    """A mapping's YAML text in a temporary file, for validate_file and ingest_file; None when empty."""
    if not text.strip() or text.strip() == "{}":
        yield None
        return
    fd, tmp = tempfile.mkstemp(prefix="signalboard-mapping-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        yield Path(tmp)
    finally:
        os.unlink(tmp)


@contextlib.contextmanager
def _named(tmp: Path, name: str) -> Iterator[None]:
    """Messages about the file name the user's file, not the temporary copy."""
    try:
        yield
    except IngestError as exc:
        raise IngestError(str(exc).replace(tmp.name, name)) from None


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:"})


def plain(text: str) -> str:
    """Text from a file, escaped so st.success/st.error (which render Markdown) show it as typed."""
    return text.translate(_MARKDOWN)


@st.cache_data(show_spinner=False, max_entries=16)
def _validate(
    file_id: str, name: str, kind: str, path: str, version: str, mapping: str, _data: bytes
) -> ValidationReport:
    # Keyed on the upload's id and the warehouse version, not the bytes (hashing 200 MB per rerun costs).
    with saved_upload(_data, name) as tmp, _named(tmp, name), mapping_yaml(mapping) as mapping_path:
        return validate_file(tmp, kind, Path(path), mapping_path, source_name=name)


def validate_upload(
    file_id: str, data: bytes, name: str, kind: str, warehouse: Warehouse, mapping: MappingFile | None = None
) -> ValidationReport:
    """validate_file on the upload against the current warehouse version; cached per upload, kind, mapping, version."""
    text = mapping.to_yaml() if mapping is not None else ""
    return _validate(file_id, name, kind, warehouse.path, warehouse.version, text, data)


@st.cache_data(show_spinner=False, max_entries=8)
def _columns(file_id: str, name: str, path: str, _data: bytes) -> FileColumns:
    with saved_upload(_data, name) as tmp, _named(tmp, name):
        return read_columns(tmp, Path(path))


def upload_columns(file_id: str, data: bytes, name: str, warehouse: Warehouse) -> FileColumns:
    """The upload's columns (and question texts) as ingest reads them; cached per upload."""
    return _columns(file_id, name, warehouse.path, data)


def scorer() -> Scorer:
    """The model with the active taxonomy, loaded once per server process and taxonomy: keyed on the
    taxonomy's content, so a new one (from this page or `python -m pipelines taxonomy install`) is used."""
    path = settings().taxonomy
    return _scorer(str(path), hashlib.sha256(path.read_bytes()).hexdigest())


@st.cache_resource(show_spinner=False, max_entries=2)
def _scorer(taxonomy: str, digest: str) -> Scorer:
    return Scorer.load(Path(taxonomy))


def score_all(warehouse: Path, bar: DeltaGenerator | None, verb: str = "Scoring", start: float = 0.0) -> ScoreSummary:
    """score_warehouse with the cached model; progress on ``bar`` from ``start`` to the end."""

    def on_score(done: int, total: int) -> None:
        if bar is not None:
            bar.progress(start + (1 - start) * done / max(total, 1), text=f"{verb}: {done:,} of {total:,} texts")

    return score_warehouse(warehouse, scorer(), progress=on_score)


def load_upload(
    data: bytes,
    name: str,
    kind: str,
    warehouse: Path,
    status: DeltaGenerator | None = None,
    mapping: MappingFile | None = None,
) -> tuple[LoadSummary, ScoreSummary | None]:
    """ingest_file then score_warehouse, as the CLI runs them; progress goes to ``status`` when given."""
    bar = status.progress(0.0, text="Reading") if status is not None else None

    def on_load(stage_name: str, fraction: float) -> None:
        if bar is not None:
            bar.progress(min(fraction, 1.0) * 0.5, text=f"Loading: {stage_name}")

    text = mapping.to_yaml() if mapping is not None else ""
    with saved_upload(data, name) as tmp, _named(tmp, name), mapping_yaml(text) as mapping_path:
        summary = ingest_file(
            tmp,
            kind,
            warehouse=warehouse,
            mapping=mapping_path,
            loaded_by="dashboard",
            progress=on_load,
            source_name=name,
        )
    if summary.already_loaded_as is not None:
        return summary, None
    if bar is not None:
        bar.progress(0.5, text="Loading the model")
    scored = score_all(warehouse, bar, start=0.5)
    if bar is not None:
        bar.progress(1.0, text="Done")
    return summary, scored


def add_data(warehouse: Warehouse) -> None:
    """The 'Add data' section: upload, kind, preview, validation report, confirm."""
    # A code constant, so Markdown is safe here (and keeps the page's st.text for file content only).
    st.markdown(
        f"Upload a CSV, Excel (.xlsx), Parquet or JSON Lines file of up to {MAX_UPLOAD_MB} MB. "
        "Nothing is written until you confirm."
    )
    upload = st.file_uploader("File to add", type=list(UPLOAD_TYPES), key="upload_file")
    done = st.session_state.pop("upload_result", None)
    if done:
        st.success(plain(done))
    if upload is None:
        return
    data = upload.getvalue()
    try:
        check_upload(upload.name, len(data))
    except IngestError as exc:
        st.error(plain(str(exc)))
        return
    guessed = guess_kind(data, upload.name)
    kind = st.radio(
        "Kind of data",
        KINDS,
        index=KINDS.index(guessed),
        format_func=KIND_LABELS.__getitem__,
        horizontal=True,
        key=f"upload_kind_{upload.file_id}",
    )
    try:
        columns = upload_columns(upload.file_id, data, upload.name, warehouse)
    except SignalboardError as exc:
        st.error(plain(f"This file cannot be loaded: {exc}"))
        return
    mapping = _mapping_step(upload.file_id, kind, columns)
    if mapping is None:
        return
    try:
        # Unknown brand names come from a first pass; the analyst's choices for them then re-validate.
        report = validate_upload(upload.file_id, data, upload.name, kind, warehouse, mapping)
        brands = brand_form(
            f"upload_brand_{upload.file_id}", report.unknown_brands, report.known_brands, mapping.brands
        )
        if brands != mapping.brands:
            mapping = MappingFile(mapping.columns, brands, mapping.channel, mapping.unused)
            report = validate_upload(upload.file_id, data, upload.name, kind, warehouse, mapping)
    except SignalboardError as exc:
        st.error(plain(f"This file cannot be loaded with this mapping: {exc}"))
        return
    _save_step(mapping)
    _show_report(report)
    if report.already_loaded_as is not None:
        st.info(f"This file was already loaded as load #{report.already_loaded_as}; loading it again adds nothing.")
        return
    if st.button("Confirm: load and score", type="primary", disabled=report.accepted.empty, key="upload_confirm"):
        with st.status("Loading and scoring", expanded=True) as status:
            try:
                summary, scored = load_upload(data, upload.name, kind, Path(warehouse.path), status, mapping)
            except SignalboardError as exc:
                status.update(label="Nothing was loaded", state="error")
                st.error(plain(str(exc)))
                return
            status.update(label="Loaded and scored", state="complete")
        st.session_state["upload_result"] = summary.line() + (f" {scored.line()}" if scored else "")
        st.rerun()  # the page's counts and tables read the new warehouse version


def _mapping_step(file_id: str, kind: str, columns: FileColumns) -> MappingFile | None:
    """The saved-mapping choice and the column form; None (with the reasons shown) while it cannot validate."""
    st.caption(f"Detected layout: {columns.layout} {columns.file_format}")
    saved_name, saved, problem = saved_mapping_choice()
    if problem:
        st.error(plain(problem))
    st.caption("Columns: which column of the file feeds each field (suggested from the column names)")
    mapping, notes, missing = column_form(f"upload_map_{file_id}_{kind}_{saved_name or ''}", kind, columns, saved)
    for message in notes:
        st.warning(plain(message))
    if missing:
        st.error(plain(f"Pick a column for the required field(s): {', '.join(missing)}."))
        return None
    return mapping


def _save_step(mapping: MappingFile) -> None:
    """'Save mapping as': the name is checked and only ever names a file in the mappings folder."""
    saved_as = st.session_state.pop("upload_mapping_saved", None)
    if saved_as:
        st.success(plain(saved_as))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input("Save mapping as", key="upload_mapping_name", placeholder="e.g. weekly_social")
    if right.button("Save mapping", key="upload_mapping_save"):
        try:
            existed = saved_mapping_path(name.strip()).is_file()
            path = save_mapping(name.strip(), mapping)
        except (SignalboardError, OSError) as exc:
            st.error(plain(str(exc)))
            return
        verb = "Replaced" if existed else "Saved"
        st.session_state["upload_mapping_saved"] = (
            f"{verb} mapping '{path.stem}'. Apply it to a later upload above, or from the command line "
            f"with --mapping {path.stem}."
        )
        st.rerun()  # the saved-mapping list now includes it


def _show_report(report: ValidationReport) -> None:
    st.text(report.line())
    st.caption("First rows as read")
    st.dataframe(report.preview, hide_index=True, width="stretch")
    st.caption("Columns used")
    st.dataframe(
        {"field": list(report.column_mapping), "column in the file": list(report.column_mapping.values())},
        hide_index=True,
    )
    if report.new_brands:
        st.text(f"New brands outside the competitor panel: {', '.join(report.new_brands)}")
    if not report.rejected.empty:
        st.caption("Rows that would be rejected")
        st.dataframe(report.rejected, hide_index=True, width="stretch")
    if not report.duplicates.empty:
        st.caption("Rows skipped as duplicates")
        st.dataframe(report.duplicates, hide_index=True, width="stretch")
    st.download_button(
        "Download the validation report (CSV)",
        report.to_csv(),
        file_name="validation_report.csv",
        mime="text/csv",
        key="upload_report_csv",
    )
