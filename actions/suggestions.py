"""Which intents to offer when a message is unclear ("您是不是说……?"), as plain functions."""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence

# Never offered: the fallback itself, "none of these", and bare yes/no, which mean nothing alone.
NOT_OFFERED = frozenset({"nlu_fallback", "out_of_scope", "affirm", "deny"})
RETRIEVAL_INTENT = "faq"
NONE_OF_THESE_PAYLOAD = "/out_of_scope"


@dataclass(frozen=True)
class AffirmationTexts:
    """The `affirmation` section of the domain: question templates and intent labels."""

    question_one: str
    question_two: str
    none_of_these: str
    labels: Mapping[str, str]

    @classmethod
    def from_domain(cls, domain: Mapping[str, Any]) -> "AffirmationTexts":
        """Reads the section from a domain dict; raises ValueError naming what is missing."""
        section = domain.get("affirmation") or {}
        missing = [
            key
            for key in ("question_one", "question_two", "none_of_these", "labels")
            if not section.get(key)
        ]
        if missing:
            raise ValueError(f"domain.yml 'affirmation' section lacks: {', '.join(missing)}")
        return cls(
            question_one=section["question_one"],
            question_two=section["question_two"],
            none_of_these=section["none_of_these"],
            labels=dict(section["labels"]),
        )


def _candidate_key(name: str, response_selector: Mapping[str, Any]) -> str | None:
    """The label key for an intent: `faq/<topic>` for the retrieval intent, else the name."""
    if name != RETRIEVAL_INTENT:
        return name
    response = (response_selector.get(RETRIEVAL_INTENT) or {}).get("response") or {}
    key = response.get("intent_response_key")
    return key or None


def choose_candidates(
    intent_ranking: Sequence[Mapping[str, Any]],
    response_selector: Mapping[str, Any],
    labels: Mapping[str, str],
    max_candidates: int = 2,
    second_ratio: float = 0.5,
) -> List[str]:
    """Picks the one or two most likely intents worth offering, most likely first.

    The second is offered only when its confidence is at least `second_ratio` times the
    first's, i.e. when the model really hesitates between the two. Intents without a
    label are skipped: a visitor cannot choose what we cannot name.
    """
    chosen: List[str] = []
    top_confidence = 0.0
    for item in intent_ranking:
        name = item.get("name")
        confidence = float(item.get("confidence") or 0.0)
        if not name or name in NOT_OFFERED:
            continue
        key = _candidate_key(name, response_selector)
        if key is None or key not in labels or key in chosen:
            continue
        if chosen and confidence < top_confidence * second_ratio:
            break
        if not chosen:
            top_confidence = confidence
        chosen.append(key)
        if len(chosen) == max_candidates:
            break
    return chosen


def affirmation_message(texts: AffirmationTexts, keys: Sequence[str]) -> Dict[str, Any]:
    """The question and its buttons for one or two candidate keys, plus "none of these".

    An FAQ topic's button sends its label as text, so the response selector picks the answer;
    any other button sends the intent itself (`/intent`).
    """
    if not 1 <= len(keys) <= 2:
        raise ValueError(f"expected one or two candidates, got {len(keys)}")
    titles = [texts.labels[key] for key in keys]
    if len(keys) == 1:
        question = texts.question_one.format(first=titles[0])
    else:
        question = texts.question_two.format(first=titles[0], second=titles[1])
    buttons = [
        {"title": title, "payload": title if "/" in key else f"/{key}"}
        for key, title in zip(keys, titles, strict=False)
    ]
    buttons.append({"title": texts.none_of_these, "payload": NONE_OF_THESE_PAYLOAD})
    return {"text": question, "buttons": buttons}
