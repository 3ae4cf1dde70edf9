import pytest
from rasa_sdk.events import SlotSet

from actions.insult import ActionRegisterInsult, insult_level


@pytest.mark.parametrize(("count", "level"), [(1, "first"), (2, "repeated"), (7, "repeated")])
def test_insult_level(count: int, level: str) -> None:
    assert insult_level(count) == level


@pytest.mark.parametrize(
    ("before", "after", "level"),
    [(None, 1.0, "first"), (0.0, 1.0, "first"), (1.0, 2.0, "repeated"), (2.0, 3.0, "repeated")],
)
def test_each_insult_is_counted(
    before, after: float, level: str, dispatcher, tracker_factory, domain
) -> None:
    tracker = tracker_factory(slots={"insult_count": before})

    events = ActionRegisterInsult().run(dispatcher, tracker, domain)

    assert events == [SlotSet("insult_count", after), SlotSet("insult_level", level)]
    assert dispatcher.messages == []


def test_the_slot_values_exist_in_the_domain(domain) -> None:
    assert domain["slots"]["insult_level"]["values"] == ["first", "repeated"]
