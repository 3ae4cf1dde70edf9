from typing import Any, Dict

import pytest

from actions.fallback import ActionDefaultAskAffirmation, ActionDefaultFallback
from actions.suggestions import AffirmationTexts, affirmation_message, choose_candidates
from tests.conftest import user_event

LABELS = {"request_human": "转人工客服", "complain": "投诉", "faq/business_hours": "客服工作时间"}
FAQ_SELECTION = {"faq": {"response": {"intent_response_key": "faq/business_hours"}}}


def ranking(*pairs: Any) -> list:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_every_intent_has_a_label(domain: Dict[str, Any]) -> None:
    """out_of_scope is "none of these"; faq is labelled by topic (next test); the desk's
    EXTERNAL_ intents are never predicted from text, so never offered."""
    labels = AffirmationTexts.from_domain(domain).labels
    unlabelled = [
        i
        for i in domain["intents"]
        if i not in labels and i not in ("out_of_scope", "faq") and not i.startswith("EXTERNAL_")
    ]
    assert unlabelled == []


def test_every_faq_topic_has_a_label(domain: Dict[str, Any]) -> None:
    labels = AffirmationTexts.from_domain(domain).labels
    topics = [r.removeprefix("utter_") for r in domain["responses"] if r.startswith("utter_faq/")]
    assert sorted(topics) == sorted(key for key in labels if key.startswith("faq/"))


def test_a_domain_without_the_section_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="question_one, question_two, none_of_these, labels"):
        AffirmationTexts.from_domain({})


def test_one_clear_candidate() -> None:
    keys = choose_candidates(
        ranking(("nlu_fallback", 0.5), ("complain", 0.45), ("greet", 0.1)), {}, LABELS
    )
    assert keys == ["complain"]


def test_two_close_candidates() -> None:
    keys = choose_candidates(
        ranking(("request_human", 0.4), ("complain", 0.35), ("greet", 0.1)), {}, LABELS
    )
    assert keys == ["request_human", "complain"]


def test_second_is_dropped_when_far_behind() -> None:
    keys = choose_candidates(ranking(("request_human", 0.4), ("complain", 0.19)), {}, LABELS)
    assert keys == ["request_human"]


def test_faq_is_offered_by_topic() -> None:
    keys = choose_candidates(ranking(("faq", 0.4), ("complain", 0.3)), FAQ_SELECTION, LABELS)
    assert keys == ["faq/business_hours", "complain"]


TOPIC_LABELS = {
    **LABELS,
    "faq/website_security": "网站安全吗",
    "faq/how_to_use": "网站怎么操作",
}


def topics(*pairs: Any) -> Dict[str, Any]:
    """A selector output ranking FAQ topics (name, confidence), best first."""
    ranked = [{"intent_response_key": f"faq/{name}", "confidence": c} for name, c in pairs]
    return {"faq": {"response": dict(ranked[0]), "ranking": ranked}}


def test_an_unsure_topic_offers_the_two_likeliest_topics() -> None:
    """What FaqTopicFallback leaves: the fallback first, faq at 0.7, topics at 0.78 / 0.17."""
    keys = choose_candidates(
        ranking(("nlu_fallback", 0.6), ("faq", 0.7), ("complain", 0.2)),
        topics(("website_security", 0.78), ("how_to_use", 0.17), ("business_hours", 0.05)),
        TOPIC_LABELS,
    )
    assert keys == ["faq/website_security", "faq/how_to_use"]


def test_a_runner_up_topic_below_the_floor_is_not_offered() -> None:
    keys = choose_candidates(
        ranking(("faq", 0.7), ("complain", 0.2)),
        topics(("website_security", 0.95), ("how_to_use", 0.05)),
        TOPIC_LABELS,
    )
    assert keys == ["faq/website_security"]


def test_topics_weigh_as_intent_times_topic_against_other_intents() -> None:
    """faq 0.5 × 0.6 = 0.3 < complain 0.45: the complaint comes first."""
    keys = choose_candidates(
        ranking(("faq", 0.5), ("complain", 0.45)),
        topics(("website_security", 0.6), ("how_to_use", 0.4)),
        TOPIC_LABELS,
    )
    assert keys == ["complain", "faq/website_security"]


@pytest.mark.parametrize(
    "items",
    [
        ranking(("nlu_fallback", 0.5), ("out_of_scope", 0.4), ("affirm", 0.3), ("deny", 0.2)),
        ranking(("greet", 0.5)),  # no label for greet in LABELS
        ranking(("faq", 0.5)),  # faq without a selected topic
        [],
    ],
)
def test_nothing_worth_offering(items: list) -> None:
    assert choose_candidates(items, {}, LABELS) == []


def test_message_for_one_candidate(domain: Dict[str, Any]) -> None:
    texts = AffirmationTexts.from_domain(domain)
    message = affirmation_message(texts, ["complain"])
    assert message == {
        "text": texts.question_one.format(first=texts.labels["complain"]),
        "buttons": [
            {"title": texts.labels["complain"], "payload": "/complain"},
            {"title": texts.none_of_these, "payload": "/out_of_scope"},
        ],
    }


def test_message_for_two_candidates_sends_faq_labels_as_text(domain: Dict[str, Any]) -> None:
    texts = AffirmationTexts.from_domain(domain)
    message = affirmation_message(texts, ["request_human", "faq/business_hours"])
    faq_label = texts.labels["faq/business_hours"]
    assert message == {
        "text": texts.question_two.format(first=texts.labels["request_human"], second=faq_label),
        "buttons": [
            {"title": texts.labels["request_human"], "payload": "/request_human"},
            {"title": faq_label, "payload": faq_label},
            {"title": texts.none_of_these, "payload": "/out_of_scope"},
        ],
    }


def test_the_question_quotes_the_standard(domain: Dict[str, Any]) -> None:
    texts = AffirmationTexts.from_domain(domain)
    assert texts.question_one.startswith("您是不是说")
    assert texts.none_of_these == "都不是"


@pytest.mark.parametrize("count", [0, 3])
def test_message_needs_one_or_two_candidates(domain: Dict[str, Any], count: int) -> None:
    with pytest.raises(ValueError):
        affirmation_message(AffirmationTexts.from_domain(domain), ["complain"] * count)


def test_ask_affirmation_action_offers_the_candidates(dispatcher, tracker_factory, domain) -> None:
    event = user_event(
        "那个我想问下人工",
        "nlu_fallback",
        0.5,
        intent_ranking=ranking(("nlu_fallback", 0.5), ("request_human", 0.42), ("greet", 0.3)),
    )
    events = ActionDefaultAskAffirmation().run(dispatcher, tracker_factory(events=[event]), domain)

    texts = AffirmationTexts.from_domain(domain)
    assert events == []
    assert len(dispatcher.messages) == 1
    message = dispatcher.messages[0]
    assert message["text"] == texts.question_two.format(
        first=texts.labels["request_human"], second=texts.labels["greet"]
    )
    assert [b["payload"] for b in message["buttons"]] == [
        "/request_human",
        "/greet",
        "/out_of_scope",
    ]
    assert message["response"] is None


def test_ask_affirmation_without_candidates_asks_to_rephrase(
    dispatcher, tracker_factory, domain
) -> None:
    event = user_event("？？", "nlu_fallback", 0.5, intent_ranking=ranking(("nlu_fallback", 0.5)))
    events = ActionDefaultAskAffirmation().run(dispatcher, tracker_factory(events=[event]), domain)

    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_default_fallback_leaves_the_reply_to_the_rules(
    dispatcher, tracker_factory, domain
) -> None:
    assert ActionDefaultFallback().run(dispatcher, tracker_factory(), domain) == []
    assert dispatcher.messages == []
