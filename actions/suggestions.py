"""Which intents to offer when a message is unclear ("您是不是说……?"), as plain functions."""

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence, Tuple

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


@dataclass(frozen=True)
class Candidate:
    """An intent or FAQ topic that may be offered; `share` is a topic's own confidence."""

    key: str
    confidence: float
    share: float | None = None


def _topics(response_selector: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """The retrieval intent's topics with the selector's confidence, likeliest first."""
    selection = response_selector.get(RETRIEVAL_INTENT) or {}
    ranked = [
        (str(item["intent_response_key"]), float(item.get("confidence", 1.0)))
        for item in selection.get("ranking") or []
        if item.get("intent_response_key")
    ]
    if ranked:
        return ranked
    top = (selection.get("response") or {}).get("intent_response_key")
    return [(str(top), 1.0)] if top else []


def candidates(
    intent_ranking: Sequence[Mapping[str, Any]], response_selector: Mapping[str, Any]
) -> List[Candidate]:
    """Every offerable intent, the retrieval intent split into its topics, likeliest first.

    A topic's confidence is the intent's times the topic's: the chance that its answer is
    the one meant, comparable with the other intents' confidences.
    """
    found: List[Candidate] = []
    for item in intent_ranking:
        name = item.get("name")
        confidence = float(item.get("confidence") or 0.0)
        if not name or name in NOT_OFFERED:
            continue
        if name == RETRIEVAL_INTENT:
            found.extend(
                Candidate(key, confidence * share, share)
                for key, share in _topics(response_selector)
            )
        else:
            found.append(Candidate(name, confidence))
    return sorted(found, key=lambda candidate: -candidate.confidence)


def choose_candidates(
    intent_ranking: Sequence[Mapping[str, Any]],
    response_selector: Mapping[str, Any],
    labels: Mapping[str, str],
    max_candidates: int = 2,
    second_ratio: float = 0.5,
    topic_floor: float = 0.1,
) -> List[str]:
    """Picks the one or two most likely intents or FAQ topics worth offering, likeliest first.

    A second is offered when the model really hesitates: its confidence is at least
    `second_ratio` times the first's, or both are FAQ topics and the selector gave the second
    at least `topic_floor` (the FAQ-topic fallback asks exactly when the topic is unsure, so
    the runner-up topic is the likely answer). Keys without a label are skipped: a visitor
    cannot choose what we cannot name.
    """
    chosen: List[Candidate] = []
    for candidate in candidates(intent_ranking, response_selector):
        if candidate.key not in labels or candidate.key in (c.key for c in chosen):
            continue
        if chosen:
            first = chosen[0]
            close = candidate.confidence >= first.confidence * second_ratio
            topics_in_doubt = (
                first.share is not None
                and candidate.share is not None
                and candidate.share >= topic_floor
            )
            if not (close or topics_in_doubt):
                continue
        chosen.append(candidate)
        if len(chosen) == max_candidates:
            break
    return [candidate.key for candidate in chosen]


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
