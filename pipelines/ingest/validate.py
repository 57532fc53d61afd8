"""validate_file(): what a load of one file would do, computed without writing anything.

It runs ingest_file's own steps (stage, resolve columns, check rows, pick the fresh rows) on a
read-only cursor of the current warehouse version. The only writes those steps make (new brand
names) go to temp copies of ``brands`` and ``brand_aliases`` that shadow the real tables for this
cursor alone and vanish with it, so the warehouse file cannot change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection

from pipelines import db
from pipelines.brands import ALIAS_KEY_SQL
from pipelines.config import settings
from pipelines.errors import IngestError
from pipelines.ingest.load import check_staged, fresh_rows_sql, prior_load, row_key, sql_literal
from pipelines.ingest.mapping import read_mapping_file
from pipelines.ingest.stage import StagedFile, file_digest, stage

KINDS = ("social", "reviews", "survey")
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class ValidationReport:
    """What loading the file would do. Row numbers are data rows (1 = first row after the header)."""

    source_file: str
    kind: str
    file_format: str
    layout: str
    encoding: str | None
    column_mapping: dict[str, str]  # canonical field -> the file's column used for it
    already_loaded_as: int | None
    new_brands: tuple[str, ...]
    unknown_brands: tuple[str, ...]  # brand names/handles in the file that are not a known brand or alias
    known_brands: tuple[str, ...]  # the warehouse's brands, in display order
    preview: pd.DataFrame = field(repr=False)  # the first rows as read, all text
    accepted: pd.DataFrame = field(repr=False)  # rows that would load, as they would be stored
    rejected: pd.DataFrame = field(repr=False)  # row, line, reason, raw
    duplicates: pd.DataFrame = field(repr=False)  # row, reason

    @property
    def rows_read(self) -> int:
        return len(self.accepted) + len(self.rejected) + len(self.duplicates)

    def line(self) -> str:
        """One plain sentence with the counts."""
        text = (
            f"{self.source_file} ({self.kind}, {self.layout} {self.file_format}): {self.rows_read:,} rows read; "
            f"{len(self.accepted):,} would load, {len(self.rejected):,} would be rejected, "
            f"{len(self.duplicates):,} are duplicates."
        )
        if self.already_loaded_as is not None:
            text += f" This file was already loaded as load #{self.already_loaded_as}; loading it again adds nothing."
        return text

    def outcomes(self) -> pd.DataFrame:
        """Every row with its outcome (load | reject | duplicate) and reason, in file order."""
        rows: list[tuple[int | None, int | None, str, str]] = [(int(r), None, "load", "") for r in self.accepted["row"]]
        rows += [
            (None if pd.isna(r) else int(r), None if pd.isna(n) else int(n), "reject", reason)
            for r, n, reason in zip(self.rejected["row"], self.rejected["line"], self.rejected["reason"], strict=True)
        ]
        rows += [
            (int(r), None, "duplicate", reason)
            for r, reason in zip(self.duplicates["row"], self.duplicates["reason"], strict=True)
        ]
        frame = pd.DataFrame(rows, columns=["row", "line", "outcome", "reason"]).astype(
            {"row": "Int64", "line": "Int64"}
        )
        return frame.sort_values(["row", "line"], na_position="last", ignore_index=True)

    def to_csv(self) -> bytes:
        """outcomes() as UTF-8 CSV, for download."""
        buffer = io.StringIO()
        self.outcomes().to_csv(buffer, index=False)
        return buffer.getvalue().encode("utf-8")


def validate_file(
    path: Path,
    kind: str,
    warehouse: Path | None = None,
    mapping: Path | str | None = None,
    *,
    channel: str | None = None,
    survey: str | None = None,
    source_name: str | None = None,
) -> ValidationReport:
    """Check ``path`` as ``kind`` against the current warehouse, exactly as ingest_file would, writing nothing.

    File problems raise IngestError; a missing warehouse raises WarehouseMissing.
    """
    path = Path(path)
    if kind not in KINDS:
        raise IngestError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    if not path.is_file():
        raise IngestError(f"File not found: {path}")
    name = source_name or path.name
    mapping_file = read_mapping_file(mapping)
    digest = file_digest(path)
    with db.reader(Path(warehouse or settings().warehouse)) as cur:
        source = _source_catalog(cur)
        _shadow_brand_tables(cur, source)
        staged = stage(cur, path, digest)
        columns, new_brands = check_staged(cur, kind, staged, mapping_file, channel, survey or Path(name).stem, "add")
        _, target_cols, where = fresh_rows_sql(cur, kind)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE fresh AS SELECT f._row FROM checked f WHERE {where}")
        return ValidationReport(
            source_file=name,
            kind=kind,
            file_format=staged.file_format,
            layout=staged.layout,
            encoding=staged.encoding,
            column_mapping={n: staged.headers[i] for n, i in sorted(columns.items(), key=lambda kv: kv[1])},
            already_loaded_as=prior_load(cur, staged.sha256, kind),
            new_brands=new_brands,
            unknown_brands=_unknown_brands(cur, source),
            known_brands=_known_brands(cur, source),
            preview=_preview(cur, staged),
            accepted=cur.execute(
                f"""SELECT f._row AS "row", {", ".join("f." + c for c in target_cols)}
                    FROM checked f JOIN fresh USING (_row) ORDER BY f._row"""
            ).df(),
            rejected=_rejected(cur, staged),
            duplicates=_duplicates(cur, kind),
        )


@dataclass(frozen=True)
class FileColumns:
    """A file's columns as ingest reads them: what the mapping form offers."""

    headers: tuple[str, ...]
    questions: tuple[str, ...]  # survey exports: the question text per column, else the headers again
    file_format: str
    layout: str


def read_columns(path: Path, warehouse: Path | None = None) -> FileColumns:
    """Stage ``path`` (read-only, as validate_file does) and return its columns; IngestError for file problems."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"File not found: {path}")
    with db.reader(Path(warehouse or settings().warehouse)) as cur:
        staged = stage(cur, path, file_digest(path))
    return FileColumns(staged.headers, staged.questions, staged.file_format, staged.layout)


def _source_catalog(cur: DuckDBPyConnection) -> str:
    """The warehouse's catalog, quoted: the real tables, as opposed to this cursor's temp shadows."""
    catalog = cur.execute("SELECT current_database()").fetchone()
    return db.quote_ident(str(catalog[0])) if catalog else "main"


def _shadow_brand_tables(cur: DuckDBPyConnection, source: str) -> None:
    """Temp copies of the brand tables: check_staged may add brands, and those writes must stay here."""
    for table in ("brands", "brand_aliases"):
        cur.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {source}.main.{table}")


def _unknown_brands(cur: DuckDBPyConnection, source: str) -> tuple[str, ...]:
    """Brand values of loadable rows matching no brand or alias in the warehouse (before any mapping).

    Spellings that normalise alike ('@SkyAir', 'skyair') are one brand; the first in sort order names it.
    """
    key = ALIAS_KEY_SQL.format("brand_raw")
    rows = cur.execute(
        f"""SELECT min(brand_raw) FROM checked
            WHERE brand_raw IS NOT NULL AND problem IS NULL
              AND {key} NOT IN (SELECT alias_key FROM {source}.main.brand_aliases)
            GROUP BY {key} ORDER BY 1"""
    ).fetchall()
    return tuple(str(r[0]) for r in rows)


def _known_brands(cur: DuckDBPyConnection, source: str) -> tuple[str, ...]:
    rows = cur.execute(f"SELECT brand FROM {source}.main.brands ORDER BY position, brand").fetchall()
    return tuple(str(r[0]) for r in rows)


def _preview(cur: DuckDBPyConnection, staged: StagedFile) -> pd.DataFrame:
    # A filter on _row rather than LIMIT: DuckDB 2.0's late materialisation fails on ORDER BY rowid LIMIT here.
    cols = ", ".join(f"col_{i + 1}" for i in range(len(staged.headers)))
    frame = cur.execute(f"SELECT {cols} FROM staged WHERE _row <= {PREVIEW_ROWS} ORDER BY _row").df()
    # Headers from a file may repeat or be blank; a table needs unique names.
    seen: dict[str, int] = {}
    names = []
    for i, header in enumerate(staged.headers):
        label = header.strip() or f"column {i + 1}"
        seen[label] = seen.get(label, 0) + 1
        names.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    frame.columns = names
    return frame


def _rejected(cur: DuckDBPyConnection, staged: StagedFile) -> pd.DataFrame:
    pairs = ", ".join(f"{sql_literal(h)}, s.col_{i + 1}" for i, h in enumerate(staged.headers))
    rows = cur.execute(
        f"""SELECT c._row AS "row", NULL::BIGINT AS line, c.problem AS reason, CAST(json_object({pairs}) AS VARCHAR) AS raw
            FROM checked c JOIN staged s USING (_row) WHERE c.problem IS NOT NULL ORDER BY c._row"""
    ).df()
    if not staged.csv_errors:
        return rows
    broken = pd.DataFrame(
        {
            "row": pd.array([None] * len(staged.csv_errors), dtype="Int64"),
            "line": [e.line for e in staged.csv_errors],
            "reason": [e.reason for e in staged.csv_errors],
            "raw": [e.raw for e in staged.csv_errors],
        }
    )
    return pd.concat([rows.astype({"row": "Int64", "line": "Int64"}), broken], ignore_index=True)


def _duplicates(cur: DuckDBPyConnection, kind: str) -> pd.DataFrame:
    """Valid rows that would not load, and why: already stored, or a repeat of an earlier row."""
    table, keys = row_key(kind)
    stored = " AND ".join(f"t.{k} = f.{k}" for k in keys)
    same = " AND ".join(f"e.{k} = f.{k}" for k in keys)
    return cur.execute(
        f"""
        SELECT f._row AS "row",
               coalesce(
                   (SELECT 'already in the warehouse (load #' || min(t.load_id) || ')' FROM {table} t WHERE {stored}),
                   (SELECT 'repeats row ' || min(e._row) || ' of this file' FROM checked e
                    WHERE e.problem IS NULL AND {same} AND e._row < f._row)
               ) AS reason
        FROM checked f
        WHERE f.problem IS NULL AND f._row NOT IN (SELECT _row FROM fresh)
        ORDER BY f._row
        """
    ).df()
