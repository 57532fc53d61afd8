"""Which column of a file feeds which canonical field.

Order of precedence: an explicit mapping file, then the canonical name itself, then the common
names below (first match wins), then, for survey exports, the question text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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


def read_mapping_file(path: Path | None) -> MappingFile:
    """Parse a mapping YAML file (see docs in data/README.md); None gives an empty mapping."""
    if path is None:
        return MappingFile()
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
        {str(k): str(v) for k, v in columns.items()},
        {str(k): str(v) for k, v in brands.items()},
        str(channel) if channel else None,
    )


def resolve_columns(
    kind: str, headers: tuple[str, ...], questions: tuple[str, ...], mapping: MappingFile
) -> dict[str, int]:
    """Canonical field -> 0-based column position. Raises IngestError naming what is missing."""
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
        if canonical in resolved:
            continue
        for name in names:
            key = header_key(name)
            if key in keys and keys.index(key) not in taken:
                resolved[canonical] = keys.index(key)
                taken.add(resolved[canonical])
                break
    if kind == "survey":
        for answer in SURVEY_ANSWERS:
            if answer.name in resolved:
                continue
            hits = [i for i, q in enumerate(questions) if i not in taken and answer.matches(q)]
            if len(hits) == 1:
                resolved[answer.name] = hits[0]
                taken.add(hits[0])
    _check_required(kind, resolved, synonyms)
    return resolved


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
