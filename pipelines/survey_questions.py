"""The canonical survey answers and how a survey-tool question is recognised as one of them.

A Qualtrics or SurveyMonkey export names columns by question text ("How likely is it that you
would recommend ...?") or by matrix statement ("... - Is transparent and honest"); `pattern` is
matched case-insensitively against that text. `question` is the wording the sample survey uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SurveyAnswer:
    """One canonical survey answer column."""

    name: str
    question: str
    pattern: str
    low: int | None = None  # None for free text
    high: int | None = None

    def matches(self, question_text: str) -> bool:
        return re.search(self.pattern, question_text, flags=re.IGNORECASE | re.DOTALL) is not None


TRUST_PROMPT = (
    "How much do you agree with the following statements about [brand]? (1 = strongly disagree, 9 = strongly agree)"
)
DRIVER_PROMPT = "Thinking of your most recent flight, how would you rate [brand] on each of the following? (1 = very poor, 5 = excellent)"

SURVEY_ANSWERS: tuple[SurveyAnswer, ...] = (
    SurveyAnswer(
        "trust",
        "How much do you trust [brand] to do what is right? (1 = do not trust them at all, 9 = trust them a great deal)",
        r"trust .* to do what is right",
        1,
        9,
    ),
    SurveyAnswer(
        "trust_quality", f"{TRUST_PROMPT} - Offers high-quality products and services", r"- *offers high.quality", 1, 9
    ),
    SurveyAnswer("trust_transparency", f"{TRUST_PROMPT} - Is transparent and honest", r"- *is transparent", 1, 9),
    SurveyAnswer("trust_employees", f"{TRUST_PROMPT} - Treats its employees well", r"- *treats its employees", 1, 9),
    SurveyAnswer("trust_society", f"{TRUST_PROMPT} - Is good for society", r"- *is good for society", 1, 9),
    SurveyAnswer("trust_data", f"{TRUST_PROMPT} - Protects my personal data", r"- *protects my (personal )?data", 1, 9),
    SurveyAnswer(
        "nps",
        "How likely is it that you would recommend [brand] to a friend or colleague? (0 = not at all likely, 10 = extremely likely)",
        r"likely .*recommend",
        0,
        10,
    ),
    SurveyAnswer(
        "csat",
        "Overall, how satisfied are you with your most recent flight with [brand]? (1 = very dissatisfied, 5 = very satisfied)",
        r"how satisfied",
        1,
        5,
    ),
    SurveyAnswer("drv_booking", f"{DRIVER_PROMPT} - Booking", r"rate .* - *booking", 1, 5),
    SurveyAnswer("drv_checkin", f"{DRIVER_PROMPT} - Check-in", r"rate .* - *check.?in", 1, 5),
    SurveyAnswer("drv_ontime", f"{DRIVER_PROMPT} - On-time performance", r"rate .* - *on.?time", 1, 5),
    SurveyAnswer("drv_staff", f"{DRIVER_PROMPT} - Staff", r"rate .* - *staff", 1, 5),
    SurveyAnswer("drv_comfort", f"{DRIVER_PROMPT} - Comfort", r"rate .* - *comfort", 1, 5),
    SurveyAnswer("drv_value", f"{DRIVER_PROMPT} - Value for money", r"rate .* - *value for money", 1, 5),
    SurveyAnswer(
        "comment",
        "Is there anything else you would like to tell us about [brand]? (optional)",
        r"anything else .* tell us",
    ),
)

# Respondent-level fields that survey tools carry as embedded data / custom variables.
SURVEY_SEGMENTS: tuple[str, ...] = ("customer_type", "region", "travel_purpose")
