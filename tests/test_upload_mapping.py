"""The upload's mapping steps on the Data page: the column form, saved named mappings, brand mapping.

Every page interaction runs the real app (AppTest) on a real warehouse file; nothing is written to
the warehouse until Confirm, which the snapshots check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query
from dashboard_helpers import run_app
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox
from test_dashboard_upload import snapshot, write

from dashboard.upload import plain
from pipelines.demo import SAMPLE_SURVEY
from pipelines.errors import IngestError
from pipelines.ingest.mapping import MappingFile, read_mapping_file, save_mapping, saved_mapping_path, saved_mappings
from pipelines.ingest.validate import validate_file

# 'Posted' matches no synonym of created_at, so the form cannot pre-fill that required field;
# 'Notes' is a second text column whose row 2 is empty.
EXPORT = (
    "Airline,Posted,Message,Notes,Likes\n"
    "United,2015-02-20T08:00:00Z,first message,first note,3\n"
    "Delta,2015-02-20T09:00:00Z,second message,,5\n"
    "UnitedCustomerCare,2015-02-20T10:00:00Z,third message,third note,0\n"
)
# Same layout, next week's rows.
NEXT_WEEK = (
    "Airline,Posted,Message,Notes,Likes\n"
    "Delta,2015-02-27T08:00:00Z,fourth message,n,1\n"
    "United,2015-02-27T09:00:00Z,fifth message,n,2\n"
)


@pytest.fixture
def mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mappings folder of this test's own (SIGNALBOARD_MAPPINGS), not yet created."""
    folder = tmp_path / "mappings"
    monkeypatch.setenv("SIGNALBOARD_MAPPINGS", str(folder))
    return folder


def field_box(app: AppTest, label: str) -> Selectbox[object]:
    (box,) = [s for s in app.selectbox if s.label == label]
    return box


def shown(app: AppTest, label: str) -> str:
    """The column a field's selectbox shows, as the page writes it."""
    box = field_box(app, label)
    assert box.index is not None
    return str(box.options[box.index])


def pick(app: AppTest, label: str, column: str) -> None:
    box = field_box(app, label)
    box.select_index(box.options.index(column)).run()
    assert not app.exception, app.exception


def report_line(app: AppTest) -> str:
    (line,) = [t.value for t in app.text if " rows read; " in t.value]
    return str(line)


def upload(app: AppTest, name: str, text: str) -> None:
    app.file_uploader(key="upload_file").set_value((name, text.encode(), "text/csv")).run()
    assert not app.exception, app.exception


def test_form_is_prefilled_with_suggestions_and_a_missing_required_column_blocks_validation(
    warehouse: Path, mappings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "export.csv", EXPORT)
    assert shown(app, "brand (required)") == "Airline"
    assert shown(app, "text (required)") == "Message"
    assert shown(app, "likes") == "Likes"
    assert shown(app, "created_at (required)") == "(none)"
    assert shown(app, "post_id") == "(none)"
    assert [e.value for e in app.error] == [plain("Pick a column for the required field(s): created_at.")]
    assert not [t for t in app.text if " rows read; " in t.value]  # no report until the mapping is complete
    assert all(b.key != "upload_confirm" for b in app.button)


def test_changing_a_column_changes_the_report_and_writes_nothing(
    warehouse: Path, mappings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(warehouse)
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "export.csv", EXPORT)
    pick(app, "created_at (required)", "Posted")
    assert app.error == []
    assert report_line(app) == (
        "export.csv (social, plain csv): 3 rows read; 3 would load, 0 would be rejected, 0 are duplicates."
    )
    pick(app, "text (required)", "Notes")
    assert report_line(app) == (
        "export.csv (social, plain csv): 3 rows read; 2 would load, 1 would be rejected, 0 are duplicates."
    )
    rejected = [t for t in app.dataframe if "reason" in t.value.columns]
    assert [(r, why) for r, why in zip(rejected[0].value["row"], rejected[0].value["reason"], strict=True)] == [
        (2, "text is empty")
    ]
    # Unsetting an optional field the names matched: the report's columns follow the form, not the synonyms.
    pick(app, "likes", "(none)")
    (used,) = [t.value for t in app.dataframe if "column in the file" in t.value.columns]
    assert dict(zip(used["field"], used["column in the file"], strict=True)) == {
        "brand": "Airline",
        "created_at": "Posted",
        "text": "Notes",
    }
    assert snapshot(warehouse) == before


def test_saved_mapping_applies_to_the_next_upload_and_from_the_cli(
    warehouse: Path, mappings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(warehouse)
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "export.csv", EXPORT)
    pick(app, "created_at (required)", "Posted")
    app.text_input(key="upload_mapping_name").input("weekly_export").run()
    app.button(key="upload_mapping_save").click().run()
    assert not app.exception, app.exception
    assert (mappings / "weekly_export.yaml").is_file()
    assert saved_mappings() == ["weekly_export"]
    saved = read_mapping_file(mappings / "weekly_export.yaml")
    assert saved.columns == {"brand": "Airline", "created_at": "Posted", "text": "Message", "likes": "Likes"}
    assert saved.unused == {"post_id", "channel", "author", "author_followers", "title"} | {
        "reshares",
        "replies",
        "rating",
        "recommended",
        "location",
    }
    assert app.success[0].value.startswith(plain("Saved mapping 'weekly_export'"))
    assert snapshot(warehouse) == before  # saving a mapping writes the mappings folder only

    # A new session and a new file: the saved mapping pre-fills the form.
    later = run_app(warehouse, monkeypatch, page="data")
    upload(later, "next_week.csv", NEXT_WEEK)
    assert shown(later, "created_at (required)") == "(none)"
    later.selectbox(key="upload_saved_mapping").select("weekly_export").run()
    assert not later.exception, later.exception
    assert shown(later, "created_at (required)") == "Posted"
    assert report_line(later) == (
        "next_week.csv (social, plain csv): 2 rows read; 2 would load, 0 would be rejected, 0 are duplicates."
    )
    assert snapshot(warehouse) == before

    # The CLI takes the saved mapping by name (SIGNALBOARD_MAPPINGS is inherited) and by its file.
    next_week = write(tmp_path / "next_week.csv", NEXT_WEEK)
    command = [sys.executable, "-m", "pipelines", "ingest", str(next_week), "--kind", "social", "--db", str(warehouse)]
    by_name = subprocess.run([*command, "--mapping", "weekly_export"], capture_output=True, text=True, timeout=120)
    assert by_name.returncode == 0, by_name.stderr
    assert "2 rows read, 2 loaded, 0 rejected, 0 duplicate" in by_name.stdout
    stored = query(warehouse, "SELECT brand, text, likes FROM posts ORDER BY created_at")
    assert stored == [("Delta", "fourth message", 1), ("United", "fifth message", 2)]
    export = write(tmp_path / "export.csv", EXPORT)
    by_file = subprocess.run(
        [*command[:4], str(export), *command[5:], "--mapping", str(mappings / "weekly_export.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert by_file.returncode == 0, by_file.stderr
    assert "3 rows read, 3 loaded, 0 rejected, 0 duplicate" in by_file.stdout


@pytest.mark.parametrize("name", ["../escape", "a b", "x.yaml", "", "/etc/passwd", "n" * 65, "ünï"])
def test_bad_mapping_name_is_refused(name: str, mappings: Path) -> None:
    with pytest.raises(IngestError, match="is not allowed: use 1 to 64 letters, digits, '-' and '_'"):
        saved_mapping_path(name)
    with pytest.raises(IngestError, match="is not allowed"):
        save_mapping(name, MappingFile({"text": "Message"}))
    assert not mappings.exists()


def test_bad_mapping_name_is_refused_on_the_page(
    warehouse: Path, mappings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "export.csv", EXPORT)
    pick(app, "created_at (required)", "Posted")
    app.text_input(key="upload_mapping_name").input("../../outside").run()
    app.button(key="upload_mapping_save").click().run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        plain(
            "Mapping name '../../outside' is not allowed: use 1 to 64 letters, digits, '-' and '_' (no spaces or dots)."
        )
    ]
    assert not mappings.exists()
    assert not (tmp_path / "outside.yaml").exists()


def test_unknown_saved_mapping_name_on_the_cli_says_so(mappings: Path) -> None:
    save_mapping("known", MappingFile({"text": "Message"}))
    with pytest.raises(
        IngestError, match=r"^No mapping file or saved mapping named 'unknown' \(saved mappings: known\)\.$"
    ):
        read_mapping_file("unknown")


def test_mapping_yaml_round_trips(mappings: Path) -> None:
    mapping = MappingFile(
        {"created_at": "Posted", "nps": "Q7: How likely?"}, {"@UA_Help": "United"}, "facebook", frozenset({"title"})
    )
    path = save_mapping("round-trip_1", mapping)
    assert path == mappings / "round-trip_1.yaml"
    assert read_mapping_file(path) == mapping
    assert read_mapping_file("round-trip_1") == mapping


def test_unknown_brand_mapped_to_an_existing_brand_loads_under_it(
    warehouse: Path, mappings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ((brands_before,),) = query(warehouse, "SELECT count(*) FROM brands")
    before = snapshot(warehouse)
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "export.csv", EXPORT)
    pick(app, "created_at (required)", "Posted")
    assert "UnitedCustomerCare" in [t.value for t in app.text]
    (brand_box,) = [s for s in app.selectbox if str(s.key).endswith("_unitedcustomercare")]
    assert brand_box.value == "Add as a new brand outside the panel"
    assert "New brands outside the competitor panel: UnitedCustomerCare" in [t.value for t in app.text]

    brand_box.select("United").run()
    assert not app.exception, app.exception
    assert not [t for t in app.text if t.value.startswith("New brands outside")]
    assert report_line(app).endswith("3 would load, 0 would be rejected, 0 are duplicates.")
    assert snapshot(warehouse) == before  # still nothing written

    app.button(key="upload_confirm").click().run(timeout=600)
    assert not app.exception, app.exception
    stored = query(warehouse, "SELECT text, brand FROM posts ORDER BY created_at")
    assert stored == [("first message", "United"), ("second message", "Delta"), ("third message", "United")]
    assert query(warehouse, "SELECT alias, brand FROM brand_aliases WHERE alias_key = 'unitedcustomercare'") == [
        ("UnitedCustomerCare", "United")
    ]
    assert query(warehouse, "SELECT count(*) FROM brands") == [(brands_before,)]


def test_validation_lists_unknown_brand_names_and_maps_them_through_the_mapping_file(
    warehouse: Path, tmp_path: Path
) -> None:
    export = write(tmp_path / "export.csv", EXPORT)
    mapping = write(tmp_path / "map.yaml", "columns: {created_at: Posted}\n")
    report = validate_file(export, "social", warehouse, mapping)
    assert report.unknown_brands == ("UnitedCustomerCare",)
    assert report.new_brands == ("UnitedCustomerCare",)
    assert report.known_brands[:2] == ("United", "Delta")
    mapped = write(tmp_path / "mapped.yaml", "columns: {created_at: Posted}\nbrands: {UnitedCustomerCare: United}\n")
    report = validate_file(export, "social", warehouse, mapped)
    assert report.unknown_brands == ("UnitedCustomerCare",)  # still unknown to the warehouse: the form keeps asking
    assert report.new_brands == ()
    assert list(report.accepted["brand"]) == ["United", "Delta", "United"]


def test_qualtrics_upload_shows_its_layout_and_prefills_answers_from_the_question_text(
    warehouse: Path, mappings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = validate_file(SAMPLE_SURVEY, "survey", warehouse)
    app = run_app(warehouse, monkeypatch, page="data")
    upload(app, "qualtrics_export.csv", SAMPLE_SURVEY.read_text(encoding="utf-8"))
    assert app.radio[0].value == "survey"
    assert "Detected layout: qualtrics csv" in [c.value for c in app.caption]
    # Each field the validation used is what its selectbox shows (header, then the question text).
    for field, column in expected.column_mapping.items():
        label = f"{field} (required)" if field == "brand" else field
        assert shown(app, label).split(": ", 1)[0] == column
    assert report_line(app) == expected.line().replace(SAMPLE_SURVEY.name, "qualtrics_export.csv")
