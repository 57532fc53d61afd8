"""A seeded, synthetic brand-trust and customer-experience survey of six US airlines.

Not real respondents. It exists so the trust and CX views have something believable to show
next to the real tweets and reviews, written in real survey-tool export layouts so the same
ingest path that serves customers' Qualtrics and SurveyMonkey files is exercised.

Each respondent has a latent experience; the six service-driver ratings (1-5) are brand means
plus that experience plus noise. CSAT and NPS follow a weighted experience (on-time performance
and staff weigh most), and trust (1-9) follows experience plus a brand reputation offset.
Intended brand differences (roughly 2015 reputations, consistent with the tweets' tone):

| brand          | story                                       | trust % | NPS | CSAT t2b |
|----------------|---------------------------------------------|---------|-----|----------|
| Virgin America | best liked: staff and comfort high          | 71      | +28 | 81 %     |
| Southwest      | loved for staff and value, plain comfort    | 68      | +24 | 76 %     |
| Delta          | solid, best on-time, improving over the year | 53      | +11 | 62 %     |
| American       | middling on everything                      | 41      | -16 | 40 %     |
| United         | weak on-time and staff; trust falls to ~17 % in Jan-Feb 2015 | 31 | -27 | 28 % |
| US Airways     | merger disruption: booking, check-in, on-time | 24    | -36 | 20 %     |

(Figures over all 12 waves for seed 2015; see tests/test_survey.py.)
Segments: business travellers are harsher on on-time performance, first-time flyers kinder.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.survey_questions import SURVEY_ANSWERS, SURVEY_SEGMENTS

BRANDS: tuple[str, ...] = ("United", "US Airways", "American", "Southwest", "Delta", "Virgin America")
DRIVERS = ("drv_booking", "drv_checkin", "drv_ontime", "drv_staff", "drv_comfort", "drv_value")
DRIVER_WEIGHTS = np.array([0.10, 0.10, 0.25, 0.25, 0.15, 0.15])
TRUST_ITEMS = ("trust_quality", "trust_transparency", "trust_employees", "trust_society", "trust_data")


@dataclass(frozen=True)
class BrandProfile:
    drivers: tuple[float, ...]  # mean rating per driver, in DRIVERS order
    reputation: float  # trust offset on the 1-9 scale
    trend: float = 0.0  # change in every driver per wave
    late_trust_drop: float = 0.0  # trust change in the last two waves


PROFILES = {
    "Virgin America": BrandProfile((4.2, 4.1, 3.8, 4.4, 4.4, 3.9), 0.9),
    "Southwest": BrandProfile((4.0, 4.0, 3.7, 4.4, 3.5, 4.4), 0.7),
    "Delta": BrandProfile((3.6, 3.6, 3.8, 3.5, 3.5, 3.3), 0.2, trend=0.03),
    "American": BrandProfile((3.5, 3.4, 3.3, 3.3, 3.3, 3.3), -0.2),
    "United": BrandProfile((3.4, 3.3, 2.8, 3.0, 3.3, 3.1), -0.3, late_trust_drop=-0.9),
    "US Airways": BrandProfile((2.8, 2.6, 2.8, 3.0, 3.0, 3.1), -0.8),
}
SEGMENT_MIX = {  # brand -> (customer_type, region, travel_purpose) probabilities
    "default": ((0.35, 0.50, 0.15), (0.22, 0.22, 0.20, 0.20, 0.16), (0.30, 0.50, 0.20)),
    "Southwest": ((0.30, 0.52, 0.18), (0.10, 0.18, 0.27, 0.17, 0.28), (0.22, 0.58, 0.20)),
    "Virgin America": ((0.30, 0.50, 0.20), (0.15, 0.05, 0.05, 0.65, 0.10), (0.30, 0.55, 0.15)),
    "Delta": ((0.45, 0.43, 0.12), (0.20, 0.40, 0.18, 0.12, 0.10), (0.40, 0.42, 0.18)),
    "United": ((0.45, 0.43, 0.12), (0.25, 0.10, 0.30, 0.25, 0.10), (0.40, 0.42, 0.18)),
}
CUSTOMER_TYPES = ("Frequent flyer", "Occasional", "First-time")
REGIONS = ("Northeast", "Southeast", "Midwest", "West", "Southwest")
PURPOSES = ("Business", "Leisure", "Visiting friends or family")
COMMENTS = {
    ("drv_ontime", False): [
        "Flight was delayed two hours and nobody told us why.",
        "Late again, missed my connection.",
        "Sat on the tarmac for ninety minutes.",
        "Delays every single trip this year.",
    ],
    ("drv_ontime", True): [
        "Left on time and landed early.",
        "Right on schedule both ways.",
        "On time, which is all I really ask.",
    ],
    ("drv_staff", False): [
        "The gate agent was rude and unhelpful.",
        "Crew seemed like they did not want to be there.",
        "Nobody at the desk could answer a simple question.",
    ],
    ("drv_staff", True): [
        "Crew were lovely, really made the trip.",
        "Flight attendants were friendly and helpful.",
        "The agent at the gate went out of her way to rebook me.",
    ],
    ("drv_comfort", False): ["Seats were cramped and the cabin was dirty.", "No legroom at all on a four hour flight."],
    ("drv_comfort", True): ["Comfortable seats and a clean cabin.", "Loved the mood lighting and the legroom."],
    ("drv_value", False): ["Way too expensive for what you get.", "Bag fees on top of a pricey ticket."],
    ("drv_value", True): ["Great fare and bags fly free.", "Good value for the price."],
    ("drv_booking", False): ["The website kept crashing when I tried to book.", "Booking was confusing and slow."],
    ("drv_booking", True): ["Booking online was quick and easy.", "The app made booking simple."],
    ("drv_checkin", False): ["Check-in line took forever.", "Kiosks were broken and the queue was huge."],
    ("drv_checkin", True): ["Check-in took two minutes.", "Mobile boarding pass worked perfectly."],
}


def _waves(waves: int, last_wave: str) -> list[pd.Timestamp]:
    last = pd.Timestamp(f"{last_wave}-01", tz="UTC")
    return [last - pd.DateOffset(months=k) for k in range(waves - 1, -1, -1)]


def generate_responses(
    seed: int = 2015, waves: int = 12, last_wave: str = "2015-02", per_brand_wave: tuple[int, int] = (200, 320)
) -> pd.DataFrame:
    """One row per synthetic respondent: ids, brand, time, segments and every canonical answer."""
    rng = np.random.default_rng(seed)
    frames = []
    wave_starts = _waves(waves, last_wave)
    for w, start in enumerate(wave_starts):
        for brand in BRANDS:
            n = int(rng.integers(per_brand_wave[0], per_brand_wave[1] + 1))
            frames.append(_wave_block(rng, brand, PROFILES[brand], start, w, waves, n))
    out = pd.concat(frames, ignore_index=True)
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    out.insert(0, "respondent_id", ["R_" + "".join(rng.choice(alphabet, 15)) for _ in range(len(out))])
    return out


def _wave_block(
    rng: np.random.Generator, brand: str, profile: BrandProfile, start: pd.Timestamp, w: int, waves: int, n: int
) -> pd.DataFrame:
    mix = SEGMENT_MIX.get(brand, SEGMENT_MIX["default"])
    ctype = rng.choice(len(CUSTOMER_TYPES), n, p=mix[0])
    region = rng.choice(len(REGIONS), n, p=mix[1])
    purpose = rng.choice(len(PURPOSES), n, p=mix[2])
    experience = rng.normal(0, 0.6, n) + np.where(ctype == 2, 0.2, 0.0)
    means = np.array(profile.drivers) + profile.trend * w
    ratings = means[None, :] + 0.7 * experience[:, None] + rng.normal(0, 0.6, (n, len(DRIVERS)))
    ratings[:, 2] -= np.where(purpose == 0, 0.3, 0.0)  # business travellers mind delays most
    ratings = np.clip(np.rint(ratings), 1, 5)
    x = ratings @ DRIVER_WEIGHTS
    csat = np.clip(np.rint(x + rng.normal(0, 0.5, n)), 1, 5)
    nps = np.clip(np.rint(1.4 * x + 2.5 + rng.normal(0, 1.5, n)), 0, 10)
    drop = profile.late_trust_drop if w >= waves - 2 else 0.0
    trust_latent = 5.3 + 0.6 * (x - 3.4) + 0.8 * profile.reputation + drop + rng.normal(0, 1.6, n)
    trust = np.clip(np.rint(trust_latent), 1, 9)
    block = pd.DataFrame(
        {
            "brand": brand,
            "responded_at": start
            + pd.to_timedelta(rng.uniform(0, start.days_in_month * 86400, n).astype(int), unit="s"),
            "customer_type": np.array(CUSTOMER_TYPES)[ctype],
            "region": np.array(REGIONS)[region],
            "travel_purpose": np.array(PURPOSES)[purpose],
            "trust": trust,
        }
    )
    for k, item in enumerate(TRUST_ITEMS):
        # Data protection is judged apart from the flying experience, so it follows trust less.
        weight = 0.5 if item == "trust_data" else 0.85
        block[item] = np.clip(
            np.rint(weight * trust_latent + (1 - weight) * 5.5 + rng.normal(0, 1.2, n) - 0.1 * k), 1, 9
        )
    block["nps"], block["csat"] = nps, csat
    for k, driver in enumerate(DRIVERS):
        block[driver] = ratings[:, k]
    for column in ("trust", *TRUST_ITEMS, "csat", *DRIVERS):
        block.loc[rng.random(n) < 0.03, column] = np.nan
    block.loc[rng.random(n) < 0.01, "nps"] = np.nan
    block["comment"] = [_comment(rng, r) if rng.random() < 0.25 else "" for r in ratings]
    answers = [a.name for a in SURVEY_ANSWERS if a.low is not None]
    block[answers] = block[answers].astype("Int64")
    return block


def _comment(rng: np.random.Generator, ratings: np.ndarray) -> str:
    worst, best = int(np.argmin(ratings)), int(np.argmax(ratings))
    if ratings.mean() >= 3.6 or (ratings[best] >= 4 and rng.random() < 0.4):
        return str(rng.choice(COMMENTS[(DRIVERS[best], True)]))
    return str(rng.choice(COMMENTS[(DRIVERS[worst], False)]))


QUALTRICS_META = [  # column id, question text, import id
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "UTC"}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "UTC"}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "UTC"}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]
QUALTRICS_IDS = {
    "trust": "Q1",
    **{t: f"Q2_{i}" for i, t in enumerate(TRUST_ITEMS, 1)},
    "nps": "Q3",
    "csat": "Q4",
    **{d: f"Q5_{i}" for i, d in enumerate(DRIVERS, 1)},
    "comment": "Q6",
}
EMBEDDED = {"brand": "Brand", "customer_type": "CustomerType", "region": "Region", "travel_purpose": "TravelPurpose"}


def _cell(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def write_qualtrics(responses: pd.DataFrame, path: Path) -> None:
    """Write a Qualtrics 'CSV, use numeric values' export: 3 header rows, UTF-8 with BOM."""
    answers = list(QUALTRICS_IDS)
    ids = [m[0] for m in QUALTRICS_META] + [QUALTRICS_IDS[a] for a in answers] + list(EMBEDDED.values())
    texts = (
        [m[1] for m in QUALTRICS_META]
        + [
            next(s.question for s in SURVEY_ANSWERS if s.name == a).replace("[brand]", "${e://Field/Brand}")
            for a in answers
        ]
        + list(EMBEDDED.values())
    )
    imports = (
        [json.dumps(m[2]) for m in QUALTRICS_META]
        + [
            json.dumps({"ImportId": "QID" + QUALTRICS_IDS[a][1:] + ("_TEXT" if a == "comment" else "")})
            for a in answers
        ]
        + [json.dumps({"ImportId": e}) for e in EMBEDDED.values()]
    )
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerows([ids, texts, imports])
        for r in responses.to_dict("records"):
            end = r["responded_at"]
            duration = 300 + 2 * len(r["comment"])
            begin = end - pd.Timedelta(seconds=duration)
            meta = [
                begin.strftime("%Y-%m-%d %H:%M:%S"),
                end.strftime("%Y-%m-%d %H:%M:%S"),
                "0",
                "",
                "100",
                str(duration),
                "1",
                end.strftime("%Y-%m-%d %H:%M:%S"),
                r["respondent_id"],
                "",
                "",
                "",
                "",
                "",
                "",
                "anonymous",
                "EN",
            ]
            out.writerow(meta + [_cell(r[a]) for a in answers] + [_cell(r[e]) for e in EMBEDDED])


def write_surveymonkey(responses: pd.DataFrame, path: Path) -> None:
    """Write a SurveyMonkey 'all responses, condensed' CSV export: two header rows."""
    top = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    sub = [""] * len(top)
    previous_prompt = None
    for answer in SURVEY_ANSWERS:
        question = answer.question.replace("[brand]", "[Brand]")
        prompt, _, statement = question.partition(" - ")
        if statement:
            top.append(prompt if prompt != previous_prompt else "")
            sub.append(statement)
            previous_prompt = prompt
        else:
            top.append(question)
            sub.append("Open-Ended Response" if answer.low is None else "Response")
            previous_prompt = None
    top += ["Brand", "Customer type", "Region", "Travel purpose"]
    sub += ["Response"] * 4
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerows([top, sub])
        for i, r in enumerate(responses.to_dict("records")):
            end = r["responded_at"]
            stamp = end.strftime("%m/%d/%Y %I:%M:%S %p")
            meta = [str(11_400_000_000 + i), "431234567", stamp, stamp, "", "", "", "", ""]
            out.writerow(
                meta + [_cell(r[a.name]) for a in SURVEY_ANSWERS] + [_cell(r[s]) for s in ("brand", *SURVEY_SEGMENTS)]
            )
