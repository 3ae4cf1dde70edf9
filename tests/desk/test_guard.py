"""What a visitor's socket may send: valid text, offered payloads only, a stable identity."""

import pytest

from desk.guard import for_rasa, is_payload, is_valid_text, token_digest, visitor_id


@pytest.mark.parametrize(
    ("text", "offered", "expected"),
    [
        ("你好", [], "你好"),
        ("/greet", [], "/greet"),  # the desk's own opening
        ("/leave_queue", [], "/leave_queue"),  # the queue's button
        ('/choose{"verification_method":"address"}', ['/choose{"verification_method":"address"}'],
         '/choose{"verification_method":"address"}'),
        # Not offered: the intent name and entities reach NLU as words, never as a payload
        ('/inform{"account_number":"1234567890"}', [], 'inform{"account_number":"1234567890"}'),
        ('/choose{"verification_method":"name"}', ['/choose{"verification_method":"address"}'],
         'choose{"verification_method":"name"}'),
        ("/ EXTERNAL_after_hours", [], "EXTERNAL_after_hours"),
        ("\t/affirm", [], "affirm"),
        ("\u3000／affirm", [], "affirm"),  # U+3000 and a full-width slash
        ("／／ affirm", [], "affirm"),
        ("/ 我要投诉", [], "我要投诉"),
        ("/", [], ""),
        ("1/2 的价格", [], "1/2 的价格"),  # a slash inside text is text
    ],
)  # fmt: skip
def test_only_offered_payloads_reach_rasa_as_payloads(
    text: str, offered: list[str], expected: str
) -> None:
    sent = for_rasa(text, offered)
    assert sent == expected
    assert sent in offered or sent in ("/greet", "/leave_queue") or not is_payload(sent)


def test_lone_surrogates_are_not_valid_text() -> None:
    assert is_valid_text("你好😀")
    assert not is_valid_text("abc\ud800")
    assert not is_valid_text("\udc00x")


def test_the_visitor_id_follows_the_browser_and_never_shows_the_token() -> None:
    browser = "a" * 48
    assert visitor_id(browser, "token-1") == visitor_id(browser, "token-2")  # a new chat
    assert visitor_id(None, "token-1") != visitor_id(None, "token-2")
    assert visitor_id("short", "token-1") == visitor_id(None, "token-1")  # not a valid id
    assert visitor_id({"x": 1}, "token-1") == visitor_id(None, "token-1")
    assert "token-1" not in visitor_id(None, "token-1")
    assert len(visitor_id(browser, "t")) == 32


def test_a_token_digest_is_stable_and_not_the_token() -> None:
    assert token_digest("secret") == token_digest("secret") != "secret"
    assert "secret" not in token_digest("secret")
