"""`make bench`: the desk's latency figures, all measured in one run on the same model.

1. Bot turn: one visitor message to one bot reply, through the desk (socket.io → desk → Rasa's
   callback channel → desk → socket.io) against straight to Rasa's REST channel: one visitor at a
   time, 20 at once pausing between turns as people do, and 20 at once without pauses (Rasa
   saturated; compare turns per second). Target: the desk adds at most 10 % to p50.
2. Agent relay (no Rasa): visitor → agent and agent → visitor with 200 live conversations, each
   side writing a line every 1-3 s. Target: p99 ≤ 20 ms.
3. Handoff signal → ticket in a connected console: the bench posts the signal to the desk's
   callback endpoint as Rasa does and times the console's `queue` event. Target: p99 ≤ 100 ms.

Prints a table and writes results/bench.json. Starts its own stack (embedded Redis, the action
server, Rasa and one desk) on free ports; `--turns` and `--conversations` scale it.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import aiohttp

from devtools.clients import AgentClient, Message, VisitorClient
from devtools.stack import ALWAYS_QUEUE, Stack

ROOT = Path(__file__).resolve().parent.parent

GREETING = "你好"  # after the opening line, always exactly one reply (utter_greet)
TURNS_PER_CONVERSATION = 10
PASSWORD = "bench-password"


def text_is(text: str) -> Callable[[Message], bool]:
    return lambda message: bool(message["text"] == text)


def entry_text_is(text: str) -> Callable[[Message], bool]:
    return lambda message: bool(message["entry"]["text"] == text)


def lists_ticket(conversation_id: str) -> Callable[[Message], bool]:
    return lambda update: any(t["conversation_id"] == conversation_id for t in update["tickets"])


def percentiles(samples: List[float]) -> Dict[str, float]:
    """p50, p99 and mean of durations in seconds, reported in milliseconds."""
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(cut[49] * 1000, 2),
        "p99_ms": round(cut[98] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


async def pause(think: float) -> None:
    """A visitor reading and typing: on average `think` seconds, at least half of it."""
    if think:
        await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))


# Rasa's REST channel answers only posts with the channel's secret (rasa_addons/channel.py); set
# from the stack in main().
REST_HEADERS: Dict[str, str] = {}


async def direct_visitor(
    rasa_url: str, conversations: int, turns: int, think: float = 0.0
) -> List[float]:
    """Turns straight to Rasa's REST channel over a kept-alive connection."""
    samples = []
    async with aiohttp.ClientSession(headers=REST_HEADERS) as http:
        url = f"{rasa_url}/webhooks/rest/webhook"
        for _ in range(conversations):
            sender = uuid.uuid4().hex
            async with http.post(url, json={"sender": sender, "message": "/greet"}) as response:
                await response.read()
            for _ in range(turns):
                await pause(think)
                start = time.perf_counter()
                async with http.post(url, json={"sender": sender, "message": GREETING}) as response:
                    replies = await response.json()
                samples.append(time.perf_counter() - start)
                assert len(replies) == 1, replies
    return samples


async def desk_visitor(
    desk_url: str, conversations: int, turns: int, think: float = 0.0
) -> List[float]:
    """Turns through the desk: from the emit to the reply's `bot_uttered`."""
    samples = []
    for _ in range(conversations):
        visitor = VisitorClient(desk_url)
        await visitor.connect()
        await visitor.messages.wait_count(1, 60)  # the opening line
        for _ in range(turns):
            await pause(think)
            start_index = len(visitor.messages.items)
            start = time.perf_counter()
            await visitor.say(GREETING)
            (reply,) = await visitor.messages.wait_count(1, 60, start_index)
            samples.append(reply["received_at"] - start)
        await visitor.close()
    return samples


def cpu_seconds(stack: Stack) -> Dict[str, float]:
    """User + system CPU time of each service so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for name, service in stack.services.items():
        if service.process is None:
            continue
        fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds[name] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


async def bot_turns(stack: Stack, turns: int, concurrent: int, think: float) -> Dict[str, Any]:
    """Direct and desk in alternating blocks; warm-up first.

    Modes: one visitor at a time; `concurrent` visitors who pause `think` seconds between turns,
    as people do; the same visitors without pauses, which saturates Rasa (there the turns per
    second matter: with a closed loop, p50 mostly shows how Rasa orders waiting requests).
    Conversations are TURNS_PER_CONVERSATION turns long, as chats are: Rasa's Redis tracker
    store rewrites the whole tracker every turn, so one endless conversation would measure that.
    """
    await direct_visitor(stack.rasa_url, 2, TURNS_PER_CONVERSATION)
    await desk_visitor(stack.desk_urls[0], 2, TURNS_PER_CONVERSATION)
    figures: Dict[str, Any] = {}
    modes = (
        ("sequential", 1, 0.0),
        (f"{concurrent} concurrent", concurrent, think),
        (f"{concurrent} saturating", concurrent, 0.0),
    )
    for label, visitors, pause_s in modes:
        per_block = max(turns // (2 * visitors * TURNS_PER_CONVERSATION), 1)
        elapsed = {"rasa_rest": 0.0, "desk": 0.0}
        samples: Dict[str, List[float]] = {"rasa_rest": [], "desk": []}
        cpu: Dict[str, Dict[str, float]] = {"rasa_rest": {}, "desk": {}}
        for _ in range(2):
            for name in ("rasa_rest", "desk"):
                before = cpu_seconds(stack)
                started = time.perf_counter()
                if name == "rasa_rest":
                    runs = [
                        direct_visitor(stack.rasa_url, per_block, TURNS_PER_CONVERSATION, pause_s)
                        for _ in range(visitors)
                    ]
                else:
                    runs = [
                        desk_visitor(stack.desk_urls[0], per_block, TURNS_PER_CONVERSATION, pause_s)
                        for _ in range(visitors)
                    ]
                results = await asyncio.gather(*runs)
                elapsed[name] += time.perf_counter() - started
                samples[name] += [s for result in results for s in result]
                after = cpu_seconds(stack)
                for service, used in after.items():
                    cpu[name][service] = cpu[name].get(service, 0.0) + used - before[service]
        rest, desk = percentiles(samples["rasa_rest"]), percentiles(samples["desk"])
        figures[label] = {
            "rasa_rest": rest,
            "desk": desk,
            "p50_ratio": round(desk["p50_ms"] / rest["p50_ms"], 3),
            "think_seconds": pause_s,
            "turns_per_second": {
                name: round(len(samples[name]) / elapsed[name], 1) for name in samples
            },
            "cpu_ms_per_turn": {
                name: {
                    service: round(1000 * used / len(samples[name]), 2)
                    for service, used in cpu[name].items()
                }
                for name in cpu
            },
        }
    return figures


Pairs = List[Tuple[VisitorClient, AgentClient]]


async def live_conversations(
    stack: Stack, count: int, agents: int
) -> Tuple[Pairs, List[AgentClient]]:
    """`count` visitors handed off and accepted by `agents` agents sharing them."""
    agent_clients = []
    for i in range(agents):
        agent_id = f"9{i:03d}"
        await asyncio.to_thread(
            stack.create_agent, agent_id, f"压测{i}", PASSWORD, count // agents + 1
        )
        client = AgentClient(stack.desk_urls[0])
        await client.login(agent_id, PASSWORD)
        agent_clients.append(client)
    visitors: List[VisitorClient] = []
    for start in range(0, count, 20):
        batch = [VisitorClient(stack.desk_urls[0]) for _ in range(min(20, count - start))]
        await asyncio.gather(*(v.connect() for v in batch))
        for visitor in batch:
            await visitor.messages.wait_count(1, 60)
            await visitor.say("转人工")
        for visitor in batch:
            await visitor.messages.wait_for(lambda m: m["sender"] == "system", 60)
        visitors.extend(batch)
    pairs = []
    for i, visitor in enumerate(visitors):
        agent = agent_clients[i % agents]
        status, body = await agent.accept(str(visitor.conversation_id))
        assert status == 200, body
        pairs.append((visitor, agent))
    for visitor, _ in pairs:
        await visitor.messages.wait_for(lambda m: m["text"].startswith("您好,9"), 60)
    return pairs, agent_clients


async def relay(stack: Stack, count: int, agents: int, rounds: int) -> Dict[str, Any]:
    """Every conversation exchanges `rounds` lines each way, all conversations at once."""
    pairs, agent_clients = await live_conversations(stack, count, agents)
    to_agent: List[float] = []
    to_visitor: List[float] = []

    async def converse(visitor: VisitorClient, agent: AgentClient) -> None:
        cid = str(visitor.conversation_id)
        for i in range(rounds):
            await asyncio.sleep(random.uniform(1.0, 3.0))  # a person's pace, all chats live
            marker = f"访客消息 {cid[:6]} {i}"
            start = time.perf_counter()
            await visitor.say(marker)
            got = await agent.messages.wait_for(entry_text_is(marker), 30)
            to_agent.append(got["received_at"] - start)
            reply = f"客服回复 {cid[:6]} {i}"
            start_index = len(visitor.messages.items)
            start = time.perf_counter()
            await agent.sio.emit(
                "agent_message", {"conversation_id": cid, "text": reply}, namespace="/agent"
            )
            seen = await visitor.messages.wait_for(text_is(reply), 30, start_index)
            to_visitor.append(seen["received_at"] - start)

    started = time.perf_counter()
    await asyncio.gather(*(converse(v, a) for v, a in pairs))
    elapsed = time.perf_counter() - started
    for visitor, agent in pairs:
        await agent.finish(str(visitor.conversation_id))
    for client in [v for v, _ in pairs] + agent_clients:
        await client.close()
    return {
        "conversations": count,
        "messages_per_second": round(2 * len(to_agent) / elapsed, 1),
        "visitor_to_agent": percentiles(to_agent),
        "agent_to_visitor": percentiles(to_visitor),
    }


async def handoff_to_console(stack: Stack, samples: int) -> Dict[str, Any]:
    """From posting the handoff signal (as Rasa does) to the console's `queue` event."""
    await asyncio.to_thread(stack.create_agent, "9999", "值班", PASSWORD, 1)
    console = AgentClient(stack.desk_urls[0])
    await console.login("9999", PASSWORD)
    url = f"{stack.desk_urls[0]}/rasa/callback"
    timings = []
    async with aiohttp.ClientSession() as http:
        for _ in range(samples):
            visitor = VisitorClient(stack.desk_urls[0])
            await visitor.connect()
            cid = str(visitor.conversation_id)
            signal = {
                "version": 1,
                "conversation_id": cid,
                "reason": "request_human",
                "intent": "request_human",
                "slots": {},
                "summary": {"visitor_messages": 1, "last_visitor_message": "转人工"},
                "transcript": [],
                "created_at": time.time(),
            }
            start_index = len(console.queues.items)
            start = time.perf_counter()
            async with http.post(
                url,
                params={"token": stack.callback_token},
                json={"recipient_id": cid, "custom": {"handoff": signal}},
            ) as response:
                assert response.status == 200, await response.text()
            update = await console.queues.wait_for(lists_ticket(cid), 30, start_index)
            timings.append(update["received_at"] - start)
            await visitor.close()
    await console.close()
    return {"queue_length_at_end": samples, **percentiles(timings)}


async def measure(stack: Stack, args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "bot_turn": await bot_turns(stack, args.turns, args.concurrent, args.think),
        "agent_relay": await relay(stack, args.conversations, args.agents, args.rounds),
        "handoff_to_console": await handoff_to_console(stack, args.handoffs),
    }


def report(figures: Dict[str, Any]) -> None:
    print("\nbot turn (one message → one reply)          p50 ms   p99 ms   n")
    for label, row in figures["bot_turn"].items():
        for name in ("rasa_rest", "desk"):
            f = row[name]
            print(f"  {label:<14} {name:<24} {f['p50_ms']:8.2f} {f['p99_ms']:8.2f} {f['n']:5d}")
        rates = row["turns_per_second"]
        print(
            f"  {label:<14} desk / Rasa REST p50 = {row['p50_ratio']:.3f}  (target ≤ 1.10); "
            f"turns/s {rates['rasa_rest']} vs {rates['desk']}; pause {row['think_seconds']} s"
        )
        for name, used in row["cpu_ms_per_turn"].items():
            shares = ", ".join(f"{service} {ms:.1f}" for service, ms in used.items())
            print(f"  {'':<14} CPU ms per turn, {name}: {shares}")
    relay = figures["agent_relay"]
    print(
        f"\nagent relay, {relay['conversations']} live conversations, "
        f"{relay['messages_per_second']} msg/s           p50 ms   p99 ms   n"
    )
    for name in ("visitor_to_agent", "agent_to_visitor"):
        f = relay[name]
        print(f"  {name:<40} {f['p50_ms']:8.2f} {f['p99_ms']:8.2f} {f['n']:5d}  (p99 target ≤ 20)")
    f = figures["handoff_to_console"]
    print("\nhandoff signal → ticket in console           p50 ms   p99 ms   n")
    print(f"  {'':<40} {f['p50_ms']:8.2f} {f['p99_ms']:8.2f} {f['n']:5d}  (p99 target ≤ 100)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200, help="bot turns per mode (200)")
    parser.add_argument("--concurrent", type=int, default=20, help="concurrent visitors (20)")
    parser.add_argument("--think", type=float, default=2.0, help="pause between turns (2 s)")
    parser.add_argument("--conversations", type=int, default=200, help="live chats (200)")
    parser.add_argument("--agents", type=int, default=10, help="agents sharing them (10)")
    parser.add_argument("--rounds", type=int, default=5, help="lines each way per chat (5)")
    parser.add_argument("--handoffs", type=int, default=200, help="handoff samples (200)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    stack = Stack(log_dir=work / "logs", redis_dir=work / "redis", extra_env=dict(ALWAYS_QUEUE))
    REST_HEADERS["Authorization"] = f"Bearer {stack.channel_token}"
    print(f"starting the stack (logs in {work / 'logs'})…", flush=True)
    stack.start()
    try:
        figures = asyncio.run(measure(stack, args))
    finally:
        stack.stop()
    report(figures)
    out = ROOT / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
