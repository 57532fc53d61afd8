"""The active topic taxonomy: check an edited one, install it in place of the current one, or go back.

The shipped default (data/taxonomies/airline_cx.yaml) is never written. An edited taxonomy is
installed at ``settings().taxonomy_file`` and from then on is what ``Scorer.load()`` uses; its hash is
part of the scorer's version, so the next ``score_warehouse`` re-assigns every text's topic.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipelines.config import DEFAULT_TAXONOMY, settings
from pipelines.scoring.topics import Taxonomy, TaxonomyError, read_taxonomy

MAX_TOPICS = 100  # each topic is a column of z-scores per text and a line in every topic chart
MAX_NAME_CHARS = 60  # names are chart labels and filter options
MAX_BYTES = 1024 * 1024


def check_taxonomy(data: bytes, name: str = "taxonomy.yaml") -> Taxonomy:
    """Parse and check a taxonomy file's bytes; TaxonomyError naming the problem (and ``name``) otherwise."""
    if len(data) > MAX_BYTES:
        raise TaxonomyError(
            f"Taxonomy {name} is {len(data) / 1024:,.0f} KB; a taxonomy may be at most {MAX_BYTES // 1024:,} KB."
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"Taxonomy {name} is not UTF-8 text (byte {exc.start + 1} cannot be read).") from None
    fd, tmp = tempfile.mkstemp(prefix="signalboard-taxonomy-", suffix=".yaml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            taxonomy = read_taxonomy(Path(tmp))
        except TaxonomyError as exc:  # the temporary file's name means nothing to the person who uploaded it
            raise TaxonomyError(str(exc).replace(tmp, name)) from None
    finally:
        os.unlink(tmp)
    if len(taxonomy.topics) > MAX_TOPICS:
        raise TaxonomyError(f"Taxonomy {name} has {len(taxonomy.topics)} topics; at most {MAX_TOPICS} are allowed.")
    for topic in taxonomy.topics:
        if len(topic.name) > MAX_NAME_CHARS:
            raise TaxonomyError(
                f"Taxonomy {name}: topic name '{topic.name[:MAX_NAME_CHARS]}…' is {len(topic.name)} characters; "
                f"at most {MAX_NAME_CHARS} are allowed."
            )
    return taxonomy


def install_taxonomy(data: bytes, name: str = "taxonomy.yaml") -> Taxonomy:
    """Check ``data`` and make it the active taxonomy; a taxonomy with errors changes nothing."""
    taxonomy = check_taxonomy(data, name)
    target = settings().taxonomy_file
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename over it: a reader sees the old file or the new one, never half.
    fd, tmp = tempfile.mkstemp(prefix=".taxonomy-", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return taxonomy


def reset_taxonomy() -> bool:
    """Go back to the shipped default; False when it was already active."""
    target = settings().taxonomy_file
    if not target.is_file():
        return False
    target.unlink()
    return True


def is_default() -> bool:
    return settings().taxonomy == DEFAULT_TAXONOMY


def active_taxonomy() -> tuple[Path, Taxonomy]:
    """The active taxonomy file and its topics."""
    path = settings().taxonomy
    return path, read_taxonomy(path)
