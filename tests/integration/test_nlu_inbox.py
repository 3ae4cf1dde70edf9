"""make nlu-inbox against the running product: the real bot's trackers, masked, to label."""

from pathlib import Path

import pytest
import yaml

from devtools.stack import Stack
from scripts.nlu_inbox import main
from tests.integration.conftest import Bot

pytestmark = pytest.mark.integration


def test_what_the_bot_was_unsure_of_is_listed_masked_and_what_it_knew_is_not(
    bot: Bot, sender: str, stack: Stack, tmp_path: Path
) -> None:
    """`--below 1.01` takes every message: what is left out is the data's, and numbers masked.

    Which messages fall back is the model's business (tests/integration/test_bot.py); here the
    intent and confidence listed must be the ones Rasa stored for the message.
    """
    bot.say(sender, "呜啦啦阿巴阿巴")
    parsed = bot.tracker(sender)["latest_message"]
    bot.say(f"{sender}-2", "你好")
    bot.say(f"{sender}-3", "呜啦啦阿巴阿巴 13812345678")
    out = tmp_path / "inbox.yml"

    assert main(["--redis-url", str(stack.redis_url), "--below", "1.01", "--out", str(out)]) == 0
    listed = {
        example["text"]: (block["intent"], example["metadata"])
        for block in yaml.safe_load(out.read_text(encoding="utf-8"))["nlu"]
        for example in block["examples"]
    }
    top = next(i for i in parsed["intent_ranking"] if i["name"] != "nlu_fallback")
    intent, metadata = listed["呜啦啦阿巴阿巴"]
    assert intent.split("/")[0] == top["name"]
    assert metadata == {"seen": 1, "confidence": round(top["confidence"], 3)}
    assert "呜啦啦阿巴阿巴 138****5678" in listed
    assert "你好" not in listed and not any("13812345678" in text for text in listed)
