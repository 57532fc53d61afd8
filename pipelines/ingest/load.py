"""ingest_file(): one file into the warehouse, validated, de-duplicated, in one transaction."""

from __future__ import annotations

import dataclasses
import getpass
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from duckdb import DuckDBPyConnection

from pipelines import db
from pipelines.brands import ALIAS_KEY_SQL, add_alias, add_brand, brand_from_slug
from pipelines.config import settings
from pipelines.errors import IngestError
from pipelines.ingest import checks
from pipelines.ingest.mapping import PERSONAL_COLUMNS, MappingFile, header_key, read_mapping_file, resolve_columns
from pipelines.ingest.stage import StagedFile, file_digest, stage
from pipelines.rollups import refresh_rollups
from pipelines.survey_questions import SURVEY_ANSWERS, SURVEY_SEGMENTS

Progress = Callable[[str, float], None]
UNKNOWN_BRAND_POLICIES = ("add", "reject")
_POST_SOURCE = {"social": "social", "reviews": "review"}


@dataclass(frozen=True)
class LoadSummary:
    """What one ingest did. ``already_loaded_as`` is set (and nothing written) for a repeated file."""

    source_file: str
    kind: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_duplicate: int
    seconds: float
    load_id: int | None = None
    already_loaded_as: int | None = None
    new_brands: tuple[str, ...] = ()
    file_format: str = ""
    layout: str = ""

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        if self.already_loaded_as is not None:
            return f"{self.source_file} was already loaded as load #{self.already_loaded_as}; nothing added."
        text = (
            f"Load #{self.load_id}: {self.source_file} ({self.kind}, {self.layout} {self.file_format}): "
            f"{self.rows_read:,} rows read, {self.rows_accepted:,} loaded, {self.rows_rejected:,} rejected, "
            f"{self.rows_duplicate:,} duplicate, in {self.seconds:.1f} s."
        )
        if self.new_brands:
            shown = ", ".join(self.new_brands[:8])
            more = f" and {len(self.new_brands) - 8} more" if len(self.new_brands) > 8 else ""
            text += f" {len(self.new_brands)} new brands outside the competitor panel: {shown}{more}."
        return text


class _AlreadyLoaded(Exception):
    def __init__(self, load_id: int) -> None:
        self.load_id = load_id


def ingest_file(
    path: Path,
    kind: str,
    *,
    warehouse: Path | None = None,
    mapping: Path | None = None,
    channel: str | None = None,
    survey: str | None = None,
    unknown_brands: str = "add",
    loaded_by: str | None = None,
    progress: Progress | None = None,
    source_name: str | None = None,
) -> LoadSummary:
    """Load one file of ``kind`` (social | reviews | survey) into the warehouse.

    Row problems reject just those rows (kept in ``rejected_rows`` with the reason); file problems
    raise IngestError and write nothing. Loading a file that was loaded before adds nothing.
    ``source_name`` is the file's name as the user knows it (an upload is saved under a temporary
    name); it is recorded as ``source_file`` and names the survey. Default: ``path``'s name.
    """
    path = Path(path)
    name = source_name or path.name
    cfg = settings()
    warehouse = warehouse or cfg.warehouse
    report = progress or (lambda stage_name, fraction: None)
    if unknown_brands not in UNKNOWN_BRAND_POLICIES:
        raise IngestError(f"unknown_brands must be one of {', '.join(UNKNOWN_BRAND_POLICIES)}.")
    mapping_file = read_mapping_file(mapping)
    started = time.monotonic()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    if not path.is_file():
        raise IngestError(f"File not found: {path}")
    report("hashing", 0.0)
    digest = file_digest(path)
    prior = _loaded_before(warehouse, digest[0], kind)
    if prior is not None:
        return LoadSummary(name, kind, 0, 0, 0, 0, time.monotonic() - started, already_loaded_as=prior)
    try:
        with db.writer(warehouse, cfg.lock_timeout_s) as con:
            report("reading", 0.1)
            staged = stage(con, path, digest)
            again = prior_load(con, staged.sha256, kind)
            if again is not None:
                raise _AlreadyLoaded(again)
            report("validating", 0.4)
            load_id = _next_load_id(con)
            columns, new_brands = check_staged(
                con, kind, staged, mapping_file, channel, survey or Path(name).stem, unknown_brands
            )
            report("loading", 0.7)
            rejected = _store_rejects(con, load_id, staged)
            accepted = _insert_fresh(con, kind, load_id)
            if kind != "survey":
                refresh_rollups(con, load_id)  # adds just this load's posts to the dashboard's hourly counts
            duplicate = staged.rows - rejected - accepted
            rejected += len(staged.csv_errors)
            summary = LoadSummary(
                name,
                kind,
                staged.rows + len(staged.csv_errors),
                accepted,
                rejected,
                duplicate,
                time.monotonic() - started,
                load_id,
                None,
                new_brands,
                staged.file_format,
                staged.layout,
            )
            _record_run(con, summary, staged, columns, started_at, loaded_by or getpass.getuser())
            report("publishing", 0.95)
    except _AlreadyLoaded as again_exc:
        return LoadSummary(name, kind, 0, 0, 0, 0, time.monotonic() - started, already_loaded_as=again_exc.load_id)
    report("done", 1.0)
    return dataclasses.replace(summary, seconds=time.monotonic() - started)


def _loaded_before(warehouse: Path, sha256: str, kind: str) -> int | None:
    """Cheap check on the published warehouse, so a repeated file costs no copy of it."""
    if db.current_version(Path(warehouse).absolute()) is None:
        return None
    try:
        with db.reader(warehouse) as cur:
            return prior_load(cur, sha256, kind)
    except duckdb.CatalogException:
        return None


def check_staged(
    con: DuckDBPyConnection,
    kind: str,
    staged: StagedFile,
    mapping: MappingFile,
    channel: str | None,
    survey: str,
    unknown_brands: str,
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Resolve the columns of the staged file and check every row into temp table ``checked``.

    Returns the column mapping used and the brands that would be new. Writes only to ``brands`` and
    ``brand_aliases`` (new names found in the file): validate_file runs this on a read-only
    connection with temp copies of those two tables.
    """
    columns = resolve_columns(kind, staged.headers, staged.questions, mapping)
    return columns, _check_rows(con, kind, staged, columns, mapping, channel, survey, unknown_brands)


def row_key(kind: str) -> tuple[str, tuple[str, ...]]:
    """The table rows of ``kind`` go to and the columns that identify a row there."""
    return ("survey_responses", ("response_id",)) if kind == "survey" else ("posts", ("source", "post_id"))


def fresh_rows_sql(con: DuckDBPyConnection, kind: str) -> tuple[str, list[str], str]:
    """(target table, its columns, WHERE clause over ``checked f``) for rows a load would insert.

    Valid rows whose key is not stored yet; of repeated keys in the file the first occurrence wins.
    """
    table, keys = row_key(kind)
    key = keys[-1]  # post ids are unique within one file's single source
    exists = " AND ".join(f"t.{k} = f.{k}" for k in keys)
    target_cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "load_id"]
    # Most files hold no repeated ids; only then is the (costlier) first-occurrence filter needed.
    counts = con.execute(f"SELECT count({key}), count(DISTINCT {key}) FROM checked WHERE problem IS NULL").fetchone()
    first_only = (
        ""
        if counts and counts[0] == counts[1]
        else (f"AND _row IN (SELECT min(_row) FROM checked WHERE problem IS NULL GROUP BY {key})")
    )
    where = f"f.problem IS NULL {first_only} AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {exists})"
    return table, target_cols, where


def prior_load(con: DuckDBPyConnection, sha256: str, kind: str) -> int | None:
    """The load that already brought this file (same sha256 and kind), or None."""
    row = con.execute(
        "SELECT min(load_id) FROM load_runs WHERE file_sha256 = ? AND kind = ? AND status = 'loaded'", [sha256, kind]
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _next_load_id(con: DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_runs").fetchone()
    return int(row[0]) if row else 1


def _check_rows(
    con: DuckDBPyConnection,
    kind: str,
    staged: StagedFile,
    columns: dict[str, int],
    mapping: MappingFile,
    channel: str | None,
    survey: str,
    unknown_brands: str,
) -> tuple[str, ...]:
    """Build temp table ``checked``: typed values, resolved brand and ``problem`` per row."""
    for alias, brand in mapping.brands.items():
        add_brand(con, brand, in_panel=False)
        add_alias(con, alias, brand)
    if kind == "survey":
        select = _survey_select(staged, columns, survey)
    else:
        select = _post_select(kind, staged, columns, mapping.channel or channel or kind)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT c.*, a.brand AS brand
        FROM ({select}) c LEFT JOIN brand_aliases a ON a.alias_key = {ALIAS_KEY_SQL.format("c.brand_raw")}
        """
    )
    new_brands: list[str] = []
    unknown = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT brand_raw FROM checked WHERE brand IS NULL AND brand_raw IS NOT NULL AND problem IS NULL ORDER BY 1"
        ).fetchall()
    ]
    if unknown and unknown_brands == "add":
        for raw in unknown:
            name = brand_from_slug(raw)
            exists = con.execute("SELECT 1 FROM brands WHERE brand = ?", [name]).fetchone()
            add_brand(con, name, in_panel=False)
            add_alias(con, raw, name)
            if not exists and name not in new_brands:
                new_brands.append(name)
        con.execute(
            f"""UPDATE checked SET brand = a.brand FROM brand_aliases a
                WHERE checked.brand IS NULL AND a.alias_key = {ALIAS_KEY_SQL.format("checked.brand_raw")}"""
        )
    con.execute(
        """
        UPDATE checked SET problem = concat_ws('; ', problem,
            CASE WHEN brand_raw IS NULL THEN 'brand is empty'
                 WHEN brand IS NULL THEN 'unknown brand ''' || left(brand_raw, 60) || '''' END)
        WHERE brand IS NULL
        """
    )
    return tuple(new_brands)


def _col(columns: dict[str, int], name: str) -> str | None:
    return f"col_{columns[name] + 1}" if name in columns else None


def _label(col: str | None) -> str:
    return checks.label(col) if col else "NULL"


def _problem_sql(problems: list[str]) -> str:
    return f"nullif(concat_ws('; ', {', '.join(problems)}), '')" if problems else "NULL"


def _extra_sql(staged: StagedFile, used: set[int]) -> str:
    """A JSON object of the columns nothing else consumed, so no data is dropped silently."""
    keep = [i for i, h in enumerate(staged.headers) if i not in used and header_key(h) not in PERSONAL_COLUMNS]
    if not keep:
        return "NULL"
    return "json_object(" + ", ".join(f"{sql_literal(staged.headers[i])}, col_{i + 1}" for i in keep) + ")"


def sql_literal(text: str) -> str:
    """A string literal for a file-supplied name: quotes doubled, so it can only ever be data."""
    return "'" + text.replace("'", "''") + "'"


def _post_select(kind: str, staged: StagedFile, columns: dict[str, int], channel: str) -> str:
    c = {
        name: _col(columns, name)
        for name in (
            "post_id",
            "brand",
            "channel",
            "author",
            "author_followers",
            "created_at",
            "title",
            "text",
            "reshares",
            "likes",
            "replies",
            "rating",
            "recommended",
            "location",
        )
    }
    values: dict[str, str] = {}
    problems: list[str] = []
    created, p = checks.timestamp(c["created_at"] or "NULL", "created_at", required=True)
    problems.append(p)
    text, p = checks.text(c["text"] or "NULL", "text", required=True)
    problems.append(p)
    for name in ("author_followers", "reshares", "likes", "replies"):
        col = c[name]
        if col:
            values[name], p = checks.count(col, name)
            problems.append(p)
        else:
            values[name] = "NULL"
    if c["rating"]:
        values["rating"], p = checks.number(c["rating"], "rating")
        problems.append(p)
    if c["recommended"]:
        values["recommended"], p = checks.boolean(c["recommended"], "recommended")
        problems.append(p)
    title = checks.text(c["title"], "title", required=False)[0] if c["title"] else "NULL"
    used = set(columns.values())
    sub_ratings = [
        i
        for i, h in enumerate(staged.headers)
        if i not in used and header_key(h).endswith("rating") and header_key(h) != "rating"
    ]
    sub_sql = "NULL"
    if sub_ratings:
        pairs = []
        for i in sub_ratings:
            name = staged.headers[i].removesuffix("_rating").removesuffix(" rating")
            value, p = checks.number(f"col_{i + 1}", staged.headers[i])
            problems.append(p)
            pairs.append(f"{sql_literal(name)}, {value}")
        sub_sql = f"json_object({', '.join(pairs)})"
    extra = _extra_sql(staged, used | set(sub_ratings))
    brand_raw = _label(c["brand"])
    author = _label(c["author"])
    identity = f"md5(concat_ws('|', {ALIAS_KEY_SQL.format(brand_raw)}, {author}, CAST({created} AS VARCHAR), {text}))"
    post_id = f"coalesce({checks.label(c['post_id'])}, {identity})" if c["post_id"] else identity
    return f"""
        SELECT _row,
               {sql_literal(_POST_SOURCE[kind])} AS source,
               {post_id} AS post_id,
               {f"coalesce({checks.label(c['channel'])}, {sql_literal(channel)})" if c["channel"] else sql_literal(channel)} AS channel,
               {brand_raw} AS brand_raw,
               {author} AS author,
               {values["author_followers"]} AS author_followers,
               {created} AS created_at,
               {title} AS title,
               {text} AS text,
               {values["reshares"]} AS reshares, {values["likes"]} AS likes, {values["replies"]} AS replies,
               {values.get("rating", "NULL")} AS rating,
               {values.get("recommended", "NULL")} AS recommended,
               {sub_sql} AS sub_ratings,
               {_label(c["location"])} AS location,
               {extra} AS extra,
               {_problem_sql(problems)} AS problem
        FROM staged"""


def _survey_select(staged: StagedFile, columns: dict[str, int], survey: str) -> str:
    c = {name: _col(columns, name) for name in ("response_id", "brand", "responded_at", "wave", *SURVEY_SEGMENTS)}
    problems: list[str] = []
    responded, p = checks.timestamp(c["responded_at"] or "NULL", "responded_at", required=False)
    problems.append(p)
    if c["wave"]:
        wave_ts, p = checks.timestamp(c["wave"], "wave", required=True)
        problems.append(p)
        wave = f"CAST(date_trunc('month', {wave_ts}) AS DATE)"
    else:
        wave = f"CAST(date_trunc('month', {responded}) AS DATE)"
        problems.append(f"CASE WHEN {responded} IS NULL THEN 'responded_at is empty' END")
    answers = []
    answered = []
    for answer in SURVEY_ANSWERS:
        col = _col(columns, answer.name)
        if col is None:
            answers.append(f"NULL AS {answer.name}")
        elif answer.low is None:
            answers.append(f"{checks.text(col, answer.name, required=False)[0]} AS {answer.name}")
            answered.append(checks.blank(col))
        else:
            value, p = checks.scale(col, answer.name, answer.low, answer.high or answer.low)
            answers.append(f"{value} AS {answer.name}")
            problems.append(p)
            answered.append(checks.blank(col))
    problems.append(f"CASE WHEN coalesce({', '.join(answered)}) IS NULL THEN 'no answers' END")
    used = set(columns.values())
    extra = _extra_sql(staged, used)
    all_cols = ", ".join(f"col_{i + 1}" for i in range(len(staged.headers)))
    response_id = checks.label(c["response_id"]) if c["response_id"] else f"md5(concat_ws('|', {all_cols}))"
    segments = ", ".join(f"{_label(c[s])} AS {s}" for s in SURVEY_SEGMENTS)
    return f"""
        SELECT _row,
               {response_id} AS response_id,
               {sql_literal(survey)} AS survey,
               {_label(c["brand"])} AS brand_raw,
               {responded} AS responded_at,
               {wave} AS wave,
               {segments},
               {", ".join(answers)},
               {extra} AS extra,
               {_problem_sql(problems)} AS problem
        FROM staged"""


def _store_rejects(con: DuckDBPyConnection, load_id: int, staged: StagedFile) -> int:
    pairs = ", ".join(f"{sql_literal(h)}, s.col_{i + 1}" for i, h in enumerate(staged.headers))
    con.execute(
        f"""
        INSERT INTO rejected_rows
        SELECT ?, c._row, NULL, c.problem, json_object({pairs})
        FROM checked c JOIN staged s USING (_row) WHERE c.problem IS NOT NULL ORDER BY c._row
        """,
        [load_id],
    )
    if staged.csv_errors:
        con.executemany(
            "INSERT INTO rejected_rows VALUES (?, NULL, ?, ?, ?)",
            [[load_id, e.line, e.reason, json.dumps({"line": e.raw})] for e in staged.csv_errors],
        )
    row = con.execute("SELECT count(*) FROM checked WHERE problem IS NOT NULL").fetchone()
    return int(row[0]) if row else 0  # rows DuckDB could not split (csv_errors) are counted by the caller


def _insert_fresh(con: DuckDBPyConnection, kind: str, load_id: int) -> int:
    """Insert valid rows not already stored (first occurrence in the file wins); return how many."""
    table, target_cols, where = fresh_rows_sql(con, kind)
    row = con.execute(
        f"""
        INSERT INTO {table} ({", ".join(target_cols)}, load_id)
        SELECT {", ".join("f." + c for c in target_cols)}, ?
        FROM checked f
        WHERE {where}
        """,
        [load_id],
    ).fetchone()
    return int(row[0]) if row else 0


def _record_run(
    con: DuckDBPyConnection, s: LoadSummary, staged: StagedFile, columns: dict[str, int], started_at: datetime, who: str
) -> None:
    used = {name: staged.headers[i] for name, i in sorted(columns.items(), key=lambda kv: kv[1])}
    con.execute(
        "INSERT INTO load_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, now()::TIMESTAMP, ?)",
        [
            s.load_id,
            s.kind,
            s.source_file,
            staged.sha256,
            staged.size,
            staged.file_format,
            staged.layout,
            staged.encoding,
            json.dumps(used),
            s.rows_read,
            s.rows_accepted,
            s.rows_rejected,
            s.rows_duplicate,
            started_at,
            who,
        ],
    )
