"""make nlu-inbox against the running product: what the real bot fell back on is listed to label."""

from pathlib import Path

import pytest
import yaml

from desk.stack import Stack
from scripts.nlu_inbox import main
from tests.integration.conftest import Bot

pytestmark = pytest.mark.integration


def test_what_the_bot_fell_back_on_is_listed_masked_and_what_it_knew_is_not(
    bot: Bot, sender: str, stack: Stack, tmp_path: Path
) -> None:
    bot.say(sender, "呜啦啦阿巴阿巴")
    fell_back = bot.tracker(sender)["latest_message"]
    bot.say(f"{sender}-2", "你好")
    bot.say(f"{sender}-3", "呜啦啦阿巴阿巴 13812345678")
    out = tmp_path / "inbox.yml"

    assert fell_back["intent"]["name"] == "nlu_fallback"
    assert main(["--redis-url", str(stack.redis_url), "--out", str(out)]) == 0
    listed = {
        example["text"]: example["metadata"]
        for block in yaml.safe_load(out.read_text(encoding="utf-8"))["nlu"]
        for example in block["examples"]
    }
    top = next(i for i in fell_back["intent_ranking"] if i["name"] != "nlu_fallback")
    assert listed["呜啦啦阿巴阿巴"] == {"seen": 1, "confidence": round(top["confidence"], 3)}
    assert "呜啦啦阿巴阿巴 138****5678" in listed
    assert "你好" not in listed and not any("13812345678" in text for text in listed)
