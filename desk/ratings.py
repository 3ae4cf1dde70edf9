"""满意度评价: the visitor's satisfaction rating when a conversation closes (docs/waiting.md).

The bot's `closed` signal or an agent's close asks for a 1-5 score with five buttons, then an
optional comment; each rating is stored per conversation and agent (the bot as `bot`) in
desk/waiting_store.py, and the console's 满意度 panel shows a summary per agent.
"""

import logging
import re
import secrets
from typing import Any, Dict, List

from common.records import Button, Entry
from desk.errors import DeskError
from desk.ports import DeskPort
from desk.waiting_store import WaitingStore

logger = logging.getLogger(__name__)

RATING_SKIP = "/rating_skip"
RATING_PAYLOAD = re.compile(r'^/rating\{"score":\s*"?([1-5])"?\}$')
# 满意度评价: the score's label, best first (the buttons' order).
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
BOT = "bot"


def rating_buttons() -> List[Button]:
    return [
        {"title": label, "payload": f'/rating{{"score":{score}}}'}
        for score, label in RATING_LABELS.items()
    ]


def rating_score(text: str) -> int | None:
    """The score of a rating button's payload, or None."""
    match = RATING_PAYLOAD.match(text)
    return None if match is None else int(match.group(1))


def summarise_ratings(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per agent (the bot as `bot`): count, average, how many of each score, newest comments."""
    by_agent: Dict[str, Dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["ts"]):
        summary = by_agent.setdefault(
            record["agent_id"],
            {
                "agent_id": record["agent_id"],
                "name": record.get("agent_name") or record["agent_id"],
                "count": 0,
                "scores": {str(s): 0 for s in range(1, 6)},
                "comments": [],
            },
        )
        summary["count"] += 1
        summary["scores"][str(record["score"])] += 1
        if record.get("comment"):
            summary["comments"].insert(
                0, {"score": record["score"], "comment": record["comment"], "ts": record["ts"]}
            )
    result = []
    for summary in by_agent.values():
        total = sum(int(s) * n for s, n in summary["scores"].items())
        summary["average"] = round(total / summary["count"], 2)
        summary["comments"] = summary["comments"][:5]
        result.append(summary)
    return sorted(result, key=lambda s: (s["agent_id"] != BOT, s["agent_id"]))


class Ratings:
    """The desk's rating behaviour: asking, the score, the comment, the summary."""

    def __init__(self, desk: DeskPort, store: WaitingStore) -> None:
        self.desk = desk
        self.settings = desk.settings
        self.store = store

    def now(self) -> float:
        return self.desk.clock()

    async def visitor_command(self, conversation_id: str, text: str) -> Entry | None:
        """Handles the rating's buttons and a rating comment (after the queue's own button).

        Returns the visitor's transcript line if the desk handled it (nothing goes to Rasa or
        the agent), else None.
        """
        stage, rating_id, rating_agent = await self.store.rating_state(conversation_id)
        score = rating_score(text)
        if text != RATING_SKIP and score is None and stage != "comment":
            if stage == "score":  # the visitor moved on without rating
                await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
            return None
        entry = await self.desk.store.append(
            conversation_id, {"from": "visitor", "ts": self.now(), "text": text}
        )
        if score is not None:
            await self.rated(conversation_id, stage, rating_id, rating_agent, score)
        elif text == RATING_SKIP:
            if stage == "comment":
                await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
                await self.desk.system_line(conversation_id, "rating_done")
        else:  # stage == "comment": this line is the comment
            await self.commented(conversation_id, rating_id, text)
        return entry

    async def ask_rating(self, conversation_id: str, agent_id: str) -> None:
        await self.store.set_fields(
            conversation_id,
            rating_stage="score",
            rating_id=secrets.token_hex(8),
            rating_agent=agent_id,
        )
        await self.desk.say_to_visitor(
            conversation_id,
            {
                "from": "system",
                "ts": self.now(),
                "text": self.desk.phrases.say("rating_request"),
                "buttons": rating_buttons(),
            },
        )

    async def rated(
        self,
        conversation_id: str,
        stage: str | None,
        rating_id: str | None,
        rating_agent: str | None,
        score: int,
    ) -> None:
        if stage != "score" or rating_id is None:
            await self.desk.system_line(conversation_id, "rating_closed")
            return
        agent_id = rating_agent or BOT
        agent = None if agent_id == BOT else await self.desk.store.agent(agent_id)
        record = {
            "id": rating_id,
            "conversation_id": conversation_id,
            "agent_id": agent_id,
            "agent_name": self.desk.phrases.say("bot_label") if agent is None else agent.name,
            "score": score,
            "comment": "",
            "ts": self.now(),
        }
        await self.store.add_rating(record)
        await self.store.set_fields(conversation_id, rating_stage="comment")
        logger.info("rated conversation=%s agent=%s score=%d", conversation_id, agent_id, score)
        await self.desk.say_to_visitor(
            conversation_id,
            {
                "from": "system",
                "ts": self.now(),
                "text": self.desk.phrases.say("rating_thanks"),
                "buttons": [
                    {"title": self.desk.phrases.say("rating_skip_button"), "payload": RATING_SKIP}
                ],
            },
        )
        await self.desk.notify_agents("ratings_changed", {})

    async def commented(self, conversation_id: str, rating_id: str | None, text: str) -> None:
        await self.store.clear_fields(conversation_id, "rating_stage", "rating_id")
        record = None if rating_id is None else await self.store.rating(rating_id)
        if record is not None:
            await self.store.save_rating({**record, "comment": text})
        await self.desk.system_line(conversation_id, "comment_thanks")

    async def ratings(self, days: int | None) -> Dict[str, Any]:
        count = self.settings.rating_days if days is None else days
        if not 1 <= count <= 366:
            raise DeskError("malformed", "天数须在1到366之间")
        now = self.now()
        records = await self.store.ratings_between(now - count * 86400, now)
        return {"days": count, "agents": summarise_ratings(records)}
