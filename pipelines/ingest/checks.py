"""SQL expressions that type one text column and say, per row, what is wrong with it.

Each checker returns (value_sql, problem_sql): ``problem_sql`` is NULL when the cell is fine,
else a short reason such as ``nps 11 is out of range 0-10``. Inputs are staged columns
(``col_3``), never file-supplied names, so nothing from a file reaches the SQL text.
"""

from __future__ import annotations

# Tried in order when a value is not ISO 8601 (which DuckDB parses itself, offset or not).
# Day-first dates are ambiguous with US month-first ones; US order wins, as survey tools export it.
ZONED_FORMATS = ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%a %b %d %H:%M:%S %z %Y", "%d/%b/%Y:%H:%M:%S %z"]
NAIVE_FORMATS = [
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%Y-%m",
]
# Twitter's API writes these entities into tweet text; they are display artefacts, not what people wrote.
# &amp; goes last so that '&amp;lt;' becomes '&lt;', not '<'.
HTML_ENTITIES = [("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")]

Check = tuple[str, str]


def _sql_text(item: str) -> str:
    return "'" + item.replace("'", "''") + "'"


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join(_sql_text(i) for i in items) + "]"


def blank(col: str) -> str:
    return f"nullif(trim({col}), '')"


def _quoted(col: str) -> str:
    return f"'''' || left({col}, 60) || ''''"


def timestamp(col: str, field: str, required: bool) -> Check:
    """UTC timestamp; naive values are taken as UTC."""
    value = (
        f"coalesce(timezone('UTC', try_cast(trim({col}) AS TIMESTAMPTZ)), "
        f"timezone('UTC', try_strptime(trim({col}), {_sql_list(ZONED_FORMATS)})), "
        f"try_strptime(trim({col}), {_sql_list(NAIVE_FORMATS)}))"
    )
    missing = f"WHEN {blank(col)} IS NULL THEN '{field} is empty' " if required else ""
    problem = (
        f"CASE {missing}WHEN {blank(col)} IS NOT NULL AND {value} IS NULL "
        f"THEN 'unparseable date in {field}: ' || {_quoted(col)} "
        f"WHEN {value} > now()::TIMESTAMP + INTERVAL 1 DAY THEN '{field} is in the future: ' || {_quoted(col)} END"
    )
    return value, problem


def count(col: str, field: str) -> Check:
    """A whole number >= 0 (engagement counts, followers); '12.0' from spreadsheets is accepted."""
    number = f"try_cast(replace(trim({col}), ',', '') AS DOUBLE)"
    value = f"CAST({number} AS BIGINT)"
    problem = (
        f"CASE WHEN {blank(col)} IS NOT NULL AND ({number} IS NULL OR {number} <> floor({number}) OR {number} < 0) "
        f"THEN '{field} is not a whole number >= 0: ' || {_quoted(col)} END"
    )
    return value, problem


def number(col: str, field: str) -> Check:
    value = f"try_cast(trim({col}) AS DOUBLE)"
    problem = (
        f"CASE WHEN {blank(col)} IS NOT NULL AND {value} IS NULL THEN '{field} is not a number: ' || {_quoted(col)} END"
    )
    return value, problem


def scale(col: str, field: str, low: int, high: int) -> Check:
    """An integer answer on a low..high scale. Survey tools may export '9 - Extremely likely': the
    leading number counts."""
    digits = f"try_cast(regexp_extract(trim({col}), '^(-?[0-9]+(\\.0+)?)(\\s*-.*)?$', 1) AS DOUBLE)"
    value = (
        f"CASE WHEN {digits} BETWEEN {low} AND {high} AND {digits} = floor({digits}) THEN CAST({digits} AS TINYINT) END"
    )
    problem = (
        f"CASE WHEN {blank(col)} IS NULL THEN NULL "
        f"WHEN {digits} IS NULL THEN '{field} is not a number: ' || {_quoted(col)} "
        f"WHEN {digits} <> floor({digits}) OR {digits} NOT BETWEEN {low} AND {high} "
        f"THEN '{field} ' || {_quoted(col)} || ' is out of range {low}-{high}' END"
    )
    return value, problem


def boolean(col: str, field: str) -> Check:
    key = f"lower(trim({col}))"
    value = f"CASE WHEN {key} IN ('1', 'true', 'yes', 'y', '1.0') THEN true WHEN {key} IN ('0', 'false', 'no', 'n', '0.0') THEN false END"
    problem = (
        f"CASE WHEN {blank(col)} IS NOT NULL AND ({value}) IS NULL THEN '{field} is not yes/no: ' || {_quoted(col)} END"
    )
    return value, problem


def text(col: str, field: str, required: bool) -> Check:
    value = col
    for entity, char in HTML_ENTITIES:
        value = f"replace({value}, {_sql_text(entity)}, {_sql_text(char)})"
    # Most texts hold no '&': skipping the replace chain for them halves the cost of this column.
    value = f"CASE WHEN contains({col}, '&') THEN {value} ELSE {col} END"
    problem = f"CASE WHEN {blank(col)} IS NULL THEN '{field} is empty' END" if required else "NULL"
    return value, problem


def label(col: str) -> str:
    """A short text field (author, channel, segment): trimmed, empty -> NULL."""
    return blank(col)
