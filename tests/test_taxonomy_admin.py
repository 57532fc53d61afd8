"""The active topic taxonomy: an edited one is checked, installed and applied (every text's topic is
re-assigned); one with errors is refused naming its problem; reset goes back to the shipped default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import query
from dashboard_helpers import run_app, table_with

from dashboard.upload import plain
from pipelines.cli import cli
from pipelines.config import DEFAULT_TAXONOMY, INSTALLED_TAXONOMY, settings
from pipelines.ingest.load import ingest_file
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.taxonomy_admin import MAX_TOPICS, install_taxonomy, reset_taxonomy
from pipelines.scoring.topics import OTHER, TaxonomyError, read_taxonomy
from pipelines.scoring.warehouse import score_warehouse

TWO_TOPICS = b"""topics:
  - name: Baggage
    description: lost, delayed or damaged bags and luggage, baggage claim
    examples: ["my bag never arrived", "my suitcase was lost"]
  - name: Refunds
    description: refunds, money back, vouchers and compensation for a cancelled trip
    examples: ["still waiting for my refund", "I want my money back"]
"""
TEXTS = [
    ("1", "They lost my suitcase and my bag never arrived at baggage claim"),
    ("2", "Still waiting for my refund three months later. I want my money back"),
    # Unrelated to air travel: below the threshold of any airline topic, so "other" under either taxonomy.
    ("3", "My favourite banana bread recipe needs very ripe bananas and a pinch of cinnamon"),
    ("4", "The chess tournament ended in a draw after six hours of play"),
]
LATIN1 = "topics:\n  - {name: Café, description: coffee}\n".encode("latin-1")
LATIN1_BAD_BYTE = LATIN1.index("é".encode("latin-1")) + 1  # counted from 1, as an editor shows it
DEFAULT_NAMES = [t.name for t in read_taxonomy(DEFAULT_TAXONOMY).topics]


@pytest.fixture(autouse=True)
def taxonomy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Installs go to tmp_path: the repository's own active taxonomy is never written by a test."""
    path = tmp_path / "active" / "airline_cx.yaml"
    monkeypatch.setenv("SIGNALBOARD_TAXONOMY", str(path))
    installed_before = INSTALLED_TAXONOMY.is_file()
    yield path
    assert INSTALLED_TAXONOMY.is_file() == installed_before


@pytest.fixture
def loaded(warehouse: Path, tmp_path: Path) -> Path:
    csv = tmp_path / "posts.csv"
    csv.write_text(
        "post_id,brand,created_at,text\n" + "".join(f"{i},United,2015-02-20,{t}\n" for i, t in TEXTS), encoding="utf-8"
    )
    ingest_file(csv, "social", warehouse=warehouse)
    return warehouse


def topics_by_post(warehouse: Path) -> dict[str, str]:
    return dict(query(warehouse, "SELECT item_id, topic FROM text_scores ORDER BY item_id"))  # type: ignore[arg-type]


def _many_topics(n: int) -> bytes:
    return ("topics:\n" + "".join(f"  - {{name: T{i}, description: thing {i}}}\n" for i in range(n))).encode()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"topics: [\n", "Cannot read taxonomy edited.yaml: while parsing a flow node"),
        (b"threshold: 0.3\n", "Taxonomy edited.yaml needs a non-empty 'topics:' list."),
        (
            b"topics:\n  - name: Baggage\n    description: bags\n  - name: Refunds\n",
            "Taxonomy edited.yaml: topic 2 needs both a name and a description.",
        ),
        (
            b"topics:\n  - {name: Baggage, description: bags}\n  - {name: baggage, description: more bags}\n",
            "Taxonomy edited.yaml: topic name 'baggage' is repeated or reserved.",
        ),
        (b"topics:\n  - {name: Other, description: anything}\n", "topic name 'Other' is repeated or reserved."),
        (
            TWO_TOPICS + b"threshold: high\n",
            "Taxonomy edited.yaml: 'threshold' must be a number (z-score), not 'high'.",
        ),
        (LATIN1, f"Taxonomy edited.yaml is not UTF-8 text (byte {LATIN1_BAD_BYTE} cannot be read)."),
        (_many_topics(MAX_TOPICS + 1), f"Taxonomy edited.yaml has {MAX_TOPICS + 1} topics; at most {MAX_TOPICS}"),
        (
            b"topics:\n  - {name: " + b"x" * 61 + b", description: long}\n",
            "Taxonomy edited.yaml: topic name '" + "x" * 60 + "…' is 61 characters; at most 60 are allowed.",
        ),
    ],
)
def test_a_taxonomy_with_errors_is_refused_naming_its_problem_and_the_active_one_stays(
    taxonomy_file: Path, data: bytes, problem: str
) -> None:
    install_taxonomy(TWO_TOPICS, "two.yaml")
    with pytest.raises(TaxonomyError) as raised:
        install_taxonomy(data, "edited.yaml")
    assert problem in str(raised.value)
    assert "signalboard-taxonomy-" not in str(raised.value)  # the temporary file's name is not shown
    assert taxonomy_file.read_bytes() == TWO_TOPICS
    assert list(taxonomy_file.parent.iterdir()) == [taxonomy_file]  # no half-written file left beside it


def test_exactly_the_limits_are_allowed(taxonomy_file: Path) -> None:
    assert len(install_taxonomy(_many_topics(MAX_TOPICS)).topics) == MAX_TOPICS
    long_name = b"topics:\n  - {name: " + b"x" * 60 + b", description: long}\n"
    assert install_taxonomy(long_name).topics[0].name == "x" * 60


def test_the_default_is_active_until_one_is_installed_and_again_after_reset(taxonomy_file: Path) -> None:
    assert settings().taxonomy == DEFAULT_TAXONOMY
    assert reset_taxonomy() is False
    install_taxonomy(TWO_TOPICS)
    assert settings().taxonomy == taxonomy_file
    assert [t.name for t in read_taxonomy(settings().taxonomy).topics] == ["Baggage", "Refunds"]
    assert reset_taxonomy() is True
    assert settings().taxonomy == DEFAULT_TAXONOMY
    assert not taxonomy_file.exists()
    assert DEFAULT_TAXONOMY.read_bytes().startswith(b"# Customer-experience topics")  # the shipped file is untouched


def test_applying_a_two_topic_taxonomy_reassigns_every_text_to_those_topics_or_other(
    loaded: Path, taxonomy_file: Path
) -> None:
    default = Scorer.load()
    score_warehouse(loaded, default)
    assert set(topics_by_post(loaded).values()) <= {*DEFAULT_NAMES, OTHER}

    install_taxonomy(TWO_TOPICS)
    edited = Scorer.load()  # no argument: the active taxonomy, as the CLI's `score` loads it
    assert edited.version != default.version
    summary = score_warehouse(loaded, edited)
    assert summary.scored == len(TEXTS)
    assert topics_by_post(loaded) == {"1": "Baggage", "2": "Refunds", "3": OTHER, "4": OTHER}
    assert query(loaded, "SELECT DISTINCT model_version FROM text_scores") == [(edited.version,)]

    reset_taxonomy()
    assert Scorer.load().version == default.version
    assert score_warehouse(loaded, default).scored == len(TEXTS)
    assert set(topics_by_post(loaded).values()) <= {*DEFAULT_NAMES, OTHER}
    assert topics_by_post(loaded)["1"] == "Lost or damaged luggage"


def test_data_page_uploads_applies_and_resets_a_taxonomy(
    loaded: Path, taxonomy_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(loaded, monkeypatch, page="data")
    assert list(table_with(app, "examples")["topic"]) == DEFAULT_NAMES
    assert not [t.value for t in app.text if "taxonomy" in t.value]
    assert app.button(key="taxonomy_reset").disabled

    assert not [u for u in app.get("file_uploader") if u.key == "taxonomy_file"]  # shown only on request
    app.toggle(key="taxonomy_edit").set_value(True).run()
    broken = b"topics:\n  - name: Baggage\n"
    app.file_uploader(key="taxonomy_file").set_value(("broken.yaml", broken, "application/x-yaml")).run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        plain("This taxonomy cannot be used: Taxonomy broken.yaml: topic 1 needs both a name and a description.")
    ]
    assert all(b.key != "taxonomy_apply" for b in app.button)
    assert not taxonomy_file.exists()

    app.file_uploader(key="taxonomy_file").set_value(("two.yaml", TWO_TOPICS, "application/x-yaml")).run()
    assert not app.exception, app.exception
    assert "two.yaml: 2 topics. Applying it re-assigns the topic of every text." in [t.value for t in app.text]
    app.button(key="taxonomy_apply").click().run(timeout=600)
    assert not app.exception, app.exception
    assert taxonomy_file.read_bytes() == TWO_TOPICS
    assert topics_by_post(loaded) == {"1": "Baggage", "2": "Refunds", "3": OTHER, "4": OTHER}
    assert plain(f"Scored {len(TEXTS)} texts") in app.success[0].value
    assert list(table_with(app, "examples")["topic"]) == ["Baggage", "Refunds"]
    assert "An edited taxonomy is active: 2 topics." in [t.value for t in app.text]
    assert [i.value for i in app.info] == ["This taxonomy is the active one."]
    assert "Download the taxonomy (YAML)" in [d.proto.label for d in app.get("download_button")]

    app.button(key="taxonomy_reset").click().run(timeout=600)
    assert not app.exception, app.exception
    assert not taxonomy_file.exists()
    assert list(table_with(app, "examples")["topic"]) == DEFAULT_NAMES
    assert topics_by_post(loaded)["1"] == "Lost or damaged luggage"
    assert app.button(key="taxonomy_reset").disabled


def test_cli_installs_refuses_and_resets(taxonomy_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"topics: []\n")
    refused = runner.invoke(cli, ["taxonomy", "install", str(broken)])
    assert refused.exit_code == 1
    assert "Error: Taxonomy broken.yaml needs a non-empty 'topics:' list." in refused.output
    assert not taxonomy_file.exists()

    edited = tmp_path / "two.yaml"
    edited.write_bytes(TWO_TOPICS)
    installed = runner.invoke(cli, ["taxonomy", "install", str(edited)])
    assert installed.exit_code == 0, installed.output
    assert f"Installed two.yaml (2 topics) at {taxonomy_file}." in installed.output
    shown = runner.invoke(cli, ["taxonomy", "show"])
    assert shown.output.splitlines() == [
        f"Installed taxonomy {taxonomy_file}: 2 topics",
        "  Baggage: lost, delayed or damaged bags and luggage, baggage claim",
        "  Refunds: refunds, money back, vouchers and compensation for a cancelled trip",
    ]
    assert runner.invoke(cli, ["taxonomy", "reset"]).output.startswith("Back to the default taxonomy.")
    assert runner.invoke(cli, ["taxonomy", "show"]).output.splitlines()[0] == (
        f"Default taxonomy {DEFAULT_TAXONOMY}: {len(DEFAULT_NAMES)} topics"
    )
