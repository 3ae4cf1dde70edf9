from typing import Any, Dict, List

import pytest
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.nlu.faq_topic_fallback import FaqTopicFallback, answer_confidence


def selector(*topics: Any) -> Dict[str, Any]:
    """The ResponseSelector's output for `faq` with (topic, confidence) pairs, best first."""
    ranking = [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in topics]
    return {"faq": {"response": dict(ranking[0]), "ranking": ranking}}


def message(intent: str, confidence: float, selection: Dict[str, Any]) -> Message:
    ranking: List[Dict[str, Any]] = [
        {"name": intent, "confidence": confidence},
        {"name": "complain", "confidence": 1 - confidence},
    ]
    return Message(
        data={
            "text": "付完款第二天能收到吗",
            "intent": dict(ranking[0]),
            "intent_ranking": ranking,
            "response_selector": selection,
        }
    )


def test_answer_confidence_is_intent_times_topic() -> None:
    intent = {"name": "faq", "confidence": 0.7}
    assert answer_confidence(intent, selector(("a", 0.78), ("b", 0.17)), "faq") == pytest.approx(
        0.546
    )


@pytest.mark.parametrize(
    "intent, selection",
    [
        ({"name": "complain", "confidence": 0.3}, selector(("a", 0.2))),  # another intent won
        ({"name": "faq", "confidence": 0.9}, {}),  # the selector had nothing
        ({"name": "faq", "confidence": 0.9}, {"faq": {"response": {}}}),
    ],
)
def test_nothing_to_doubt(intent: Dict[str, Any], selection: Dict[str, Any]) -> None:
    assert answer_confidence(intent, selection, "faq") is None


def test_an_unsure_topic_becomes_the_fallback_and_keeps_the_ranking() -> None:
    component = FaqTopicFallback({"threshold": 0.6})
    [processed] = component.process([message("faq", 0.7, selector(("a", 0.78), ("b", 0.17)))])
    assert processed.get("intent") == {"name": "nlu_fallback", "confidence": 0.6}
    assert [item["name"] for item in processed.get("intent_ranking")] == [
        "nlu_fallback",
        "faq",
        "complain",
    ]
    # the selector's ranking is left for the question's buttons
    assert processed.get("response_selector")["faq"]["ranking"][1]["intent_response_key"] == (
        "faq/b"
    )


@pytest.mark.parametrize(
    "intent, confidence, topics",
    [
        ("faq", 0.95, (("a", 0.99), ("b", 0.01))),  # sure of both
        ("faq", 0.6, (("a", 1.0),)),  # exactly at the threshold answers
        ("complain", 0.5, (("a", 0.3),)),  # not a question: the FallbackClassifier's business
    ],
)
def test_a_sure_answer_or_another_intent_is_left_alone(
    intent: str, confidence: float, topics: Any
) -> None:
    original = message(intent, confidence, selector(*topics))
    before = dict(original.get("intent"))
    [processed] = FaqTopicFallback({"threshold": 0.6}).process([original])
    assert processed.get("intent") == before
    assert processed.get("intent_ranking")[0]["name"] == intent


def test_the_threshold_comes_from_the_config() -> None:
    unsure = message("faq", 0.9, selector(("a", 0.8)))
    [kept] = FaqTopicFallback({"threshold": 0.7}).process([unsure])
    assert kept.get("intent")["name"] == "faq"
    [asked] = FaqTopicFallback({"threshold": 0.75}).process(
        [message("faq", 0.9, selector(("a", 0.8)))]
    )
    assert asked.get("intent")["name"] == "nlu_fallback"
