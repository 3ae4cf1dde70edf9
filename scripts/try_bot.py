"""`make try`: type messages to the trained bot and see, in a few lines each, what it understood
and what it would answer.

    make try                       an interactive conversation (Ctrl-D or /quit ends it,
                                   /restart starts a new one)
    make try TEXT="你们几点上班"     one message
    .venv/bin/python -m scripts.try_bot --text 我要投诉 --text 快递三天没到   one conversation

Loads models/bot.tar.gz once (Rasa's Agent, its logging and warnings silenced) and, for each
message, prints the intent and its confidence with the runner-up, for `faq` the FAQ topic and
its runner-up, the entities, and every action the policies chose with the policy, its
confidence and what it said. Custom actions run in this process through rasa-sdk's executor
(the package `actions`, as the action server runs them), so forms and the session start's slots
work without `make run`; one that needs a service that is not running (Redis, the customer
directory) is shown as failed, and the dialogue goes on without its events, as Rasa does.
"""

import argparse
import asyncio
import logging
import os
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "bot.tar.gz"
FALLBACK = "nlu_fallback"
LISTEN = "action_listen"
# What the model is trained from (the Makefile's MODEL_INPUTS, without the add-ons' code).
MODEL_INPUTS = ("config.yml", "domain.yml", "data", "dictionaries")


@dataclass
class Step:
    """One action the bot took after the message: who chose it, and what it said."""

    action: str
    policy: str | None = None
    confidence: float | None = None
    said: List[str] = field(default_factory=list)
    failed: str | None = None
    response: str | None = None  # the response it chose, when not its own name (utter_faq)


def _ranked(parse: Mapping[str, Any]) -> List[Tuple[str, float]]:
    return [
        (str(item.get("name")), float(item.get("confidence") or 0.0))
        for item in parse.get("intent_ranking") or []
    ]


def _pair(name: str, confidence: float) -> str:
    return f"{name} {confidence:.2f}"


def intent_line(parse: Mapping[str, Any]) -> str:
    """The intent with its confidence and the runner-up; for the fallback, the likeliest two."""
    intent = parse.get("intent") or {}
    name, confidence = str(intent.get("name")), float(intent.get("confidence") or 0.0)
    others = [(n, c) for n, c in _ranked(parse) if n not in (name, FALLBACK)]
    if name == FALLBACK:
        likeliest = ", ".join(_pair(n, c) for n, c in others[:2]) or "-"
        return f"意图 intent     {_pair(name, confidence)}   unclear, likeliest {likeliest}"
    runner_up = _pair(*others[0]) if others else "-"
    return f"意图 intent     {_pair(name, confidence)}   次选 runner-up {runner_up}"


def likeliest_intent(parse: Mapping[str, Any]) -> str | None:
    """The top intent of the ranking, the fallback aside."""
    intent = str((parse.get("intent") or {}).get("name"))
    if intent != FALLBACK:
        return intent
    return next((n for n, _ in _ranked(parse) if n != FALLBACK), None)


def topic_line(parse: Mapping[str, Any], retrieval_intent: str = "faq") -> str | None:
    """The FAQ topic with its confidence and the runner-up, when the message is about `faq`."""
    if likeliest_intent(parse) != retrieval_intent:
        return None
    selector = (parse.get("response_selector") or {}).get(retrieval_intent) or {}
    ranking = [
        (str(item.get("intent_response_key")), float(item.get("confidence") or 0.0))
        for item in selector.get("ranking") or []
    ]
    if not ranking:
        return "FAQ 主题 topic   -"
    runner_up = _pair(*ranking[1]) if len(ranking) > 1 else "-"
    return f"FAQ 主题 topic   {_pair(*ranking[0])}   次选 runner-up {runner_up}"


def entity_line(parse: Mapping[str, Any]) -> str:
    """Each entity as `type=value`, with the extractor's confidence when it gives one."""
    parts = []
    for entity in parse.get("entities") or []:
        part = f"{entity.get('entity')}={entity.get('value')}"
        if entity.get("confidence_entity") is not None:
            part += f" ({float(entity['confidence_entity']):.2f})"
        parts.append(part)
    return "实体 entities   " + ("  ".join(parts) if parts else "-")


def step_lines(steps: Sequence[Step]) -> List[str]:
    """What the bot did: each action with its policy and confidence, and what it said."""
    lines = []
    for step in steps:
        chosen = ""
        if step.policy:
            chosen = f" ({step.policy} {step.confidence or 0.0:.2f})"
        response = f" = {step.response}" if step.response else ""
        lines.append(f"  → {step.action}{response}{chosen}")
        lines += [f"      {text}" for text in step.said]
        if step.failed:
            lines.append(f"      (failed here: {step.failed})")
    return lines


def describe(parse: Mapping[str, Any], steps: Sequence[Step]) -> List[str]:
    """The lines printed for one message."""
    lines = [intent_line(parse)]
    topic = topic_line(parse)
    if topic:
        lines.append(topic)
    lines.append(entity_line(parse))
    lines.append("机器人 bot")
    return lines + step_lines(steps)


def _said(event: Mapping[str, Any]) -> str:
    text = str(event.get("text") or "")
    data = event.get("data") or {}
    buttons = [str(b.get("title")) for b in data.get("buttons") or []]
    custom = data.get("custom")
    if buttons:
        text += "  [" + " | ".join(buttons) + "]"
    if custom and not text:
        # the desk's signals are {"handoff": …}, {"closed": …}, {"leave_message": …}
        kind = ", ".join(custom) if isinstance(custom, dict) else ""
        text = f"(custom message{f': {kind}' if kind else ''})"
    return text


def steps_after_message(events: Sequence[Mapping[str, Any]]) -> List[Step]:
    """The actions after the latest user message (tracker events as dicts), what they said,
    up to the bot listening again."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    steps: List[Step] = []
    for event in events[last_user + 1 :]:
        kind = event.get("event")
        if kind == "action":
            name = str(event.get("name"))
            if name == LISTEN:
                break
            confidence = event.get("confidence")
            steps.append(
                Step(
                    name,
                    event.get("policy"),
                    float(confidence) if confidence is not None else None,
                )
            )
        elif kind == "bot" and steps:
            steps[-1].said.append(_said(event))
            response = (event.get("metadata") or {}).get("utter_action")
            if response and response != steps[-1].action:
                steps[-1].response = str(response)
    return steps


def stale_inputs(model: Path, root: Path = ROOT) -> List[str]:
    """The files the model is trained from that changed after it was trained."""
    if not model.exists():
        return []
    trained = model.stat().st_mtime
    found = []
    for name in MODEL_INPUTS:
        path = root / name
        files: Iterable[Path] = path.rglob("*") if path.is_dir() else [path]
        found += [
            str(f.relative_to(root)) for f in files if f.is_file() and f.stat().st_mtime > trained
        ]
    return sorted(found)


def quiet() -> None:
    """No Rasa logs, progress bars or Python warnings: only what this script prints."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ["LOG_LEVEL"] = "WARNING"
    warnings.simplefilter("ignore")
    # some libraries reset the filters while Rasa imports them: show nothing regardless
    warnings.showwarning = lambda *args, **kwargs: None
    logging.disable(logging.ERROR)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)


class Bot:
    """The trained bot in this process, its custom actions run by rasa-sdk's executor."""

    def __init__(self, model: Path) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig
        from rasa_sdk.executor import ActionExecutor

        executor = ActionExecutor()
        executor.register_package("actions")
        failures: Dict[str, str] = {}
        self.failures = failures

        class InProcessActions(EndpointConfig):
            """An action endpoint that runs the action here instead of over HTTP."""

            async def request(self, method: str = "post", subpath: str | None = None,
                              content_type: str | None = None, compress: bool = False,
                              **kwargs: Any) -> Any:  # fmt: skip
                call = kwargs["json"]
                try:
                    return await executor.run(call)
                except Exception as error:  # noqa: BLE001 - shown, and Rasa goes on without it
                    failures[str(call.get("next_action"))] = f"{type(error).__name__}: {error}"
                    raise

        started = time.monotonic()
        self.agent = Agent.load(str(model), action_endpoint=InProcessActions(url="in-process"))
        self.load_seconds = time.monotonic() - started
        self.sender = uuid.uuid4().hex

    def restart(self) -> None:
        """A new conversation: the next message starts a new session."""
        self.sender = uuid.uuid4().hex

    async def send(self, text: str) -> Tuple[Dict[str, Any], List[Step]]:
        """The message's parse and what the bot did after it."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        self.failures.clear()
        await self.agent.handle_message(
            UserMessage(text, CollectingOutputChannel(), sender_id=self.sender)
        )
        tracker = await self.agent.processor.get_tracker(self.sender)
        events = [event.as_dict() for event in tracker.events]
        parse = next(e for e in reversed(events) if e.get("event") == "user")["parse_data"]
        steps = steps_after_message(events)
        for step in steps:
            step.failed = self.failures.get(step.action)
        return dict(parse), steps


def _show(bot: Bot, text: str) -> None:
    started = time.monotonic()
    parse, steps = asyncio.run(bot.send(text))
    for line in describe(parse, steps):
        print(f"  {line}")
    print(f"  ({time.monotonic() - started:.2f} s)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument(
        "--text", action="append", default=[], help="a message (repeat for a conversation)"
    )
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"no {args.model}: run `make train` first", file=sys.stderr)
        return 2
    changed = stale_inputs(args.model)
    if changed:
        shown = ", ".join(changed[:3]) + (
            f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        )
        print(
            f"note: {shown} changed after {args.model.name} was trained: `make train` to try them"
        )
    print(f"loading {args.model} …", flush=True)
    quiet()
    bot = Bot(args.model)
    print(f"loaded in {bot.load_seconds:.0f} s", flush=True)
    if args.text:
        for text in args.text:
            print(f"你> {text}")
            _show(bot, text)
        return 0
    print("type a message; /restart starts a new conversation, /quit or Ctrl-D ends")
    while True:
        try:
            text = input("你> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not sys.stdin.isatty():
            print(text)  # piped in: show what was "typed"
        if text == "/quit":
            return 0
        if text == "/restart":
            bot.restart()
            continue
        if text:
            _show(bot, text)


if __name__ == "__main__":
    sys.exit(main())
