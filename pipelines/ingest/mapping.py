"""Which column of a file feeds which canonical field.

Order of precedence: an explicit mapping file, then the canonical name itself, then the common
names below (first match wins), then, for survey exports, the question text. A field the mapping
file sets to null is not used, even where a column would match it.

Named mappings (saved from the Data page) are YAML files of the same format in one folder,
``data/mappings`` or $SIGNALBOARD_MAPPINGS; wherever a mapping file is read, a bare name such as
``weekly_social`` that is not a file stands for the saved mapping of that name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.config import REPO_ROOT
from pipelines.errors import IngestError
from pipelines.survey_questions import SURVEY_ANSWERS

KINDS = ("social", "reviews", "survey")

POST_SYNONYMS: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "id", "tweet_id", "review_id", "message_id", "status_id", "guid"),
    "brand": ("brand", "airline", "airline_name", "company", "brand_name", "account"),
    "channel": ("channel", "platform", "network", "site"),
    "author": ("author", "screen_name", "username", "user_name", "user", "handle", "reviewer", "name"),
    "author_followers": ("author_followers", "followers", "followers_count", "user_followers_count"),
    "created_at": (
        "created_at",
        "tweet_created",
        "created",
        "date",
        "timestamp",
        "published_at",
        "published",
        "posted_at",
        "review_date",
        "datetime",
        "time",
    ),
    "title": ("title", "headline", "subject"),
    "text": ("text", "content", "body", "message", "tweet", "review_text", "review", "comment"),
    "reshares": ("reshares", "retweet_count", "retweets", "shares", "share_count", "reposts"),
    "likes": ("likes", "like_count", "favorite_count", "favourite_count", "favorites", "reactions"),
    "replies": ("replies", "reply_count", "comments_count"),
    "rating": ("rating", "overall_rating", "stars", "overall", "score"),
    "recommended": ("recommended", "would_recommend"),
    "location": ("location", "user_location", "author_location", "author_country", "country"),
}
SURVEY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "response_id": ("response_id", "responseid", "respondent_id", "respondentid", "respondent"),
    "brand": ("brand", "airline", "company"),
    "responded_at": (
        "responded_at",
        "recordeddate",
        "recorded_date",
        "enddate",
        "end_date",
        "submitted_at",
        "date",
        "startdate",
        "start_date",
    ),
    "wave": ("wave", "survey_wave"),
    "customer_type": ("customer_type", "customertype"),
    "region": ("region",),
    "travel_purpose": ("travel_purpose", "travelpurpose", "purpose_of_travel", "trip_purpose"),
    **{answer.name: (answer.name,) for answer in SURVEY_ANSWERS},
}
REQUIRED = {"social": ("brand", "created_at", "text"), "reviews": ("brand", "created_at", "text"), "survey": ("brand",)}
# Respondent contact details survey tools export by default; we have no use for them, so they are not stored.
PERSONAL_COLUMNS = {
    "ipaddress",
    "recipientlastname",
    "recipientfirstname",
    "recipientemail",
    "locationlatitude",
    "locationlongitude",
    "emailaddress",
    "firstname",
    "lastname",
}


def header_key(name: str) -> str:
    """Normalise a header for matching: 'Tweet Created' and 'tweet_created' -> 'tweetcreated'."""
    return re.sub(r"[^a-z0-9]+", "", name.lower())


@dataclass(frozen=True)
class MappingFile:
    """A user's mapping: canonical field -> their column, their brand names -> ours, constants."""

    columns: dict[str, str] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)
    channel: str | None = None
    unused: frozenset[str] = frozenset()  # fields set to null: never filled from the file

    def to_yaml(self) -> str:
        """The mapping in the format read_mapping_file reads (unused fields as null)."""
        doc: dict[str, object] = {}
        columns: dict[str, str | None] = {**self.columns, **{name: None for name in sorted(self.unused)}}
        if columns:
            doc["columns"] = columns
        if self.brands:
            doc["brands"] = dict(self.brands)
        if self.channel:
            doc["channel"] = self.channel
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


# A saved mapping's name becomes a file name, so it is held to a safe alphabet (no dots, no slashes).
MAPPING_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def mappings_dir() -> Path:
    """Where named mappings are saved: $SIGNALBOARD_MAPPINGS, default data/mappings."""
    return Path(os.environ.get("SIGNALBOARD_MAPPINGS") or REPO_ROOT / "data" / "mappings")


def saved_mapping_path(name: str) -> Path:
    """The file of the saved mapping ``name``; IngestError if the name is not letters, digits, - and _."""
    if not MAPPING_NAME.fullmatch(name):
        raise IngestError(
            f"Mapping name {name!r} is not allowed: use 1 to 64 letters, digits, '-' and '_' (no spaces or dots)."
        )
    return mappings_dir() / f"{name}.yaml"


def saved_mappings() -> list[str]:
    """Names of the saved mappings, sorted."""
    folder = mappings_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file() and MAPPING_NAME.fullmatch(p.stem))


def save_mapping(name: str, mapping: MappingFile) -> Path:
    """Write ``mapping`` as the saved mapping ``name`` (replacing one of that name); returns its file."""
    path = saved_mapping_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(mapping.to_yaml(), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a file
    return path


def read_mapping_file(path: Path | str | None) -> MappingFile:
    """Parse a mapping YAML file (see docs in data/README.md) or a saved mapping's name; None: empty."""
    if path is None:
        return MappingFile()
    if not Path(path).exists() and MAPPING_NAME.fullmatch(str(path)):
        path = saved_mapping_path(str(path))
        if not path.is_file():
            names = ", ".join(saved_mappings()) or "none yet"
            raise IngestError(f"No mapping file or saved mapping named '{path.stem}' (saved mappings: {names}).")
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise IngestError(f"Cannot read mapping file {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict) or not set(doc) <= {"columns", "brands", "channel"}:
        raise IngestError(f"Mapping file {path} may only have the keys 'columns', 'brands' and 'channel'.")
    columns, brands = doc.get("columns") or {}, doc.get("brands") or {}
    if not isinstance(columns, dict) or not isinstance(brands, dict):
        raise IngestError(f"Mapping file {path}: 'columns' and 'brands' must be name: value pairs.")
    known = set(POST_SYNONYMS) | set(SURVEY_SYNONYMS)
    unknown = sorted(set(map(str, columns)) - known)
    if unknown:
        raise IngestError(
            f"Mapping file {path}: unknown field(s) {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
        )
    channel = doc.get("channel")
    return MappingFile(
        {str(k): str(v) for k, v in columns.items() if v is not None},
        {str(k): str(v) for k, v in brands.items()},
        str(channel) if channel else None,
        frozenset(str(k) for k, v in columns.items() if v is None),
    )


def fields_for(kind: str) -> tuple[str, ...]:
    """The canonical fields of ``kind``, in the order the mapping form lists them."""
    if kind not in KINDS:
        raise IngestError(f"Unknown kind '{kind}'; use one of {', '.join(KINDS)}.")
    return tuple(SURVEY_SYNONYMS if kind == "survey" else POST_SYNONYMS)


def resolve_columns(
    kind: str, headers: tuple[str, ...], questions: tuple[str, ...], mapping: MappingFile
) -> dict[str, int]:
    """Canonical field -> 0-based column position. Raises IngestError naming what is missing."""
    resolved = suggest_columns(kind, headers, questions, mapping)
    _check_required(kind, resolved, SURVEY_SYNONYMS if kind == "survey" else POST_SYNONYMS)
    return resolved


def suggest_columns(
    kind: str, headers: tuple[str, ...], questions: tuple[str, ...], mapping: MappingFile
) -> dict[str, int]:
    """resolve_columns without the check for required fields: what the mapping form starts from."""
    if kind not in KINDS:
        raise IngestError(f"Unknown kind '{kind}'; use one of {', '.join(KINDS)}.")
    synonyms = SURVEY_SYNONYMS if kind == "survey" else POST_SYNONYMS
    keys = [header_key(h) for h in headers]
    resolved: dict[str, int] = {}
    for canonical, source in mapping.columns.items():
        position = _find(source, headers, questions, keys)
        if position is None:
            raise IngestError(f"Mapping says {canonical} is column '{source}', but the file has no such column.")
        resolved[canonical] = position
    taken = set(resolved.values())
    for canonical, names in synonyms.items():
        if canonical in resolved or canonical in mapping.unused:
            continue
        for name in names:
            key = header_key(name)
            if key in keys and keys.index(key) not in taken:
                resolved[canonical] = keys.index(key)
                taken.add(resolved[canonical])
                break
    if kind == "survey":
        for answer in SURVEY_ANSWERS:
            if answer.name in resolved or answer.name in mapping.unused:
                continue
            hits = [i for i, q in enumerate(questions) if i not in taken and answer.matches(q)]
            if len(hits) == 1:
                resolved[answer.name] = hits[0]
                taken.add(hits[0])
    return resolved


def find_column(source: str, headers: tuple[str, ...], questions: tuple[str, ...]) -> int | None:
    """Where a mapping's column name points in this file (header, question text, or normalised header)."""
    return _find(source, headers, questions, [header_key(h) for h in headers])


def _find(source: str, headers: tuple[str, ...], questions: tuple[str, ...], keys: list[str]) -> int | None:
    for candidates in (headers, questions):
        if source in candidates:
            return candidates.index(source)
    key = header_key(source)
    return keys.index(key) if key and key in keys else None


def _check_required(kind: str, resolved: dict[str, int], synonyms: dict[str, tuple[str, ...]]) -> None:
    for canonical in REQUIRED[kind]:
        if canonical not in resolved:
            raise IngestError(
                f"Missing required column '{canonical}' for {kind} data (looked for: {', '.join(synonyms[canonical])}). "
                f"Rename the column or pass --mapping FILE with `columns: {{{canonical}: <your column>}}`."
            )
    if kind == "survey":
        if "responded_at" not in resolved and "wave" not in resolved:
            raise IngestError("Survey file has neither a response date (e.g. RecordedDate) nor a 'wave' column.")
        if not any(a.name in resolved for a in SURVEY_ANSWERS):
            raise IngestError(
                "No survey answers recognised (NPS, CSAT, trust, drivers, comment). Map them with --mapping FILE, "
                "e.g. `columns: {nps: Q7}`."
            )
