"""The desk's own wording and the closing line it shares with the bot."""

from typing import get_args

import yaml

from common.handoff import Reason
from desk.phrases import load_phrases
from tests.conftest import ROOT


def test_closing_line_is_the_bots_with_the_company_filled_in() -> None:
    phrases = load_phrases(ROOT / "domain.yml", "家如何网")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    template = domain["responses"]["utter_closing"][0]["text"]
    assert phrases.closing == template.replace("{company_name}", "家如何网")
    assert "家如何网" in phrases.closing and "{" not in phrases.closing


def test_placeholders_are_filled() -> None:
    phrases = load_phrases(ROOT / "domain.yml", "示例网")
    assert "第3位" in phrases.say("queued", position=3)
    assert phrases.say("agent_joined", agent_id="1001", agent_name="王芳").startswith(
        "您好,1001号客服王芳"
    )


def test_every_handoff_reason_has_a_label() -> None:
    phrases = load_phrases(ROOT / "domain.yml", "示例网")
    assert set(phrases.reasons) == set(get_args(Reason))  # every reason the bot can send
    assert phrases.reason_label("complaint") == "投诉"
    assert phrases.reason_label("unknown") == "unknown"
