"""The views that go into the board pack: every chart of the Overview, Reputation, Trust, Customer
experience and Perception-gap pages for the current filters, in page order.

Built only when someone clicks the download button, so no page pays for it while it draws.
"""

from __future__ import annotations

from contextlib import suppress

from dashboard import reputation_views, survey_views, views
from dashboard.controls import Filters
from dashboard.data_access import Warehouse
from dashboard.export import View


def board_views(warehouse: Warehouse, filters: Filters) -> list[View]:
    """One View per slide; survey slides only when the survey is among the sources and has a wave."""
    data = views.overview_data(warehouse, filters)
    out = [
        views.net_sentiment_view(warehouse, data, filters),
        views.volume_view(warehouse, data, filters),
        reputation_views.net_sentiment_trend_view(warehouse, data, filters),
        reputation_views.share_of_voice_view(warehouse, data, filters),
        reputation_views.topics_view(warehouse, data, filters),
    ]
    survey = survey_views.survey_data(warehouse, filters)
    if survey is not None:
        out += [
            survey_views.trust_trend_view(warehouse, survey, filters),
            survey_views.trust_by_brand_view(warehouse, survey, filters),
            survey_views.wave_trend_view(warehouse, survey, filters, "nps"),
            survey_views.wave_trend_view(warehouse, survey, filters, "csat"),
        ]
        for outcome in ("trust", "csat"):
            # Too few complete answers for a driver analysis: no slide rather than a wrong one.
            with suppress(ValueError):
                table = survey_views.key_drivers(warehouse, filters, outcome)
                out.append(survey_views.drivers_view(table, survey, filters, outcome))
    out.append(reputation_views.perception(warehouse, filters, whole_history=True)[0])
    return out


def title(filters: Filters) -> tuple[str, str]:
    """The cover slide's title and subtitle."""
    return (
        f"{filters.brand}: trust, reputation and customer experience",
        f"{filters.window_label()} vs {filters.compare_label()} · against {', '.join(filters.competitors) or 'no competitors'} · Signalboard",
    )
