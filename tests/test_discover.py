"""Discovered topics: seeded clusters of the 'other' texts, labelled by c-TF-IDF, stored per run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import query

from pipelines import db
from pipelines.errors import SignalboardError
from pipelines.ingest.load import ingest_file
from pipelines.scoring.discover import clean_text, discover_topics, discover_warehouse, topic_words
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import score_warehouse

DOGS = [
    "Can my dog fly in the cabin with me?",
    "What size carrier does my dog need under the seat?",
    "My dog barked the whole flight, sorry to the passengers in row 12",
    "Is there a fee to bring a small dog on board?",
    "The dog carrier rules on your site are confusing",
    "Travelling with my dog next week, any tips?",
    "Do you allow a service dog on international routes?",
    "My dog was so calm on the plane today",
    "How many dogs can be in the cabin on one flight?",
    "Booked a seat for me and my dog, excited!",
    "Can a puppy travel as a carry-on pet with my dog?",
    "Where do I check in with my dog at the airport?",
]
SNOW = [
    "Snow is piling up at the airport, will we still leave?",
    "Blizzard and snow in Boston tonight, stay safe everyone",
    "Watching the snow fall from the terminal window",
    "Six inches of snow on the runway this morning",
    "Is the snow storm going to close the airport tomorrow?",
    "The de-icing crew is working hard in this snow",
    "Heavy snow in Chicago, the whole city is white",
    "Snow again? I am so done with this winter",
    "Freezing cold and snow everywhere in Denver",
    "Planes covered in snow at the gate, what a sight",
    "The snow plows are clearing the taxiway",
    "Snow day in New York, roads are a mess",
]
OSCARS = [
    "Who do you think wins best picture at the Oscars tonight?",
    "Watching the Oscars red carpet, the dresses are amazing",
    "That Oscars acceptance speech made me cry",
    "Oscars party at my place, bring snacks",
    "Best actress at the Oscars was well deserved",
    "The Oscars host was hilarious this year",
    "Live tweeting the Oscars all night",
    "My Oscars ballot is ruined after that upset",
    "Lady Gaga sang so well at the Oscars",
    "The Oscars ran way too long again",
    "Predicting every Oscars winner, wish me luck",
    "Nobody expected that Oscars win for best song",
]
THEMES = {"dog": DOGS, "snow": SNOW, "oscars": OSCARS}
CHATTER = [
    "Thanks for the quick reply!",
    "DM sent",
    "lol ok",
    "You guys rock",
    "Following you now",
    "Happy Friday everyone",
    "Is the lounge open?",
    "Great music on board today",
    "Love the new logo",
    "Can I get a receipt by email?",
    "Who else is watching the game?",
    "Coffee first, then boarding",
    "Where is gate B12?",
    "My kid loved the window seat",
    "Thank you so much!",
    "sent you a message",
    "What a view from up here",
    "Anyone flying to Miami today?",
    "Can you follow me back?",
    "Best crew ever",
    "Bored at the airport",
    "Going home at last",
    "New phone, who dis",
    "Sunset from seat 14A",
]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


def test_class_tfidf_follows_bertopic_formula() -> None:
    # Counts after stop words ("the") and brand words ("united") go: class 0 delay 2, gate 1; class 1 gate 1,
    # refund 1. A = int((3 + 2) / 2) = 2; f(delay) = 2, f(gate) = 2, f(refund) = 1.
    words = topic_words(["the delay delay gate United", "refund gate"], stop_words=["united"])
    assert [w for w, _ in words[0]] == ["delay", "gate"]
    assert [w for w, _ in words[1]] == ["refund", "gate"]
    assert [x for _, x in words[0]] == pytest.approx([2 / 3 * math.log(2), 1 / 3 * math.log(2)], abs=1e-12)
    assert [x for _, x in words[1]] == pytest.approx([1 / 2 * math.log(3), 1 / 2 * math.log(2)], abs=1e-12)


def test_mentions_and_links_are_removed_before_clustering() -> None:
    assert clean_text("@united  Lost my bag http://t.co/x1 again www.example.com @Delta") == "Lost my bag again"


def test_same_inputs_and_seed_give_identical_topics_and_labels(scorer: Scorer) -> None:
    texts = [t for theme in THEMES.values() for t in theme] + CHATTER
    embeddings = scorer.encoder.embed(texts)
    first = discover_topics(texts, embeddings, seed=0, min_size=2, max_topics=15)
    second = discover_topics(list(texts), embeddings.copy(), seed=0, min_size=2, max_topics=15)
    assert first == second
    assert len(first.topics) >= 3


def test_three_clear_themes_come_out_as_three_topics_named_by_their_words(scorer: Scorer) -> None:
    texts = [t for theme in THEMES.values() for t in theme] + ["@united", "http://t.co/abc"]
    found = discover_topics(texts, scorer.encoder.embed([clean_text(t) for t in texts]), min_size=5)

    assert [t.size for t in found.topics] == [12, 12, 12]
    assert found.assignment[-2:] == (-1, -1)  # nothing left after @mentions and links go
    assert found.similarity[-2:] == (None, None)
    by_theme = {}
    for name, theme in THEMES.items():
        ids = {found.assignment[texts.index(t)] for t in theme}
        assert len(ids) == 1, f"{name} texts split over topics {ids}"
        by_theme[name] = found.topics[ids.pop()]
    assert {t.topic_id for t in by_theme.values()} == {0, 1, 2}
    for name, topic in by_theme.items():
        assert topic.words[0][0] == name, topic.words
        assert topic.label.split(", ")[0] == name
        assert len(topic.words) == 5 and topic.words == tuple(sorted(topic.words, key=lambda w: -w[1]))
        assert set(topic.examples) <= set(THEMES[name]) and len(topic.examples) == 3


def _posts(path: Path, texts: list[str]) -> Path:
    rows = "".join(f'p{i},{["United", "Delta"][i % 2]},2015-02-20,"{t}"\n' for i, t in enumerate(texts))
    path.write_text("post_id,brand,created_at,text\n" + rows, encoding="utf-8")
    return path


ITEMS_SQL = "SELECT source, item_id, brand, topic_id, similarity FROM discovered_topic_items ORDER BY ALL"
TOPICS_SQL = (
    "SELECT topic_id, label, top_words, size, examples, run_id, model_version FROM discovered_topics ORDER BY 1"
)


def test_warehouse_run_stores_the_other_texts_topics_and_same_data_gives_same_rows(
    warehouse: Path, tmp_path: Path, scorer: Scorer
) -> None:
    texts = [t for theme in THEMES.values() for t in theme] + ["My flight was cancelled and nobody helped"]
    ingest_file(_posts(tmp_path / "posts.csv", texts), "social", warehouse=warehouse)
    score_warehouse(warehouse, scorer)

    first = discover_warehouse(warehouse, scorer.encoder, min_size=3)

    other = query(
        warehouse,
        """SELECT s.source, s.item_id, p.brand FROM text_scores s JOIN posts p ON p.source = s.source
           AND p.post_id = s.item_id WHERE s.topic = 'other' ORDER BY ALL""",
    )
    items = query(warehouse, ITEMS_SQL)
    topics = query(warehouse, TOPICS_SQL)
    assert len(other) >= 9, "too few sample texts were left in 'other' to test discovery"
    assert first.written and first.texts == len(other)
    assert [row[:3] for row in items] == other
    assert first.topics == len(topics) >= 1
    assert [t[3] for t in topics] == [sum(1 for i in items if i[3] == t[0]) for t in topics]
    assert first.unclustered == sum(1 for i in items if i[3] == -1)
    assert {t[5] for t in topics} == {first.run_id}
    for topic_id, label, top_words, _size, examples, _run, _version in topics:
        member_texts = {texts[int(i[1][1:])] for i in items if i[3] == topic_id}
        theme = next(name for name, theme in THEMES.items() if member_texts & set(theme))
        assert member_texts <= set(THEMES[theme]), f"topic {label!r} mixes themes"
        assert label.split(", ")[0] == theme == json.loads(top_words)[0]["word"]
        assert set(json.loads(examples)) <= member_texts

    version = db.current_version(warehouse)
    again = discover_warehouse(warehouse, scorer.encoder, min_size=3)
    assert db.current_version(warehouse) == version  # no new warehouse version was written
    assert not again.written
    assert (again.run_id, again.topics, again.unclustered) == (first.run_id, first.topics, first.unclustered)

    # A forced run in another process (another hash seed, a fresh model load) writes the same rows.
    created = query(warehouse, "SELECT DISTINCT created_at FROM discovered_topics")
    subprocess.run(
        [sys.executable, "-m", "pipelines", "discover-topics", "--min-size", "3", "--force", "--db", str(warehouse)],
        check=True,
        capture_output=True,
    )
    assert query(warehouse, "SELECT DISTINCT created_at FROM discovered_topics") != created
    assert query(warehouse, ITEMS_SQL) == items
    assert query(warehouse, TOPICS_SQL) == topics


def test_warehouse_without_scores_asks_for_scoring_first(warehouse: Path, scorer: Scorer) -> None:
    with pytest.raises(SignalboardError, match="run `python -m pipelines score` first"):
        discover_warehouse(warehouse, scorer.encoder)


def test_embeddings_must_match_texts() -> None:
    with pytest.raises(ValueError, match="one embedding row per text"):
        discover_topics(["a", "b"], np.zeros((3, 384)))
