"""`make bench-verification`: what the 3-attempt limit costs, measured in one run.

1. Bot turns over Rasa's REST channel, one at a time, on the same stack, each the third message
   of a new conversation (Rasa's cost grows with the tracker): a plain turn ("你好" → utter_greet)
   and a complaint (two responses and the hand-off action, no verification: what several
   actions in one turn cost Rasa) against the verification turn (the visitor's fact → form
   validation, the Lua reservation in Redis, the directory lookup, release, hand-off), a failed
   check (mismatch, the attempt kept) and a refused one (record locked: no directory lookup).
   Reported as p50/p99 and as the ratio to the plain turn's p50.
2. The parts alone, from this process: one reservation + release in Redis (two round trips,
   the Lua script), and one SQLite lookup of the generated directory (1,200 customers).

Prints a table and writes results/bench_verification.json. Starts its own stack (embedded Redis,
the action server with a generated SQLite directory, Rasa) on free ports.
"""

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import requests

from actions.directory import Customer, SqliteDirectory
from actions.directory_cli import generate_sample
from actions.verification_limits import AttemptLimiter, Subject
from common.redis_connection import connect
from devtools.stack import ALWAYS_QUEUE, Stack

ROOT = Path(__file__).resolve().parent.parent

WRONG_NAMES = ("张三丰", "李四光", "王小明")


def percentiles(samples: List[float]) -> Dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "n": len(ordered),
    }


# Rasa's REST channel answers only posts with the channel's secret (rasa_addons/channel.py); set
# from the stack in main().
REST_HEADERS: Dict[str, str] = {}


class Conversation:
    """One REST conversation from its own client address."""

    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = f"bench-{uuid.uuid4().hex}"
        value = uuid.uuid4().int
        self.ip = f"10.{value % 256}.{(value >> 8) % 256}.{(value >> 16) % 256}"
        self.session = requests.Session()
        self.session.headers.update(REST_HEADERS)

    def say(self, text: str) -> List[Dict[str, Any]]:
        body = {"sender": self.sender, "message": text, "metadata": {"client_ip": self.ip}}
        response = self.session.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        replies: List[Dict[str, Any]] = response.json()
        return replies

    def timed(self, text: str, check: Callable[[List[Dict[str, Any]]], bool]) -> float:
        start = time.perf_counter()
        replies = self.say(text)
        elapsed = time.perf_counter() - start
        if not check(replies):
            raise RuntimeError(f"unexpected replies to {text!r}: {replies}")
        return elapsed


def has_custom(replies: List[Dict[str, Any]]) -> bool:
    return any("custom" in reply for reply in replies)


def texts_contain(fragment: str) -> Callable[[List[Dict[str, Any]]], bool]:
    return lambda replies: any(fragment in reply.get("text", "") for reply in replies)


def at_fact_question(rasa_url: str, account_number: str) -> Conversation:
    conversation = Conversation(rasa_url)
    conversation.say("帮我查一下我的账户")
    conversation.say(account_number)
    return conversation


def third_message(rasa_url: str, text: str, check: Callable[[List[Dict[str, Any]]], bool]) -> float:
    """The third message of a new conversation, as the verification turns are."""
    conversation = Conversation(rasa_url)
    conversation.say("你好")  # the opening line
    conversation.say("你们几点上班")
    return conversation.timed(text, check)


def bot_turns(rasa_url: str, customers: List[Customer], samples: int) -> Dict[str, Any]:
    """Each kind of turn is the third message of a fresh conversation (same tracker length)."""
    figures: Dict[str, List[float]] = {
        "plain": [],
        "complaint": [],
        "verified": [],
        "mismatch": [],
        "refused": [],
    }
    locked = customers[-1]
    first = at_fact_question(rasa_url, locked.account_number)
    for name in WRONG_NAMES:
        first.say(name)
    for i in range(samples):
        figures["plain"].append(
            third_message(rasa_url, "你好", texts_contain("请问有什么可以帮您"))
        )
        figures["complaint"].append(third_message(rasa_url, "我要投诉你们的服务", has_custom))
        customer = customers[i]
        verified = at_fact_question(rasa_url, customer.account_number)
        figures["verified"].append(verified.timed(customer.name, has_custom))
        wrong = at_fact_question(rasa_url, customers[samples + i].account_number)
        figures["mismatch"].append(wrong.timed(WRONG_NAMES[0], texts_contain("还是不一致")))
        refused = at_fact_question(rasa_url, locked.account_number)
        figures["refused"].append(refused.timed(locked.name, texts_contain("已达上限")))
    result = {name: percentiles(values) for name, values in figures.items()}
    base = result["plain"]["p50_ms"]
    for name in ("complaint", "verified", "mismatch", "refused"):
        result[name]["ratio_to_plain_p50"] = result[name]["p50_ms"] / base
    return result


async def parts(
    redis_url: str, path: Path, customers: List[Customer], samples: int
) -> Dict[str, Any]:
    limiter = AttemptLimiter(connect(redis_url))
    directory = SqliteDirectory(path)
    reserve: List[float] = []
    lookup: List[float] = []
    try:
        for i in range(samples):
            subjects = [
                Subject("account", f"bench-{uuid.uuid4().hex}", 3, 86400),
                Subject("conversation", uuid.uuid4().hex, 3, 86400),
                Subject("ip", uuid.uuid4().hex, 3, 86400),
            ]
            start = time.perf_counter()
            reservation = await limiter.reserve(subjects)
            await limiter.release(subjects, reservation)
            reserve.append(time.perf_counter() - start)
            start = time.perf_counter()
            await directory.find(customers[i % len(customers)].account_number)
            lookup.append(time.perf_counter() - start)
    finally:
        await limiter.close()
        await directory.close()
    return {"reserve_and_release": percentiles(reserve), "sqlite_lookup": percentiles(lookup)}


def report(figures: Dict[str, Any]) -> None:
    print("\nbot turn over REST, one at a time (3rd message)  p50 ms  p99 ms   n    p50 / plain")
    labels = {
        "plain": "plain turn (你好): 1 response",
        "complaint": "complaint: 2 responses + action_handoff",
        "verified": "verification turn, match → hand-off",
        "mismatch": "verification turn, failed check",
        "refused": "verification turn, refused (locked)",
    }
    for name, label in labels.items():
        f = figures["turns"][name]
        ratio = f.get("ratio_to_plain_p50")
        shown = f"{ratio:10.2f}" if ratio is not None else f"{'1.00':>10}"
        print(f"  {label:<42} {f['p50_ms']:8.2f} {f['p99_ms']:8.2f} {f['n']:4d} {shown}")
    print("\nparts, from the bench process                  p50 ms   p99 ms   n")
    for name, label in (
        ("reserve_and_release", "Redis: reserve + release (Lua, 3 subjects)"),
        ("sqlite_lookup", "SQLite directory: find by 户号"),
    ):
        f = figures["parts"][name]
        print(f"  {label:<44} {f['p50_ms']:8.3f} {f['p99_ms']:8.3f} {f['n']:4d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100, help="samples per kind of turn (100)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="verification-bench-"))
    path = work / "directory.sqlite3"
    generate_sample(path, count=1200)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT account_number, name, phone, address FROM customers").fetchall()
    customers = [Customer(*row) for row in rows]
    if len(customers) < 2 * args.samples + 1:
        parser.error(f"--samples at most {(len(customers) - 1) // 2}")
    stack = Stack(
        log_dir=work / "logs",
        redis_dir=work / "redis",
        extra_env={"DIRECTORY_PATH": str(path), **ALWAYS_QUEUE},
    )
    REST_HEADERS["Authorization"] = f"Bearer {stack.channel_token}"
    print(f"starting the stack (logs in {work / 'logs'})…", flush=True)
    stack.start()
    try:
        figures = {
            "turns": bot_turns(stack.rasa_url, customers, args.samples),
            "parts": asyncio.run(parts(str(stack.redis_url), path, customers, args.samples)),
        }
    finally:
        stack.stop()
    report(figures)
    out = ROOT / "results" / "bench_verification.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
