"""Read any supported file into a temporary all-text table, whatever its format, encoding or layout.

Every later step works on one shape: a view ``staged`` with columns ``col_1 .. col_n`` (all
VARCHAR) and ``_row`` (1-based data row), plus the file's own header texts kept aside. Internal
column names keep file-supplied names out of SQL entirely.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from duckdb import DuckDBPyConnection

from pipelines.db import quote_ident
from pipelines.errors import IngestError

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".xlsx": "xlsx",
}
MAX_LINE_BYTES = 32 * 1024 * 1024  # one review or comment may run to megabytes; DuckDB's default is 2 MB


@dataclass(frozen=True)
class CsvError:
    line: int
    reason: str
    raw: str


@dataclass(frozen=True)
class StagedFile:
    """What stage() learnt about the file; the rows themselves are in the temp view ``staged``."""

    headers: tuple[str, ...]  # the file's column names, position i is staged column col_{i+1}
    questions: tuple[str, ...]  # survey exports: question text per column, else the headers again
    file_format: str
    layout: str  # plain | qualtrics | surveymonkey
    encoding: str | None
    rows: int
    sha256: str
    size: int
    csv_errors: tuple[CsvError, ...] = field(default=())


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read in 4 MB chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(4 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def detect_format(path: Path, head: bytes) -> str:
    """The file's format from its extension, checked against its first bytes."""
    fmt = FORMATS.get(path.suffix.lower())
    if head.startswith(b"PK\x03\x04"):
        if fmt != "xlsx":
            raise IngestError(
                f"{path.name} is a ZIP archive, not a {fmt or 'supported'} file; unpack it and load the files inside."
            )
        return fmt
    if head.startswith(b"PAR1"):
        return "parquet"
    if fmt is None:
        raise IngestError(
            f"{path.name}: unsupported file type '{path.suffix}'. Use CSV, Parquet, JSON Lines (.jsonl) or Excel (.xlsx)."
        )
    if fmt in ("csv", "jsonl") and b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(f"{path.name} looks like a binary file, not text {fmt.upper()}.")
    return fmt


def stage(con: DuckDBPyConnection, path: Path, digest: tuple[str, int] | None = None) -> StagedFile:
    """Read ``path`` into the temp view ``staged``; raise IngestError for file-level problems."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"File not found: {path}")
    sha256, size = digest or file_digest(path)
    if size == 0:
        raise IngestError(f"{path.name} is empty.")
    with open(path, "rb") as handle:
        head = handle.read(8192)
    fmt = detect_format(path, head)
    con.execute("DROP VIEW IF EXISTS staged")
    con.execute("DROP TABLE IF EXISTS staged_raw")
    encoding = None
    csv_errors: tuple[CsvError, ...] = ()
    if fmt == "csv":
        encoding, headers, header_rows, csv_errors = _stage_text(con, path, head)
    else:
        headers = _stage_other(con, path, fmt)
        header_rows = []
    headers, questions, layout, extra_rows = _survey_layout(con, headers, header_rows)
    # Row numbers come from rowid (insertion order is file order) rather than row_number(), which
    # costs a third of the read on large files. Header rows of survey exports are skipped here.
    first = con.execute("SELECT coalesce(min(rowid), 0) FROM staged_raw").fetchone()[0]  # type: ignore[index]
    offset = int(first) + extra_rows - 1
    con.execute(f"CREATE TEMP VIEW staged AS SELECT *, rowid - {offset} AS _row FROM staged_raw WHERE rowid > {offset}")
    rows = con.execute("SELECT count(*) FROM staged").fetchone()[0]  # type: ignore[index]
    return StagedFile(tuple(headers), tuple(questions), fmt, layout, encoding, rows, sha256, size, csv_errors)


class _NotUtf8(Exception):
    pass


def _stage_text(
    con: DuckDBPyConnection, path: Path, head: bytes
) -> tuple[str, list[str], list[list[str]], tuple[CsvError, ...]]:
    """Stage a CSV in whatever encoding it has; returns the encoding, headers, header rows, errors.

    UTF-8 (with or without BOM) is read in place; DuckDB validates it as it reads, so the common
    case costs no extra pass. Otherwise the file is decoded as UTF-16 (when it has that BOM) or
    Windows-1252 (what Excel on Windows writes) into a temporary UTF-8 copy.
    """
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16:
        try:
            headers, header_rows = _read_header_rows(path)
            errors = _stage_csv(con, path, headers, header_rows)
            return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), headers, header_rows, errors
        except _NotUtf8:
            con.execute("DROP TABLE IF EXISTS staged_raw")
    source = "utf-16" if utf16 else "cp1252"
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="signalboard-")
    try:
        with (
            open(path, encoding=source, newline="") as src,
            os.fdopen(fd, "w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        headers, header_rows = _read_header_rows(Path(tmp))
        return source, headers, header_rows, _stage_csv(con, Path(tmp), headers, header_rows)
    except (UnicodeDecodeError, _NotUtf8):
        raise IngestError(
            f"{path.name} is not valid UTF-8, UTF-16 or Windows-1252 text. Save it again as CSV UTF-8."
        ) from None
    finally:
        os.unlink(tmp)


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    try:
        delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        if delim in first_line:
            return delim
    except csv.Error:
        pass
    counts = {d: first_line.count(d) for d in ",;\t|"}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_header_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the next two records, parsed with the file's delimiter (for survey layouts)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(256 * 1024)
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    delim = _sniff_delimiter(sample)
    records = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delim), 3))
    if not records or not any(cell.strip() for cell in records[0]):
        raise IngestError(f"{path.name} has no header row.")
    return [delim, *records[0]], records[1:]


def _stage_csv(
    con: DuckDBPyConnection, path: Path, headers: list[str], header_rows: list[list[str]]
) -> tuple[CsvError, ...]:
    delim = headers.pop(0)
    names = [f"col_{i}" for i in range(1, len(headers) + 1)]
    try:
        con.execute(
            """
            CREATE TEMP TABLE staged_raw AS
            SELECT * FROM read_csv(?, delim = ?, quote = '"', escape = '"', header = true, names = ?,
                                   all_varchar = true, store_rejects = true, max_line_size = ?,
                                   rejects_table = 'staged_rejects', rejects_scan = 'staged_scans')
            """,
            [str(path), delim, names, MAX_LINE_BYTES],
        )
    except duckdb.Error as exc:
        if "Invalid unicode" in str(exc):
            raise _NotUtf8 from None
        raise IngestError(f"{path.name} cannot be read as CSV: {_first_line(exc)}") from None
    errors = con.execute(
        "SELECT line, error_type, error_message, csv_line FROM staged_rejects ORDER BY line"
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS staged_rejects")
    con.execute("DROP TABLE IF EXISTS staged_scans")
    return tuple(
        CsvError(int(line), f"line {line}: {kind.lower()} ({message})", raw or "")
        for line, kind, message, raw in errors
    )


def _stage_other(con: DuckDBPyConnection, path: Path, fmt: str) -> list[str]:
    try:
        if fmt == "parquet":
            relation = con.sql("SELECT * FROM read_parquet(?)", params=[str(path)])
        elif fmt == "jsonl":
            relation = con.sql(
                "SELECT * FROM read_json(?, format = 'newline_delimited', records = true)", params=[str(path)]
            )
        else:
            import pandas as pd  # only Excel needs pandas + openpyxl

            frame = pd.read_excel(path, dtype=str, sheet_name=0, header=None)
            frame.columns = (
                [str(v) if isinstance(v, str) else f"column {i + 1}" for i, v in enumerate(frame.iloc[0])]
                if len(frame)
                else []
            )
            frame = frame.iloc[1:]
            relation = con.from_df(frame)
        headers = list(relation.columns)
        selects = ", ".join(f"CAST({quote_ident(h)} AS VARCHAR) AS col_{i}" for i, h in enumerate(headers, start=1))
        relation.query("src", f"CREATE TEMP TABLE staged_raw AS SELECT {selects} FROM src")
    except (duckdb.Error, ValueError, OSError, KeyError) as exc:
        raise IngestError(f"{path.name} cannot be read as {fmt.upper()}: {_first_line(exc)}") from None
    except Exception as exc:  # openpyxl raises zipfile/XML errors of many kinds for a broken workbook
        if fmt != "xlsx":
            raise
        raise IngestError(f"{path.name} is not a readable Excel workbook: {_first_line(exc)}") from None
    return headers


def _survey_layout(
    con: DuckDBPyConnection, headers: list[str], header_rows: list[list[str]]
) -> tuple[list[str], list[str], str, int]:
    """Recognise Qualtrics (3 header rows) and SurveyMonkey (2 header rows) exports.

    Returns headers, the question text per column, the layout, and how many leading data rows are
    really header rows.
    """
    if not header_rows:
        header_rows = [list(r) for r in con.execute("SELECT * FROM staged_raw ORDER BY rowid LIMIT 2").fetchall()]
        header_rows = [["" if v is None else str(v) for v in row] for row in header_rows]
    if len(header_rows) >= 2 and _is_qualtrics_import_row(header_rows[1]):
        return headers, [q or h for q, h in zip(header_rows[0], headers, strict=False)], "qualtrics", 2
    if header_rows and ("Respondent ID" in headers or "Collector ID" in headers):
        questions, prompt = [], ""
        for top, sub in zip(headers, header_rows[0], strict=False):
            prompt = top.strip() or prompt
            sub = sub.strip()
            questions.append(prompt if sub in ("", "Response", "Open-Ended Response") else f"{prompt} - {sub}")
        return questions, questions, "surveymonkey", 1
    return headers, headers, "plain", 0


def _is_qualtrics_import_row(row: list[str]) -> bool:
    cells = [c for c in row if c.strip()]
    if not cells:
        return False
    hits = 0
    for cell in cells:
        with contextlib.suppress(ValueError):
            parsed = json.loads(cell)
            hits += isinstance(parsed, dict) and "ImportId" in parsed
    return hits >= 0.8 * len(cells)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
