"""Brands, their aliases, and the competitor panel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from duckdb import DuckDBPyConnection

from pipelines.errors import IngestError

# SQL twin of alias_key(): both must normalise the same way.
ALIAS_KEY_SQL = "regexp_replace(lower(trim({})), '[^a-z0-9]+', '', 'g')"


def alias_key(name: str) -> str:
    """Normalise a brand name or handle for matching: '@US_Airways' -> 'usairways'."""
    return re.sub(r"[^a-z0-9]+", "", name.strip().lower())


@dataclass(frozen=True)
class Brand:
    name: str
    panel: bool
    aliases: tuple[str, ...]


def read_brands_file(path: Path) -> list[Brand]:
    """Parse a brands YAML file (see data/sample/brands.yaml)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise IngestError(f"Cannot read brands file {path}: {exc}") from None
    entries = doc.get("brands") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise IngestError(f"Brands file {path} needs a non-empty 'brands:' list.")
    brands = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            raise IngestError(f"Brands file {path}: entry {i} has no 'name'.")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list):
            raise IngestError(f"Brands file {path}: 'aliases' of {entry['name']} must be a list.")
        brands.append(Brand(str(entry["name"]).strip(), bool(entry.get("panel", True)), tuple(map(str, aliases))))
    return brands


def upsert_brands(con: DuckDBPyConnection, brands: list[Brand]) -> None:
    """Add or update brands and their aliases (an alias moves to the brand that names it last)."""
    for brand in brands:
        add_brand(con, brand.name, in_panel=brand.panel)
        con.execute("UPDATE brands SET in_panel = ? WHERE brand = ?", [brand.panel, brand.name])
        for alias in (brand.name, *brand.aliases):
            add_alias(con, alias, brand.name)


def add_brand(con: DuckDBPyConnection, name: str, in_panel: bool) -> None:
    """Register a brand if it is new (appended to the display order)."""
    con.execute(
        """
        INSERT INTO brands
        SELECT ?, ?, coalesce((SELECT max(position) FROM brands), 0) + 1, now()::TIMESTAMP
        WHERE NOT EXISTS (SELECT 1 FROM brands WHERE brand = ?)
        """,
        [name, in_panel, name],
    )
    add_alias(con, name, name)


def add_alias(con: DuckDBPyConnection, alias: str, brand: str) -> None:
    key = alias_key(alias)
    if not key:
        return
    con.execute("DELETE FROM brand_aliases WHERE alias_key = ?", [key])
    con.execute("INSERT INTO brand_aliases VALUES (?, ?, ?)", [key, alias, brand])


def brand_from_slug(value: str) -> str:
    """A readable name for a brand first seen in a file: 'aegean-airlines' -> 'Aegean Airlines'."""
    value = value.strip()
    if re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", value):
        return " ".join(part.capitalize() for part in re.split(r"[-_]", value))
    return value
