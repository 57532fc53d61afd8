"""Ordered, named schema migrations. Each is applied once and recorded; every statement is also
written to be safe if re-run (IF NOT EXISTS), so a half-applied history cannot wedge a warehouse.

Append new migrations at the end; never edit or reorder one that has shipped.
"""

from __future__ import annotations

from duckdb import DuckDBPyConnection

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_brands",
        """
        CREATE TABLE IF NOT EXISTS brands (
            brand VARCHAR PRIMARY KEY,          -- canonical display name
            in_panel BOOLEAN NOT NULL,          -- part of the competitor panel (share of voice denominator)
            position INTEGER NOT NULL,          -- display order; the first panel brand is the default "our brand"
            added_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS brand_aliases (
            alias_key VARCHAR PRIMARY KEY,      -- normalised: lower case, letters and digits only
            alias VARCHAR NOT NULL,             -- as first seen, e.g. '@AmericanAir'
            brand VARCHAR NOT NULL
        );
        """,
    ),
    (
        "0002_load_runs",
        """
        CREATE TABLE IF NOT EXISTS load_runs (
            load_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- social | reviews | survey
            source_file VARCHAR NOT NULL,       -- file name as given (never used as a path again)
            file_sha256 VARCHAR NOT NULL,
            file_bytes BIGINT NOT NULL,
            file_format VARCHAR NOT NULL,       -- csv | parquet | jsonl | xlsx
            layout VARCHAR NOT NULL,            -- plain | qualtrics | surveymonkey
            encoding VARCHAR,                   -- for text files: utf-8 | utf-8-sig | cp1252
            column_mapping JSON NOT NULL,       -- canonical field -> source column actually used
            rows_read BIGINT NOT NULL,
            rows_accepted BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            rows_duplicate BIGINT NOT NULL,
            status VARCHAR NOT NULL,            -- loaded (failed loads leave no trace by design)
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            loaded_by VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rejected_rows (
            load_id INTEGER NOT NULL,
            row_number BIGINT,                  -- 1-based data row (header rows not counted); NULL when the
                                                -- row could not even be split into fields (see line)
            line BIGINT,                        -- 1-based line in a text file, when known
            reason VARCHAR NOT NULL,
            raw JSON                            -- the row as read, every value a string
        );
        """,
    ),
    (
        "0003_posts",
        """
        CREATE TABLE IF NOT EXISTS posts (
            source VARCHAR NOT NULL,            -- social | review
            post_id VARCHAR NOT NULL,           -- id from the file, or a hash of brand/author/time/text
            channel VARCHAR NOT NULL,           -- twitter, skytrax, ...
            brand VARCHAR NOT NULL,
            author VARCHAR,
            author_followers BIGINT,
            created_at TIMESTAMP NOT NULL,      -- UTC
            title VARCHAR,
            text VARCHAR NOT NULL,
            reshares BIGINT,
            likes BIGINT,
            replies BIGINT,
            rating DOUBLE,                      -- reviews: overall rating on the source's scale (Skytrax 1-10)
            recommended BOOLEAN,
            sub_ratings JSON,                   -- reviews: other *_rating columns, e.g. {"seat_comfort": 4}
            location VARCHAR,
            extra JSON,                         -- every column we did not map, so nothing is lost
            load_id INTEGER NOT NULL
        );
        """,
    ),
    (
        "0004_survey_responses",
        """
        CREATE TABLE IF NOT EXISTS survey_responses (
            response_id VARCHAR NOT NULL,
            survey VARCHAR NOT NULL,            -- survey name (defaults to the file name without extension)
            brand VARCHAR NOT NULL,
            responded_at TIMESTAMP,             -- UTC
            wave DATE NOT NULL,                 -- first day of the wave's month unless the file says otherwise
            customer_type VARCHAR,
            region VARCHAR,
            travel_purpose VARCHAR,
            trust TINYINT,                      -- 1-9: "How much do you trust [brand] to do what is right?"
            trust_quality TINYINT,              -- 1-9 agreement items (trust drivers)
            trust_transparency TINYINT,
            trust_employees TINYINT,
            trust_society TINYINT,
            trust_data TINYINT,
            nps TINYINT,                        -- 0-10 likelihood to recommend
            csat TINYINT,                       -- 1-5 overall satisfaction
            drv_booking TINYINT,                -- 1-5 service driver ratings
            drv_checkin TINYINT,
            drv_ontime TINYINT,
            drv_staff TINYINT,
            drv_comfort TINYINT,
            drv_value TINYINT,
            comment VARCHAR,
            extra JSON,
            load_id INTEGER NOT NULL
        );
        """,
    ),
    (
        "0005_text_scores",
        """
        CREATE TABLE IF NOT EXISTS text_scores (
            source VARCHAR NOT NULL,            -- social | review | survey
            item_id VARCHAR NOT NULL,           -- posts.post_id or survey_responses.response_id
            model_version VARCHAR NOT NULL,     -- sentiment head + taxonomies; a new one re-scores everything
            sentiment VARCHAR NOT NULL,         -- negative | neutral | positive
            p_negative DOUBLE NOT NULL,
            p_neutral DOUBLE NOT NULL,
            p_positive DOUBLE NOT NULL,
            sentiment_score DOUBLE NOT NULL,    -- p_positive - p_negative, in [-1, 1]
            topic VARCHAR NOT NULL,             -- customer-experience topic, or 'other'
            topic_score DOUBLE NOT NULL,        -- cosine similarity to the topic
            trust_driver VARCHAR NOT NULL,      -- trust driver, or 'other'
            trust_driver_score DOUBLE NOT NULL,
            scored_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0006_discovered_topics",
        # Both tables are replaced whole by each discovery run (pipelines/scoring/discover.py). No primary
        # keys: a run deletes and re-inserts the same ids in one transaction.
        """
        CREATE TABLE IF NOT EXISTS discovered_topics (
            topic_id INTEGER NOT NULL,          -- 0 = the largest cluster of 'other' texts
            label VARCHAR NOT NULL,             -- its top 3 c-TF-IDF words, e.g. 'fleek, fleet, stop'
            top_words JSON NOT NULL,            -- [{"word": ..., "weight": ...}], up to 5, best first
            size INTEGER NOT NULL,              -- texts in the cluster
            examples JSON NOT NULL,             -- up to 3 distinct texts nearest its centre, nearest first
            run_id VARCHAR NOT NULL,            -- hash of the texts, model and parameters of the run
            model_version VARCHAR NOT NULL,     -- encoder + clustering parameters
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS discovered_topic_items (
            source VARCHAR NOT NULL,            -- social | review | survey (as in text_scores)
            item_id VARCHAR NOT NULL,
            brand VARCHAR NOT NULL,
            topic_id INTEGER NOT NULL,          -- discovered_topics.topic_id; -1 = unclustered
            similarity DOUBLE                   -- cosine to the topic's centre (most typical first); NULL if -1
        );
        """,
    ),
    (
        "0007_text_scores_topic_list",
        """
        -- topic_score becomes a z-score against a fixed background (pipelines/scoring/topics.py), not a raw cosine;
        -- topics lists every taxonomy topic above the list threshold, best first.
        ALTER TABLE text_scores ADD COLUMN IF NOT EXISTS topics VARCHAR[];
        """,
    ),
    (
        "0008_post_rollups",
        # Filled by pipelines/rollups.py:refresh_rollups(); empty until then, and readers fall back to
        # the raw tables while it is stale (rollups.is_fresh).
        """
        CREATE TABLE IF NOT EXISTS post_rollups (
            source VARCHAR NOT NULL,            -- posts.source
            brand VARCHAR NOT NULL,
            hour TIMESTAMP NOT NULL,            -- date_trunc('hour', posts.created_at), UTC
            model_version VARCHAR,              -- text_scores columns; NULL for posts without a score
            sentiment VARCHAR,
            topic VARCHAR,
            posts BIGINT NOT NULL               -- posts in the group (always > 0)
        );
        CREATE TABLE IF NOT EXISTS post_rollups_state (
            posts BIGINT NOT NULL,              -- count(*) FROM posts when the rollup was built
            last_load_id INTEGER,               -- max(posts.load_id)
            scores BIGINT NOT NULL,             -- count(*) FROM text_scores of posts (not survey comments)
            last_scored_at TIMESTAMP,           -- max(text_scores.scored_at) of those
            built_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0009_load_deletions",
        # A deleted load keeps its load_runs row (status 'deleted'); who deleted it and when is kept here,
        # in its own table, because ingest inserts load_runs rows positionally (new columns there break it).
        """
        CREATE TABLE IF NOT EXISTS load_deletions (
            load_id INTEGER PRIMARY KEY,        -- load_runs.load_id
            deleted_at TIMESTAMP NOT NULL,
            deleted_by VARCHAR NOT NULL
        );
        """,
    ),
    (
        "0010_corrections",
        # Analysts' corrections of a text's labels (pipelines/corrections.py). Keyed by the text, not the
        # model version, so a re-score with a new model keeps them. One current value per text and field
        # (a new one replaces it); every correction is also appended to corrections_log, whose row count
        # tells post_rollups_state that labels changed.
        """
        CREATE TABLE IF NOT EXISTS corrections (
            source VARCHAR NOT NULL,            -- social | review | survey (as in text_scores)
            item_id VARCHAR NOT NULL,
            field VARCHAR NOT NULL,             -- sentiment | topic | trust_driver
            value VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            corrected_by VARCHAR NOT NULL,
            corrected_at TIMESTAMP NOT NULL,
            PRIMARY KEY (source, item_id, field)
        );
        CREATE TABLE IF NOT EXISTS corrections_log (
            source VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            corrected_by VARCHAR NOT NULL,
            corrected_at TIMESTAMP NOT NULL
        );
        ALTER TABLE post_rollups_state ADD COLUMN IF NOT EXISTS corrections BIGINT;  -- count(*) FROM corrections_log
        -- What every metric reads: the model's scores with the corrections applied. p_* stay the model's;
        -- a corrected sentiment sets sentiment_score to -1, 0 or +1 so score-based views agree with the
        -- label; a corrected topic replaces topics with [topic] ([] for 'other').
        CREATE OR REPLACE VIEW text_labels AS
        SELECT s.source, s.item_id, s.model_version,
               coalesce(c.sentiment, s.sentiment) AS sentiment,
               s.p_negative, s.p_neutral, s.p_positive,
               CASE c.sentiment WHEN 'positive' THEN 1.0 WHEN 'negative' THEN -1.0 WHEN 'neutral' THEN 0.0
                    ELSE s.sentiment_score END AS sentiment_score,
               coalesce(c.topic, s.topic) AS topic, s.topic_score,
               coalesce(c.trust_driver, s.trust_driver) AS trust_driver, s.trust_driver_score,
               s.scored_at,
               CASE WHEN c.topic IS NULL THEN s.topics WHEN c.topic = 'other' THEN []::VARCHAR[]
                    ELSE [c.topic] END AS topics,
               c.sentiment IS NOT NULL OR c.topic IS NOT NULL OR c.trust_driver IS NOT NULL AS corrected
        FROM text_scores s
        LEFT JOIN (
            SELECT source, item_id,
                   any_value(value) FILTER (field = 'sentiment') AS sentiment,
                   any_value(value) FILTER (field = 'topic') AS topic,
                   any_value(value) FILTER (field = 'trust_driver') AS trust_driver
            FROM corrections GROUP BY source, item_id
        ) c ON c.source = s.source AND c.item_id = s.item_id;
        """,
    ),
)


def apply_migrations(con: DuckDBPyConnection) -> list[str]:
    """Apply the migrations this warehouse lacks, in order; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [name])
        applied.append(name)
    return applied
