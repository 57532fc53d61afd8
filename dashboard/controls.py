"""The global controls every page shares, kept in the URL so a view can be shared as a link.

``sidebar_filters(warehouse)`` draws the sidebar and returns a ``Filters``. On a session's first run
the controls start from the URL's query parameters (anything unknown or malformed is ignored with a
message, and the default used); after every run the URL is rewritten from the controls.

URL parameters: ``brand``, ``vs`` (competitors, repeated), ``from``/``to`` (ISO dates, inclusive),
``src`` (social|reviews|survey, repeated), ``ct``/``region``/``purpose`` (survey segments, repeated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from dashboard import data_access
from dashboard.data_access import Warehouse
from dashboard.queries.options import FilterOptions

SOURCES = ("social", "reviews", "survey")
# How long the default window is at most; shorter when the data span less than two windows.
DEFAULT_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Filters:
    """One view of the data: whose, against whom, when, from where, and which survey segments."""

    brand: str  # our brand
    competitors: tuple[str, ...]  # the competitor panel (share-of-voice denominator = brand + competitors)
    start: date  # window, inclusive
    end: date
    compare_start: date  # previous period of equal length, inclusive
    compare_end: date
    sources: tuple[str, ...]  # subset of SOURCES
    customer_types: tuple[str, ...]  # survey segments; empty tuple = all
    regions: tuple[str, ...]
    travel_purposes: tuple[str, ...]

    @property
    def brands(self) -> tuple[str, ...]:
        """Our brand first, then the competitors: the rows of every comparison."""
        return (self.brand, *self.competitors)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def window_label(self) -> str:
        return date_range_label(self.start, self.end)

    def compare_label(self) -> str:
        return date_range_label(self.compare_start, self.compare_end)


def date_range_label(start: date, end: date) -> str:
    """'21–24 Feb 2015', '28 Feb – 3 Mar 2015', '30 Dec 2014 – 2 Jan 2015', or one day."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def comparison_period(start: date, end: date) -> tuple[date, date]:
    """The period of equal length that ends the day before ``start``."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def default_window(options: FilterOptions, today: date | None = None) -> tuple[date, date]:
    """The last days of social data: DEFAULT_WINDOW_DAYS, or half the span when the data are shorter
    (the sample's 8 days of tweets give 21–24 Feb against 17–20 Feb)."""
    last = options.social_last or options.data_last or today or date.today()
    first = options.social_first or options.data_first or last
    span = (last - first).days + 1
    days = max(1, min(DEFAULT_WINDOW_DAYS, span // 2))
    return last - timedelta(days=days - 1), last


def defaults(options: FilterOptions) -> Filters:
    """The view a bare URL opens: the first panel brand against the rest of the panel, every source."""
    brand = options.panel[0] if options.panel else ""
    start, end = default_window(options)
    return make_filters(brand, tuple(b for b in options.panel if b != brand), start, end, SOURCES, (), (), ())


def make_filters(
    brand: str,
    competitors: Sequence[str],
    start: date,
    end: date,
    sources: Sequence[str],
    customer_types: Sequence[str],
    regions: Sequence[str],
    travel_purposes: Sequence[str],
) -> Filters:
    """A Filters with the comparison period derived from the window."""
    compare_start, compare_end = comparison_period(start, end)
    return Filters(
        brand,
        tuple(c for c in competitors if c != brand),
        start,
        end,
        compare_start,
        compare_end,
        tuple(s for s in SOURCES if s in sources),
        tuple(customer_types),
        tuple(regions),
        tuple(travel_purposes),
    )


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_params(params: Mapping[str, Sequence[str]], options: FilterOptions) -> tuple[Filters, list[str]]:
    """Filters from URL parameters (each a list of values), and a message per value that was ignored."""
    base = defaults(options)
    problems: list[str] = []

    def pick(name: str, allowed: Sequence[str], default: tuple[str, ...]) -> tuple[str, ...]:
        values = list(params.get(name, []))
        if not values:
            return default
        bad = [v for v in values if v not in allowed]
        if bad:
            problems.append(f"Ignored unknown {name} in the link: {', '.join(bad)}.")
        good = tuple(v for v in values if v in allowed)
        return good or default

    brand = pick("brand", options.panel, (base.brand,))[0]
    competitors = pick("vs", options.panel, tuple(b for b in options.panel if b != brand))
    raw_start, raw_end = (next(iter(params.get(k, [])), None) for k in ("from", "to"))
    start, end = _parse_date(raw_start), _parse_date(raw_end)
    if (raw_start and start is None) or (raw_end and end is None):
        problems.append("Ignored a date in the link that is not YYYY-MM-DD.")
    start, end = start or base.start, end or base.end
    if start > end:
        problems.append("The link's window ends before it starts; using the default window.")
        start, end = base.start, base.end
    filters = make_filters(
        brand,
        competitors,
        start,
        end,
        pick("src", SOURCES, SOURCES),
        pick("ct", options.customer_types, ()),
        pick("region", options.regions, ()),
        pick("purpose", options.travel_purposes, ()),
    )
    return filters, problems


def to_params(filters: Filters) -> dict[str, str | list[str]]:
    """The URL parameters that reproduce ``filters``."""
    return {
        "brand": filters.brand,
        "vs": list(filters.competitors),
        "from": filters.start.isoformat(),
        "to": filters.end.isoformat(),
        "src": list(filters.sources),
        "ct": list(filters.customer_types),
        "region": list(filters.regions),
        "purpose": list(filters.travel_purposes),
    }


# Widgets on different pages are different widgets even with one key, and Streamlit drops a widget's
# state when a page that does not draw it runs; so the values also live under _STORE.
_STORE = "filters_store"


def _seed_session(filters: Filters) -> None:
    st.session_state[_STORE] = {
        "f_brand": filters.brand,
        "f_vs": list(filters.competitors),
        "f_window": (filters.start, filters.end),
        "f_src": list(filters.sources),
        "f_ct": list(filters.customer_types),
        "f_region": list(filters.regions),
        "f_purpose": list(filters.travel_purposes),
    }


def _restore_widgets() -> None:
    # Writing a key's own value back marks it as set by the app, which carries it over to this page's
    # widget of the same key; a key dropped on a page without the controls comes from the store.
    for key, value in st.session_state[_STORE].items():
        st.session_state[key] = st.session_state.get(key, value)


def _remember_widgets() -> None:
    st.session_state[_STORE] = {key: st.session_state[key] for key in st.session_state[_STORE]}


def sidebar_filters(warehouse: Warehouse) -> Filters:
    """Draw the global controls in the sidebar, keep them in the URL, and return the chosen view."""
    options = data_access.filter_options(warehouse)
    if not options.panel:
        st.info("No brands in the competitor panel yet: load data or a brands file first.")
        st.stop()
    if _STORE not in st.session_state or st.session_state[_STORE]["f_brand"] not in options.panel:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        filters, problems = from_params(params, options)
        for key in st.session_state.get(_STORE, {}):  # a stale view (its brand left the panel): start afresh
            st.session_state.pop(key, None)
        _seed_session(filters)
        st.session_state["f_problems"] = problems
    _restore_widgets()
    for problem in st.session_state.get("f_problems", []):
        st.sidebar.warning(problem, icon=":material/link_off:")

    side = st.sidebar
    brand = side.selectbox("Our brand", options.panel, key="f_brand")
    # A brand cannot be its own competitor: drop it before the widget validates its value.
    st.session_state["f_vs"] = [c for c in st.session_state.get("f_vs", []) if c != brand and c in options.panel]
    competitors = side.multiselect(
        "Competitor panel",
        [b for b in options.panel if b != brand],
        key="f_vs",
        help="Brands compared with ours; share of voice is over our brand and these.",
    )
    window = side.date_input(
        "Window",
        key="f_window",
        min_value=options.data_first,
        max_value=options.data_last,
        format="YYYY-MM-DD",
        help="Inclusive. Compared with the previous period of equal length.",
    )
    picked = [d for d in (window if isinstance(window, tuple | list) else (window,)) if isinstance(d, date)]
    start = picked[0] if picked else defaults(options).start
    end = picked[-1] if picked else defaults(options).end
    sources = side.multiselect("Sources", SOURCES, key="f_src")
    with side.expander("Survey segments (all when empty)"):
        customer_types = st.multiselect("Customer type", options.customer_types, key="f_ct")
        regions = st.multiselect("Region", options.regions, key="f_region")
        purposes = st.multiselect("Travel purpose", options.travel_purposes, key="f_purpose")
    filters = make_filters(brand, competitors, start, end, sources, customer_types, regions, purposes)
    side.caption(f"Window {filters.window_label()}, compared with {filters.compare_label()}.")
    _remember_widgets()
    st.query_params.from_dict(to_params(filters))
    return filters
