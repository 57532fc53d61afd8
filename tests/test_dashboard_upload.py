"""Adding data from the Data page: validation writes nothing and predicts the load; confirm loads and scores."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest
from conftest import query
from dashboard_helpers import ARTIFACTS, CHROMIUM_ARGS, REPO, run_app, streamlit_server, table_with

from dashboard.upload import MAX_UPLOAD_MB, check_upload, guess_kind, plain
from pipelines import db
from pipelines.demo import SAMPLE_REVIEWS, SAMPLE_SURVEY, SAMPLE_TWEETS
from pipelines.errors import IngestError
from pipelines.ingest.load import ingest_file
from pipelines.ingest.validate import validate_file

FIRST = "post_id,brand,created_at,text\np1,United,2015-02-20T08:00:00Z,first\np2,Delta,2015-02-20T09:00:00Z,second\n"
# Row 1 is already stored (p2), row 3 repeats row 2, row 4 has a bad date, row 5 names a brand outside the panel.
SECOND = (
    "post_id,brand,created_at,text\n"
    "p2,Delta,2015-02-20T09:00:00Z,second\n"
    "p3,United,2015-02-21T08:00:00Z,new one\n"
    "p3,United,2015-02-21T08:00:00Z,new one again\n"
    "p4,Delta,not a date,bad\n"
    "p5,Skyward Air,2015-02-22T08:00:00Z,a new airline\n"
)
COUNTS = """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM brands), (SELECT count(*) FROM brand_aliases),
                   (SELECT count(*) FROM load_runs), (SELECT count(*) FROM rejected_rows), (SELECT count(*) FROM text_scores)"""


def snapshot(warehouse: Path) -> tuple[Path | None, str, list[tuple[object, ...]]]:
    """The current version file, its sha256 and the row counts: equal snapshots mean nothing was written."""
    version = db.current_version(warehouse.absolute())
    assert version is not None
    return version, hashlib.sha256(version.read_bytes()).hexdigest(), query(warehouse, COUNTS)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def with_first_load(warehouse: Path, tmp_path: Path) -> Path:
    ingest_file(write(tmp_path / "first.csv", FIRST), "social", warehouse=warehouse)
    return warehouse


def test_validation_writes_nothing_and_reports_each_row(with_first_load: Path, tmp_path: Path) -> None:
    second = write(tmp_path / "second.csv", SECOND)
    before = snapshot(with_first_load)
    report = validate_file(second, "social", with_first_load)
    assert snapshot(with_first_load) == before
    assert (report.file_format, report.layout, report.already_loaded_as) == ("csv", "plain", None)
    assert report.column_mapping == {"post_id": "post_id", "brand": "brand", "created_at": "created_at", "text": "text"}
    assert list(report.accepted["row"]) == [2, 5]
    assert list(report.accepted["post_id"]) == ["p3", "p5"]
    assert list(report.accepted["brand"]) == ["United", "Skyward Air"]
    assert report.new_brands == ("Skyward Air",)
    assert list(zip(report.rejected["row"], report.rejected["reason"], strict=True)) == [
        (4, "unparseable date in created_at: 'not a date'")
    ]
    assert list(zip(report.duplicates["row"], report.duplicates["reason"], strict=True)) == [
        (1, "already in the warehouse (load #1)"),
        (3, "repeats row 2 of this file"),
    ]
    assert report.to_csv().decode().splitlines() == [
        "row,line,outcome,reason",
        "1,,duplicate,already in the warehouse (load #1)",
        "2,,load,",
        "3,,duplicate,repeats row 2 of this file",
        "4,,reject,unparseable date in created_at: 'not a date'",
        "5,,load,",
    ]


def test_validation_predicts_what_the_load_then_does(with_first_load: Path, tmp_path: Path) -> None:
    second = write(tmp_path / "second.csv", SECOND)
    report = validate_file(second, "social", with_first_load)
    summary = ingest_file(second, "social", warehouse=with_first_load)
    assert (summary.rows_accepted, summary.rows_rejected, summary.rows_duplicate) == (
        len(report.accepted),
        len(report.rejected),
        len(report.duplicates),
    )
    stored = query(with_first_load, "SELECT post_id FROM posts WHERE load_id = ? ORDER BY post_id", [summary.load_id])
    assert [r[0] for r in stored] == list(report.accepted["post_id"])


def test_validating_a_loaded_file_says_so(with_first_load: Path, tmp_path: Path) -> None:
    again = write(tmp_path / "renamed.csv", FIRST)
    report = validate_file(again, "social", with_first_load)
    assert report.already_loaded_as == 1
    assert report.accepted.empty
    assert len(report.duplicates) == 2
    assert "already loaded as load #1" in report.line()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("junk.csv", b"\x00\x01\x02binary\x00junk" * 50, "junk.csv looks like a binary file, not text CSV."),
        ("wrong.csv", b"foo,bar\n1,2\n", "Missing required column 'brand' for social data"),
        ("empty.csv", b"", "empty.csv is empty."),
    ],
)
def test_broken_file_gives_a_readable_message_and_changes_nothing(
    warehouse: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(warehouse)
    with pytest.raises(IngestError) as raised:
        validate_file(path, "social", warehouse)
    assert message in str(raised.value)
    assert snapshot(warehouse) == before


# The page itself, headless (AppTest drives st.file_uploader since Streamlit 1.50).


def test_upload_on_the_data_page_validates_then_loads_and_scores(
    with_first_load: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(with_first_load, monkeypatch, page="data")
    before = snapshot(with_first_load)
    app.file_uploader(key="upload_file").set_value(("second.csv", SECOND.encode(), "text/csv")).run()
    assert not app.exception, app.exception
    assert app.radio[0].value == "social"
    texts = [t.value for t in app.text]
    assert "second.csv (social, plain csv): 5 rows read; 2 would load, 1 would be rejected, 2 are duplicates." in texts
    assert list(table_with(app, "column in the file")["field"]) == ["post_id", "brand", "created_at", "text"]
    assert list(table_with(app, "reason")["row"]) == [4]
    assert snapshot(with_first_load) == before  # validating on the page wrote nothing

    app.button(key="upload_confirm").click().run(timeout=600)
    assert not app.exception, app.exception
    ((posts, scored, by, file),) = query(
        with_first_load,
        """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM text_scores),
                  (SELECT loaded_by FROM load_runs WHERE load_id = 2), (SELECT source_file FROM load_runs WHERE load_id = 2)""",
    )
    assert (posts, scored, by, file) == (4, 4, "dashboard", "second.csv")
    assert {m.label: m.value for m in app.metric}["Social posts"] == "4"
    result = app.success[0].value
    assert result.startswith(
        plain("Load #2: second.csv (social, plain csv): 5 rows read, 2 loaded, 1 rejected, 2 duplicate")
    )
    assert plain("Scored 4 texts") in result
    # The file is still in the uploader: the page now says it was loaded, and offers no second load.
    assert [i.value for i in app.info] == ["This file was already loaded as load #2; loading it again adds nothing."]
    assert all(b.key != "upload_confirm" for b in app.button)


def test_uploading_a_loaded_file_again_changes_nothing(with_first_load: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(with_first_load, monkeypatch, page="data")
    before = snapshot(with_first_load)
    app.file_uploader(key="upload_file").set_value(("copy of first.csv", FIRST.encode(), "text/csv")).run()
    assert not app.exception, app.exception
    assert [i.value for i in app.info] == ["This file was already loaded as load #1; loading it again adds nothing."]
    assert all(b.key != "upload_confirm" for b in app.button)
    assert snapshot(with_first_load) == before


def test_uploading_junk_shows_a_readable_error_and_changes_nothing(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(warehouse, monkeypatch, page="data")
    before = snapshot(warehouse)
    app.file_uploader(key="upload_file").set_value(("junk.csv", b"\x00\xff\x00junk" * 100, "text/csv")).run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        plain("This file cannot be loaded: junk.csv looks like a binary file, not text CSV.")
    ]
    assert snapshot(warehouse) == before


def test_upload_limit_is_stated_enforced_and_matches_the_server(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB == 200
    with pytest.raises(IngestError, match=r"^The file is 201 MB; the limit is 200 MB\.$"):
        check_upload("big.csv", 201 * 1024 * 1024)
    check_upload("big.csv", 200 * 1024 * 1024)  # exactly the limit is allowed
    with pytest.raises(IngestError, match=r"^Unsupported file type '\.zip': upload csv, xlsx, parquet, jsonl\.$"):
        check_upload("export.zip", 10)
    app = run_app(warehouse, monkeypatch, page="data")
    assert "of up to 200 MB" in app.markdown[-1].value


@pytest.mark.parametrize(
    ("sample", "kind"), [(SAMPLE_TWEETS, "social"), (SAMPLE_REVIEWS, "reviews"), (SAMPLE_SURVEY, "survey")]
)
def test_kind_is_guessed_from_the_sample_files(sample: Path, kind: str) -> None:
    assert guess_kind(sample.read_bytes()[:65536], "upload" + sample.suffix) == kind


def test_validating_a_qualtrics_export_predicts_its_load(warehouse: Path) -> None:
    before = snapshot(warehouse)
    report = validate_file(SAMPLE_SURVEY, "survey", warehouse)
    assert snapshot(warehouse) == before
    assert (report.layout, report.file_format) == ("qualtrics", "csv")
    summary = ingest_file(SAMPLE_SURVEY, "survey", warehouse=warehouse)
    assert (len(report.accepted), len(report.rejected), len(report.duplicates)) == (
        summary.rows_accepted,
        summary.rows_rejected,
        summary.rows_duplicate,
    )
    ((stored,),) = query(warehouse, "SELECT count(*) FROM survey_responses")
    assert stored == len(report.accepted) > 0


# A real server and a real Chromium: the upload goes through the browser's file input.


@pytest.mark.browser
def test_browser_upload_confirm_shows_the_new_counts(with_first_load: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    second = write(tmp_path / "second.csv", SECOND)
    with streamlit_server(with_first_load, tmp_path / "streamlit.log") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.goto(f"{server.url}/data")
            page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=30_000)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(second))
            expect(page.get_by_text("2 would load, 1 would be rejected, 2 are duplicates")).to_be_visible(
                timeout=30_000
            )
            page.get_by_role("button", name="Confirm: load and score").click()
            expect(page.get_by_text("Load #2: second.csv")).to_be_visible(timeout=300_000)
            expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("4", timeout=30_000)
            expect(page.get_by_test_id("stAlertContentInfo")).to_contain_text(
                "already loaded as load #2", timeout=30_000
            )
            assert page.locator('[data-testid="stException"]').count() == 0
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "data_page_upload.png"), full_page=True)
        finally:
            browser.close()
    ((posts, by),) = query(
        with_first_load, "SELECT (SELECT count(*) FROM posts), (SELECT loaded_by FROM load_runs WHERE load_id = 2)"
    )
    assert (posts, by) == (4, "dashboard")
