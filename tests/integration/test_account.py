"""Account verification on the real stack: Rasa, the action server, Redis, the CRM over HTTP.

The action server asks the stand-in CRM (tests/integration/conftest.py), which counts every
directory check it receives, so these tests assert how many checks really happened.
"""

import json
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from actions.directory import Customer
from common.contract import CLIENT_IP_KEY, LEAVE_QUEUE_PAYLOAD, VISITOR_ID_KEY
from desk.phrases import Phrases
from devtools.stack import Stack
from tests.integration.conftest import (
    SLOTS,
    WAIT,
    Bot,
    is_position_line,
    logged_in,
    new_visitor,
    run,
)
from tests.integration.crm import StandInCrm

pytestmark = pytest.mark.integration

Render = Callable[..., str]


@pytest.fixture(scope="module")
def said(domain: Dict[str, Any]) -> Render:
    """The text of a response as the bot renders it, with slot values filled in."""

    def render(response: str, **values: str) -> str:
        text: str = domain["responses"][response][0]["text"]
        return text.format(**{**SLOTS, **values})

    return render


@pytest.fixture(scope="module")
def customers(directory_path: Path) -> Iterator[Customer]:
    """Records of the generated directory, each handed to one test only."""
    with sqlite3.connect(directory_path) as db:
        rows = db.execute(
            "SELECT account_number, name, phone, address FROM customers ORDER BY RANDOM()"
        ).fetchall()
    return iter([Customer(*row) for row in rows])


class Visitor:
    """One conversation over Rasa's REST channel, from one client address."""

    def __init__(self, bot: Bot, ip: str | None = None, visitor_id: str | None = None) -> None:
        self.bot = bot
        self.sender = f"visitor-{uuid.uuid4().hex}"
        self.ip = ip or random_ip()
        self.visitor_id = visitor_id or uuid.uuid4().hex  # the browser, as the desk names it

    def new_chat(self) -> "Visitor":
        """A new conversation from the same browser and address."""
        return Visitor(self.bot, ip=self.ip, visitor_id=self.visitor_id)

    def say(self, text: str) -> List[Dict[str, Any]]:
        metadata = {CLIENT_IP_KEY: self.ip, VISITOR_ID_KEY: self.visitor_id}
        return self.bot.say(self.sender, text, metadata=metadata)

    def texts(self, text: str) -> List[str]:
        return [reply.get("text", "") for reply in self.say(text) if "text" in reply]


def random_ip() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 256}.{(value >> 8) % 256}.{(value >> 16) % 256}"


WRONG_NAMES = ("张三丰", "李四光", "王小明", "赵晓东", "钱多多")


def wrong_names(customer: Customer) -> List[str]:
    """Well-formed names that are not the customer's: each a failed check."""
    return [name for name in WRONG_NAMES if name != customer.name]


def start(visitor: Visitor, said: Render, account_number: str) -> None:
    """Opens a verification and gives the 户号: the form then asks for the second fact."""
    assert visitor.texts("帮我查一下我的账户") == [
        said("utter_verification_intro"),
        said("utter_ask_account_number"),
    ]
    assert visitor.texts(account_number) == [said("utter_ask_verification_fact")]


def handoff_of(replies: List[Dict[str, Any]]) -> Dict[str, Any]:
    [signal] = [reply["custom"]["handoff"] for reply in replies if "custom" in reply]
    return signal  # type: ignore[no-any-return]


def test_verified_on_the_first_attempt_goes_to_an_agent_with_the_account(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    start(visitor, said, customer.account_number)
    replies = visitor.say(customer.name)
    assert [r["text"] for r in replies if "text" in r] == [
        said("utter_verification_succeeded"),
        said("utter_handoff"),
    ]
    signal = handoff_of(replies)
    assert signal["reason"] == "account_verified"
    assert signal["verification"] == {
        "status": "verified",
        "account_number": customer.account_number,
        "method": "name",
    }
    assert signal["slots"]["account_number"] == customer.account_number
    # the bot read out nothing of the record
    assert not [r for r in replies if customer.phone in r.get("text", "")]
    assert crm.lookup_count(customer.account_number) == 1


def test_verified_on_the_third_attempt_by_phone_tail(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    start(visitor, said, customer.account_number)
    first, second = wrong_names(customer)[:2]
    assert visitor.texts(first) == [
        said("utter_verification_mismatch", verification_remaining="2"),
        said("utter_ask_verification_fact"),
    ]
    assert visitor.texts(second) == [
        said("utter_verification_mismatch", verification_remaining="1"),
        said("utter_ask_verification_fact"),
    ]
    replies = visitor.say(f"手机尾号{customer.phone[-4:]}")
    assert handoff_of(replies)["verification"]["method"] == "phone_last4"
    assert crm.lookup_count(customer.account_number) == 3


def test_malformed_answers_are_asked_again_and_never_checked(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    assert visitor.texts("查下我的户号") == [
        said("utter_verification_intro"),
        said("utter_ask_account_number"),
    ]
    for malformed in ("12345", "51082abc46", "<script>alert(1)</script>", "😀" * 200):
        assert visitor.texts(malformed) == [
            said("utter_invalid_account_number"),
            said("utter_ask_account_number"),
        ], malformed
    assert visitor.texts(customer.account_number) == [said("utter_ask_verification_fact")]
    for malformed in ("12", "'; DROP TABLE customers; --", "好的", "谢谢", "你们真垃圾"):
        assert visitor.texts(malformed) == [
            said("utter_invalid_verification_fact"),
            said("utter_ask_verification_fact"),
        ], malformed
    assert crm.lookup_count(customer.account_number) == 0
    assert visitor.texts(customer.name)[0] == said("utter_verification_succeeded")
    assert crm.lookup_count(customer.account_number) == 1


@pytest.mark.attack("9", "retrying, reloading or a new chat gets a fourth check (seed 001)")
def test_lockout_then_no_retry_reload_or_new_chat_gets_a_fourth_check(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    start(visitor, said, customer.account_number)
    first, second, third = wrong_names(customer)[:3]
    visitor.texts(first)
    visitor.texts(second)
    locked = [said("utter_verification_locked"), said("utter_offer_human")]
    assert visitor.texts(third) == locked
    assert crm.lookup_count(customer.account_number) == 3
    # the conversation goes on for other topics
    assert visitor.texts("你们客服几点上班")[0] == said("utter_faq/business_hours")
    # retrying in the same chat, or in a new chat from the same browser: refused before any
    # check, as this visitor's limit (no record named yet)
    used_up = [said("utter_verification_locked_visitor"), said("utter_offer_human")]
    assert visitor.texts("再帮我查一下账户") == used_up
    assert visitor.new_chat().texts("帮我查一下我的账户") == used_up
    # another visitor elsewhere, right answer, same record: the record is locked
    other = Visitor(bot)
    start(other, said, customer.account_number)
    assert other.texts(customer.name) == locked
    assert crm.lookup_count(customer.account_number) == 3
    # accepting the offered human attaches the exhausted verification
    signal = handoff_of(other.say("好的"))
    assert signal["reason"] == "verification_exhausted"
    assert signal["verification"] == {
        "status": "exhausted",
        "account_number": customer.account_number,
        "method": None,
    }


@pytest.mark.attack("9", "50 concurrent wrong guesses on one record get past 3 checks")
def test_fifty_concurrent_wrong_attempts_make_exactly_three_checks(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitors = [Visitor(bot) for _ in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda v: start(v, said, customer.account_number), visitors))
    assert crm.lookup_count(customer.account_number) == 0
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda v: v.texts(wrong_names(customer)[0]), visitors))
    assert crm.lookup_count(customer.account_number) == 3
    firsts = sorted(texts[0] for texts in answers)
    mismatch = [said("utter_verification_mismatch", verification_remaining=n) for n in "12"]
    assert firsts == sorted(mismatch + [said("utter_verification_locked")] * 48)


@pytest.mark.faults
def test_counts_survive_a_restart_of_every_service(
    stack: Stack, bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    start(visitor, said, customer.account_number)
    names = iter(wrong_names(customer))
    for service, remaining in (("actions", "2"), ("redis", "1")):
        stack.restart(service)
        assert visitor.texts(next(names))[0] == said(
            "utter_verification_mismatch", verification_remaining=remaining
        ), service
    for service in ("rasa", "desk1", "desk2"):  # the desks also reconnect to Redis afresh
        stack.restart(service)
    assert visitor.texts(next(names)) == [
        said("utter_verification_locked"),
        said("utter_offer_human"),
    ]
    assert visitor.new_chat().texts("查账户")[0] == said("utter_verification_locked_visitor")
    assert crm.lookup_count(customer.account_number) == 3


@pytest.mark.attack("9", "a new chat in the same browser gets fresh checks")
def test_through_the_desk_a_new_chat_from_the_same_place_is_still_locked(
    stack: Stack, said: Render, phrases: Phrases, text: Callable[[str], str],
    customers: Iterator[Customer], crm: StandInCrm,
) -> None:  # fmt: skip
    customer = next(customers)
    headers = {"X-Forwarded-For": random_ip()}
    browser = uuid.uuid4().hex  # what the chat page keeps in localStorage

    async def scenario() -> None:
        url = stack.desk_urls[1]
        visitor = await new_visitor(url, text, headers=headers, browser_id=browser)
        for line, expected in [
            ("帮我查一下我的账户", said("utter_ask_account_number")),
            (customer.account_number, said("utter_ask_verification_fact")),
            (wrong_names(customer)[0], said("utter_ask_verification_fact")),
            (wrong_names(customer)[1], said("utter_ask_verification_fact")),
            (wrong_names(customer)[2], said("utter_offer_human")),
        ]:
            start_at = len(visitor.messages.items)
            await visitor.say(line)
            await visitor.messages.wait_for(
                lambda m, expected=expected: m["text"] == expected, WAIT, start_at
            )
        await visitor.close()
        again = await new_visitor(url, text, headers=headers, browser_id=browser)
        assert again.conversation_id != visitor.conversation_id
        start_at = len(again.messages.items)
        await again.say("查一下我的户号")
        await again.messages.wait_for(
            lambda m: m["text"] == said("utter_verification_locked_visitor"), WAIT, start_at
        )
        await again.close()

    run(scenario)
    assert crm.lookup_count(customer.account_number) == 3


def test_a_verified_visitor_reaches_the_console_with_the_account(
    stack: Stack, said: Render, text: Callable[[str], str], customers: Iterator[Customer]
) -> None:
    customer = next(customers)

    async def scenario() -> None:
        agent = await logged_in(stack.desk_urls[0], "2001")
        visitor = await new_visitor(
            stack.desk_urls[1], text, headers={"X-Forwarded-For": random_ip()}
        )
        for line in ("帮我查一下我的账户", customer.account_number, customer.name):
            start_at = len(visitor.messages.items)
            await visitor.say(line)
            await visitor.messages.wait_for(
                lambda m: m["sender"] in ("bot", "system"), WAIT, start_at
            )
        await visitor.messages.wait_for(lambda m: m["sender"] == "system", WAIT)
        status, view = await agent.accept(str(visitor.conversation_id))
        assert status == 200
        ticket = view["ticket"]
        assert ticket["reason"] == "account_verified"
        assert ticket["reason_label"] == "已验证"
        assert ticket["verified"] == customer.account_number
        status, _ = await agent.finish(str(visitor.conversation_id))
        assert status == 200  # the agent's capacity is free for the other tests
        await visitor.close()
        await agent.close()

    run(scenario)


REVERSE_LOOKUP = '/inform{"verification_method": "address"}'


def test_after_a_mismatch_the_reverse_lookup_verifies_the_record_found(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    start(visitor, said, customer.account_number)
    [mismatch, _] = [r for r in visitor.say(wrong_names(customer)[0]) if "text" in r]
    assert mismatch["buttons"] == [{"title": "用户名和地址反查", "payload": REVERSE_LOOKUP}]
    searches = crm.searches
    assert visitor.texts(REVERSE_LOOKUP) == [said("utter_ask_lookup_name")]
    assert visitor.texts(f"户名是{customer.name}") == [said("utter_ask_lookup_address")]
    replies = visitor.say(customer.address)
    assert [r["text"] for r in replies if "text" in r] == [
        said("utter_verification_succeeded"),
        said("utter_handoff"),
    ]
    assert handoff_of(replies)["verification"] == {
        "status": "verified",
        "account_number": customer.account_number,
        "method": "address",
    }
    assert (crm.lookup_count(customer.account_number), crm.searches) == (1, searches + 1)


def test_a_failed_reverse_lookup_counts_and_goes_back_to_the_account_number(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    customer = next(customers)
    visitor = Visitor(bot)
    visitor.texts("我忘了户号 帮我查下")
    assert visitor.texts(REVERSE_LOOKUP) == [said("utter_ask_lookup_name")]
    assert visitor.texts("王") == [  # one character is no name
        said("utter_invalid_lookup_name"),
        said("utter_ask_lookup_name"),
    ]
    visitor.texts(customer.name)
    assert visitor.texts("杭州") == [  # malformed: not counted
        said("utter_invalid_lookup_address"),
        said("utter_ask_lookup_address"),
    ]
    assert visitor.texts("北京市海淀区中关村大街1号") == [
        said("utter_verification_mismatch", verification_remaining="2"),
        said("utter_ask_account_number"),
    ]


@pytest.mark.attack("1", "verify for 户号 A, then claim B: the ticket says B is verified")
def test_a_number_claimed_after_verifying_reaches_the_agent_only_as_visitor_stated(
    stack: Stack, said: Render, phrases: Phrases, text: Callable[[str], str],
    customers: Iterator[Customer], crm: StandInCrm,
) -> None:  # fmt: skip
    """Issue 18: verified for 户号 A, the visitor leaves the queue, says "我的户号是B" and asks
    for a human: the ticket is verified for A; B is only what the visitor said."""
    own, claimed = next(customers), next(customers)

    async def scenario() -> Dict[str, Any]:
        agent = await logged_in(stack.desk_urls[0], "2001")
        visitor = await new_visitor(
            stack.desk_urls[1], text, headers={"X-Forwarded-For": random_ip()}
        )
        conversation_id = str(visitor.conversation_id)
        try:
            for line in ("帮我查一下我的账户", own.account_number, own.name):
                start_at = len(visitor.messages.items)
                await visitor.say(line)
                await visitor.messages.wait_for(
                    lambda m: m["sender"] in ("bot", "system"), WAIT, start_at
                )
            await visitor.messages.wait_for(is_position_line, WAIT)  # queued, verified for A
            start_at = len(visitor.messages.items)
            await visitor.say(LEAVE_QUEUE_PAYLOAD)
            await visitor.messages.wait_for(
                lambda m: m["text"] == phrases.say("left_queue"), WAIT, start_at
            )
            start_at = len(visitor.messages.items)
            await visitor.say(f"我的户号是{claimed.account_number}")
            reply = await visitor.messages.wait_for(lambda m: m["sender"] == "bot", WAIT, start_at)
            assert reply["text"] == said("utter_how_can_i_help")  # taken as a plain statement
            start_at = len(visitor.messages.items)
            await visitor.say("转人工")
            await visitor.messages.wait_for(is_position_line, WAIT, start_at)
            status, view = await agent.accept(conversation_id)
            assert status == 200
            ticket: Dict[str, Any] = view["ticket"]
            return ticket
        finally:
            await agent.finish(conversation_id)  # the agent's capacity is free for the others
            await visitor.close()
            await agent.close()

    ticket = run(scenario)
    assert ticket["reason"] == "request_human"
    assert ticket["verified"] == own.account_number
    assert ticket["verification"] == {
        "status": "verified",
        "account_number": own.account_number,
        "method": "name",
    }
    assert ticket["slots"]["account_number"] == claimed.account_number  # visitor-stated
    rest = {key: value for key, value in ticket.items() if key != "slots"}
    assert claimed.account_number not in json.dumps(rest, ensure_ascii=False)
    # B was never checked against the directory; A once
    assert crm.lookup_count(claimed.account_number) == 0
    assert crm.lookup_count(own.account_number) == 1


@pytest.mark.attack("9", "three wrong guesses behind a shared address lock out everyone there")
def test_a_shared_address_locks_out_only_the_visitor_who_guessed(
    bot: Bot, said: Render, customers: Iterator[Customer], crm: StandInCrm
) -> None:
    """Issue 18: three wrong guesses by one visitor behind a shared address (a company NAT) use
    up that visitor's checks, in a new chat from their browser too, but not a neighbour's."""
    ip, browser = random_ip(), uuid.uuid4().hex

    def texts(sender: str, text: str, visitor_id: str) -> List[str]:
        metadata = {CLIENT_IP_KEY: ip, VISITOR_ID_KEY: visitor_id}
        return [r["text"] for r in bot.say(sender, text, metadata=metadata) if "text" in r]

    records = [next(customers) for _ in range(3)]
    guesser = f"visitor-{uuid.uuid4().hex}"
    assert texts(guesser, "帮我查一下我的账户", browser)[-1] == said("utter_ask_account_number")
    for record, remaining in zip(records[:2], "21", strict=True):  # one wrong guess at each record
        assert texts(guesser, record.account_number, browser) == [
            said("utter_ask_verification_fact")
        ]
        assert texts(guesser, wrong_names(record)[0], browser) == [
            said("utter_verification_mismatch", verification_remaining=remaining),
            said("utter_ask_verification_fact"),
        ]
    texts(guesser, records[2].account_number, browser)
    locked = [said("utter_verification_locked_visitor"), said("utter_offer_human")]
    assert texts(guesser, wrong_names(records[2])[0], browser) == locked
    # a new chat from the same browser: refused before any check, as this visitor
    assert texts(f"visitor-{uuid.uuid4().hex}", "帮我查一下我的账户", browser) == locked
    # a neighbour behind the same address verifies as usual
    neighbour, elsewhere = f"visitor-{uuid.uuid4().hex}", uuid.uuid4().hex
    texts(neighbour, "帮我查一下我的账户", elsewhere)
    texts(neighbour, records[0].account_number, elsewhere)
    assert texts(neighbour, records[0].name, elsewhere) == [
        said("utter_verification_succeeded"),
        said("utter_handoff"),
    ]
    assert [crm.lookup_count(r.account_number) for r in records] == [2, 1, 1]
