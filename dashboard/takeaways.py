"""Written takeaways for the Overview, built from the numbers by fixed templates.

Each function returns one sentence or None (nothing worth saying). Changes are called changes only
when dashboard.metrics.change() says they exceed the noise. Brand and topic names come from data:
the page renders these sentences as plain text.
"""

from __future__ import annotations

import pandas as pd

from dashboard.metrics import Change, Metric
from dashboard.summaries import Reputation, SpikeStory, counts_differ, pct_change


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.0f}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} %"


def net_sentiment(brand: str, now: Reputation, before: Reputation, change: Change, compare: str, drivers: pd.DataFrame) -> str | None:
    """'Net sentiment for United fell 12 points (−18 → −30) vs 17–20 Feb 2015, driven by Late flight complaints (+38 %).'

    ``drivers`` is summaries.topic_shifts(..., 'negative'): the topic whose negative posts grew most
    explains a fall; the one whose negative posts shrank most explains a rise.
    """
    if now.net.value is None:
        return None
    if not change.significant or change.delta is None or before.net.value is None:
        return (
            f"Net sentiment for {brand} is {_signed(now.net.value)} (neutral {_pct(now.neutral.value)}), "
            f"no change beyond noise vs {compare} ({_signed(before.net.value)})."
        )
    verb = "rose" if change.delta > 0 else "fell"
    sentence = f"Net sentiment for {brand} {verb} {abs(change.delta):.0f} points ({_signed(before.net.value)} → {_signed(now.net.value)}) vs {compare}"
    named = drivers[drivers["topic"] != "other"].sort_values("change", ascending=change.delta > 0, kind="stable")
    # A fall is explained by the topic whose complaints grew most, a rise by the one whose complaints shrank most.
    if len(named) and (named.iloc[0]["change"] > 0) == (change.delta < 0) and named.iloc[0]["change"] != 0:
        driver = named.iloc[0]
        rel = driver["change %"]
        size = f"{rel:+.0f} %" if rel is not None and pd.notna(rel) else f"{int(driver['change']):+d} posts"
        word = "driven by" if change.delta < 0 else "helped by fewer"
        sentence += f", {word} {driver['topic']} complaints ({size})"
    return sentence + "."


def ranking(brand: str, reps: list[Reputation]) -> str | None:
    """Where our brand ranks in the panel on net sentiment, and who leads."""
    ranked = sorted((r for r in reps if r.net.value is not None), key=lambda r: -(r.net.value or 0.0))
    if len(ranked) < 2 or brand not in [r.brand for r in ranked]:
        return None
    place = [r.brand for r in ranked].index(brand) + 1
    ours = ranked[place - 1]
    if place == 1:
        return (
            f"{brand} leads the {len(ranked)}-brand panel on net sentiment ({_signed(ours.net.value)}); "
            f"next is {ranked[1].brand} ({_signed(ranked[1].net.value)})."
        )
    return (
        f"{brand} ranks {ordinal(place)} of {len(ranked)} on net sentiment ({_signed(ours.net.value)}); "
        f"{ranked[0].brand} leads at {_signed(ranked[0].net.value)}."
    )


def volume(brand: str, now: Reputation, before: Reputation, compare: str) -> str:
    """Mentions and share of voice, with the change only when it exceeds Poisson noise."""
    sov = _pct(now.sov.value)
    if counts_differ(now.mentions, before.mentions):
        rel = pct_change(now.mentions, before.mentions)
        verb = "rose" if now.mentions > before.mentions else "fell"
        size = f" {abs(rel):.0f} %" if rel is not None else ""
        return f"Mentions of {brand} {verb}{size} ({before.mentions:,} → {now.mentions:,}) vs {compare}; share of voice {sov}."
    return f"Mentions of {brand} held at {now.mentions:,} (no change beyond noise vs {compare}); share of voice {sov}."


def survey(brand: str, trust: Metric | None, trust_change: Change | None, nps: Metric | None, wave: str, previous_wave: str) -> str | None:
    """Trust and NPS in the survey waves of the window (``wave``, e.g. "Feb 2015 wave"), against the waves before."""
    if trust is None or trust.value is None:
        return None
    if trust_change is not None and trust_change.significant and trust_change.delta is not None:
        moved = f"{'up' if trust_change.delta > 0 else 'down'} {abs(trust_change.delta):.0f} points vs {previous_wave}"
    else:
        moved = f"no change beyond noise vs {previous_wave}"
    tail = f"; NPS {_signed(nps.value)}" if nps is not None and nps.value is not None else ""
    return f"{_pct(trust.value)} trust {brand} in the {wave} of the survey (n = {trust.n:,}), {moved}{tail}."


def alerts(brand: str, stories: list[tuple[str, pd.Timestamp, SpikeStory]]) -> str:
    """How many spike alerts fired in the window, and what the biggest was about."""
    if not stories:
        return f"No volume or negativity spikes for {brand} in the window."
    kind, when, story = max(stories, key=lambda s: s[2].posts)
    many = f"{len(stories)} spike alerts" if len(stories) > 1 else "1 spike alert"
    return f"{many} for {brand} in the window; the largest ({kind}, {when:%d %b %H:%M}): {story.headline()}."
