"""The visitors' messages the bot was unsure of, from the conversations in Redis, to be labelled.

    make nlu-inbox          (while `make run` runs: its embedded Redis, or REDIS_URL)
    .venv/bin/python -m scripts.nlu_inbox --redis-url URL --below 0.8 --out var/nlu_inbox.yml

Reads every conversation Rasa keeps (endpoints.yml's Redis tracker store, `rasa:tracker:<id>`)
and keeps each visitor message that fell back (`nlu_fallback`) or whose likeliest intent scored
below `--below`. Button payloads (/affirm, /rating…), the desk's `EXTERNAL_` intents and
messages already in data/nlu or tests/nlu (ignoring case, spaces and punctuation) are left out;
phone, ID-card and account numbers are masked, so no visitor's number lands in the training data.

The output is Rasa NLU data, one block per likeliest intent, each example with `seen` (how many
times it was typed) and `confidence` (the lowest it got) as metadata. It is a list to review, not
to train on: correct each label, then move the lines into data/nlu/<feature>.yml.
"""

import argparse
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Set
from urllib.parse import quote

import redis
import yaml

from common.redis_connection import shown_url

ROOT = Path(__file__).resolve().parent.parent
# endpoints.yml's key_prefix `rasa`, to which Rasa's RedisTrackerStore adds ":tracker:".
KEY_PREFIX = "rasa:tracker:"
FALLBACK = "nlu_fallback"
EMBEDDED_REDIS = "redis://127.0.0.1:6390/0"  # `make run`'s, without REDIS_URL (devtools/stack.py)
EMBEDDED_PASSWORD = ROOT / "var" / "redis" / "password"  # its password, written by make run


def embedded_redis_url() -> str:
    """`make run`'s embedded Redis, with the password it keeps in var/redis/password."""
    if not EMBEDDED_PASSWORD.exists():
        return EMBEDDED_REDIS
    password = quote(EMBEDDED_PASSWORD.read_text().strip(), safe="")
    return EMBEDDED_REDIS.replace("redis://", f"redis://:{password}@", 1)


HEADER = (
    "# Messages the bot was unsure of (scripts/nlu_inbox.py), by the intent it found likeliest.\n"
    "# Check every label, then move the lines into data/nlu/<feature>.yml and retrain.\n"
)


@dataclass
class Unclear:
    """One message typed `seen` times; `confidence` is the lowest its likeliest intent got."""

    text: str
    intent: str
    confidence: float
    seen: int = 1


def comparable(text: str) -> str:
    """The text without case, white space and punctuation: how messages are compared."""
    return re.sub(r"[\s\W_]+", "", text.lower())


def likeliest(parse_data: Dict[str, Any]) -> tuple[str, float] | None:
    """The top intent other than nlu_fallback, and its confidence, of one parse.

    A retrieval intent comes with the response selector's topic (faq/business_hours), the
    label the data needs.
    """
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    for entry in ranking:
        name = entry.get("name")
        if name and name != FALLBACK:
            selected = (parse_data.get("response_selector") or {}).get(name) or {}
            key = (selected.get("response") or {}).get("intent_response_key") or name
            return str(key), float(entry.get("confidence") or 0.0)
    return None


def unclear_messages(events: Iterable[Dict[str, Any]], below: float) -> Iterator[Unclear]:
    """The visitor messages of one conversation that fell back or scored below `below`."""
    for event in events:
        if not isinstance(event, dict) or event.get("event") != "user":
            continue
        text = str(event.get("text") or "").strip()
        parse_data = event.get("parse_data") or {}
        top = likeliest(parse_data)
        if not text or text.startswith("/") or top is None or top[0].startswith("EXTERNAL_"):
            continue
        fell_back = (parse_data.get("intent") or {}).get("name") == FALLBACK
        if fell_back or top[1] < below:
            yield Unclear(text, top[0], top[1])


def collect(
    conversations: Iterable[Sequence[Dict[str, Any]]],
    known: Set[str],
    below: float,
    mask: Callable[[str], str],
) -> List[Unclear]:
    """Every unclear message once, masked, the most often typed first; the data's left out."""
    found: Dict[str, Unclear] = {}
    for events in conversations:
        for message in unclear_messages(events, below):
            message.text = mask(message.text)
            key = comparable(message.text)
            if not key or key in known:
                continue
            if key in found:
                found[key].seen += 1
                found[key].confidence = min(found[key].confidence, message.confidence)
            else:
                found[key] = message
    return sorted(found.values(), key=lambda m: (-m.seen, m.confidence, m.text))


def inbox_yaml(messages: Sequence[Unclear]) -> str:
    """Rasa NLU data: a block per intent (alphabetical), examples with `seen` and `confidence`."""
    blocks: Dict[str, List[Dict[str, Any]]] = {}
    for message in messages:
        blocks.setdefault(message.intent, []).append(
            {
                "text": message.text,
                "metadata": {"seen": message.seen, "confidence": round(message.confidence, 3)},
            }
        )
    nlu = [{"intent": intent, "examples": blocks[intent]} for intent in sorted(blocks)]
    body = yaml.safe_dump(
        {"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=1000
    )
    return HEADER + body


def known_texts(folders: Iterable[Path]) -> Set[str]:
    """Every example of the NLU files in `folders`, comparable."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: Set[str] = set()
    with warnings.catch_warnings():  # a held-out set's intent with no example left is fine here
        warnings.simplefilter("ignore")
        for folder in folders:
            for path in sorted(folder.glob("*.yml")):
                examples = load_data(str(path)).training_examples
                texts |= {comparable(m.get("text")) for m in examples}
    return texts


def conversations(client: "redis.Redis[str]") -> Iterator[List[Dict[str, Any]]]:
    """The events of every conversation Rasa keeps in this Redis."""
    for key in client.scan_iter(match=f"{KEY_PREFIX}*", count=500):
        raw = client.get(key)
        try:
            dialogue = json.loads(raw) if raw else None
        except ValueError:
            continue
        if isinstance(dialogue, dict) and isinstance(dialogue.get("events"), list):
            yield dialogue["events"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or embedded_redis_url(),
        help=f"default: REDIS_URL, else make run's embedded Redis ({EMBEDDED_REDIS})",
    )
    parser.add_argument("--below", type=float, default=0.8, help="keep confidences below this")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "nlu_inbox.yml")
    args = parser.parse_args(argv)
    from compliance.masking import mask_personal_numbers

    client = redis.Redis.from_url(args.redis_url, decode_responses=True)
    try:
        client.ping()
        known = known_texts([ROOT / "data" / "nlu", ROOT / "tests" / "nlu"])
        messages = collect(conversations(client), known, args.below, mask_personal_numbers)
    except redis.RedisError as error:
        print(f"cannot read {shown_url(args.redis_url)}: {error}", file=sys.stderr)
        return 1
    finally:
        client.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(inbox_yaml(messages), encoding="utf-8")
    print(f"{len(messages)} messages to review in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
