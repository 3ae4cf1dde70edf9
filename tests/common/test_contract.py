"""The bot-desk contract's one piece of logic: what a visitor may not type."""

import pytest

from common.contract import is_desk_only


@pytest.mark.parametrize(
    "text",
    [
        "/EXTERNAL_idle",
        '/ EXTERNAL_after_hours{"working_hours":"全天"}',  # Rasa strips blanks after the slash
        "/\tEXTERNAL_no_agent",
        "/\u3000EXTERNAL_idle",  # an ideographic space, as a Chinese keyboard types it
    ],
)
def test_desk_only_intents_are_recognised_however_they_are_spaced(text: str) -> None:
    assert is_desk_only(text)


@pytest.mark.parametrize(
    "text", ["EXTERNAL_idle", "/greet", "/request_human", "外部 /EXTERNAL_idle", ""]
)
def test_everything_else_may_be_typed(text: str) -> None:
    assert not is_desk_only(text)
