"""The account actions: exact events and response names, over real Redis and SQLite."""

import asyncio
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.account import (
    ActionStartVerification,
    ActionVerifyAccount,
    ValidateAccountVerificationForm,
    client_ip,
    visitor_id,
)
from actions.directory import Customer, SqliteDirectory
from actions.services import Services
from actions.settings import Settings
from actions.verification_limits import AttemptLimiter
from common.contract import CLIENT_IP_KEY, VISITOR_ID_KEY
from common.redis_connection import connect
from tests.conftest import TrackerFactory, user_event


def run(  # type: ignore[no-untyped-def]
    action: Any,
    dispatcher: CollectingDispatcher,
    tracker: Any,
    redis_url: str,
    path: Path,
    settings: Settings | None = None,
):
    """Runs `action` (a class) with services on the test Redis and directory."""

    async def scenario() -> List[Dict[str, Any]]:
        limiter = AttemptLimiter(connect(redis_url))
        services = Services(settings or Settings(), limiter, SqliteDirectory(path))
        try:
            result: List[Dict[str, Any]] = await action(services).run(dispatcher, tracker, {})
            return result
        finally:
            await limiter.close()

    return asyncio.run(scenario())


def visitor_message(
    text: str, ip: str | None = None, browser: str | None = None, **entities: str
) -> Dict[str, Any]:
    """A visitor message with the desk's metadata: the client address and the browser's
    durable visitor id, when given."""
    event = user_event(
        text,
        "account_lookup",
        entities=[{"entity": name, "value": value} for name, value in entities.items()],
    )
    metadata = {CLIENT_IP_KEY: ip, VISITOR_ID_KEY: browser}
    if ip is not None or browser is not None:
        event["metadata"] = {key: value for key, value in metadata.items() if value is not None}
    return event


def nobody_s_account() -> str:
    """A random well-formed 户号 of its own for each call: a failed check on a new record (the
    names these tests give never match, whoever might hold it)."""
    return f"9{uuid.uuid4().int % 10**9:09d}"


def new_ip() -> str:
    """A client address of its own for each call: tests share one Redis."""
    value = uuid.uuid4().int
    return f"10.{value % 256}.{(value >> 8) % 256}.{(value >> 16) % 256}"


def test_client_ip_comes_from_the_latest_visitor_message() -> None:
    events = [visitor_message("a", ip="203.0.113.1"), visitor_message("b", ip="203.0.113.2")]
    assert client_ip(events) == "203.0.113.2"
    assert client_ip([visitor_message("a")]) is None
    assert client_ip([]) is None


def test_visitor_id_comes_from_the_latest_visitor_message() -> None:
    events = [visitor_message("a", browser="v-1"), visitor_message("b", browser="v-2")]
    assert visitor_id(events) == "v-2"
    assert visitor_id([visitor_message("a", browser="v-1"), visitor_message("b")]) is None
    assert visitor_id([visitor_message("a", browser="")]) is None
    assert visitor_id([{**visitor_message("a"), "metadata": {VISITOR_ID_KEY: 7}}]) is None


def test_start_opens_a_verification(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    tracker = tracker_factory(
        slots={"account_number": "1111111111"}, events=[visitor_message("查下我的账户")]
    )
    events = run(ActionStartVerification, dispatcher, tracker, redis_url, directory_path)
    assert events == [
        SlotSet("account_number", None),  # an old 户号 is not reused: the form asks
        SlotSet("verification_limit", "3"),
        SlotSet("verification_status", "open"),
    ]
    assert dispatcher.messages == []


def test_start_sets_no_slot_that_is_already_right(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    # the form validates every slot event of the turn it opens in: no needless ones
    tracker = tracker_factory(events=[visitor_message("查下我的账户")])
    events = run(ActionStartVerification, dispatcher, tracker, redis_url, directory_path)
    assert events == [
        SlotSet("verification_limit", "3"),
        SlotSet("verification_status", "open"),
    ]


def test_start_keeps_the_number_in_the_request(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    message = visitor_message("查户号５１０８ ２９３７４６", account_number="５１０８ ２９３７４６")
    events = run(
        ActionStartVerification, dispatcher, tracker_factory(events=[message]), redis_url,
        directory_path,
    )  # fmt: skip
    assert events[0] == SlotSet("account_number", "5108293746")


def test_verify_then_three_failures_lock_the_record_and_the_visitor_in_a_new_chat(
    tracker_factory: TrackerFactory,
    redis_url: str,
    directory_path: Path,
    customer: Customer,
) -> None:
    ip, browser = new_ip(), uuid.uuid4().hex

    def verify(fact: str, conversation: str) -> List[Dict[str, Any]]:
        tracker = tracker_factory(
            slots={"account_number": customer.account_number, "verification_fact": fact},
            events=[visitor_message(fact, ip=ip, browser=browser)],
            sender_id=conversation,
        )
        return run(ActionVerifyAccount, CollectingDispatcher(), tracker, redis_url, directory_path)

    def start(browser_id: str, **entities: str) -> List[Dict[str, Any]]:
        message = visitor_message("查账户", ip=ip, browser=browser_id, **entities)
        tracker = tracker_factory(events=[message], sender_id=uuid.uuid4().hex)
        return run(ActionStartVerification, CollectingDispatcher(), tracker, redis_url,
                   directory_path)  # fmt: skip

    first_chat = uuid.uuid4().hex
    assert verify(customer.name, first_chat) == [
        SlotSet("verification_status", "verified"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "3"),
        SlotSet("verification_method", "name"),
        SlotSet("verified_account", customer.account_number),
        SlotSet("verified_method", "name"),
    ]
    assert verify("1234" if customer.phone[-4:] != "1234" else "4321", first_chat) == [
        SlotSet("verification_status", "mismatch"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "2"),
    ]
    assert verify("张三丰", first_chat)[0] == SlotSet("verification_status", "mismatch")
    # the record and this visitor are both used up: the record's refusal is the one named
    assert verify("李四光", first_chat) == [
        SlotSet("verification_status", "locked"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "0"),
        SlotSet("verification_blocked_by", "record"),
    ]
    # A new chat from the same browser: no check left, whatever record it names.
    assert start(browser)[-2:] == [
        SlotSet("verification_blocked_by", "visitor"),
        SlotSet("verification_status", "locked"),
    ]
    # Another visitor behind the same address is not locked out by this one...
    assert start(uuid.uuid4().hex) == [
        SlotSet("verification_limit", "3"),
        SlotSet("verification_status", "open"),
    ]
    # ...but the record stays locked for everyone.
    assert start(uuid.uuid4().hex, account_number=customer.account_number)[-2:] == [
        SlotSet("verification_blocked_by", "record"),
        SlotSet("verification_status", "locked"),
    ]


def test_without_a_visitor_id_the_conversation_is_the_visitor(
    tracker_factory: TrackerFactory, redis_url: str, directory_path: Path
) -> None:
    ip, chat = new_ip(), uuid.uuid4().hex

    def verify(account_number: str) -> List[Dict[str, Any]]:
        tracker = tracker_factory(
            slots={"account_number": account_number, "verification_fact": "张三丰"},
            events=[visitor_message("张三丰", ip=ip)],
            sender_id=chat,
        )
        return run(ActionVerifyAccount, CollectingDispatcher(), tracker, redis_url, directory_path)

    # three records nobody holds, one failed check each: the records have checks left
    outcomes = [verify(nobody_s_account()) for _ in range(3)]
    assert [events[0] for events in outcomes] == [
        SlotSet("verification_status", "mismatch"),
        SlotSet("verification_status", "mismatch"),
        SlotSet("verification_status", "locked"),
    ]
    assert outcomes[2][-1] == SlotSet("verification_blocked_by", "visitor")
    again = tracker_factory(events=[visitor_message("查账户", ip=ip)], sender_id=chat)
    events = run(ActionStartVerification, CollectingDispatcher(), again, redis_url, directory_path)
    assert events[-2:] == [
        SlotSet("verification_blocked_by", "visitor"),
        SlotSet("verification_status", "locked"),
    ]


def test_failed_checks_from_one_address_lock_it_at_its_own_limit(
    tracker_factory: TrackerFactory, redis_url: str, directory_path: Path
) -> None:
    ip = new_ip()
    settings = Settings(address_limit=4)

    def verify() -> List[Dict[str, Any]]:
        """A new visitor behind `ip`, one failed check on a record nobody holds."""
        tracker = tracker_factory(
            slots={"account_number": nobody_s_account(), "verification_fact": "张三丰"},
            events=[visitor_message("张三丰", ip=ip, browser=uuid.uuid4().hex)],
            sender_id=uuid.uuid4().hex,
        )
        return run(ActionVerifyAccount, CollectingDispatcher(), tracker, redis_url, directory_path,
                   settings)  # fmt: skip

    outcomes = [verify() for _ in range(4)]
    assert [events[2] for events in outcomes] == [
        SlotSet("verification_remaining", str(n)) for n in (2, 2, 1, 0)
    ]
    assert outcomes[3][0] == SlotSet("verification_status", "locked")
    assert outcomes[3][-1] == SlotSet("verification_blocked_by", "address")
    assert verify()[-1] == SlotSet("verification_blocked_by", "address")  # refused, unchecked
    fresh = tracker_factory(
        events=[visitor_message("查账户", ip=ip, browser=uuid.uuid4().hex)],
        sender_id=uuid.uuid4().hex,
    )
    events = run(ActionStartVerification, CollectingDispatcher(), fresh, redis_url,
                 directory_path, settings)  # fmt: skip
    assert events[-2:] == [
        SlotSet("verification_blocked_by", "address"),
        SlotSet("verification_status", "locked"),
    ]
    # elsewhere, a visitor is not concerned
    elsewhere = tracker_factory(events=[visitor_message("查账户", ip=new_ip())])
    events = run(ActionStartVerification, CollectingDispatcher(), elsewhere, redis_url,
                 directory_path, settings)  # fmt: skip
    assert events[-1] == SlotSet("verification_status", "open")


def test_a_new_verification_forgets_the_verified_account(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    slots = {
        "verification_status": "verified",
        "verified_account": "5108293746",
        "verified_method": "name",
        "verification_blocked_by": None,
    }
    tracker = tracker_factory(
        slots=slots,
        events=[visitor_message("再查一个账户", ip=new_ip())],
        sender_id=uuid.uuid4().hex,
    )
    events = run(ActionStartVerification, dispatcher, tracker, redis_url, directory_path)
    assert events == [
        SlotSet("verified_account", None),
        SlotSet("verified_method", None),
        SlotSet("verification_limit", "3"),
        SlotSet("verification_status", "open"),
    ]


def test_a_refusal_before_any_check_also_forgets_the_verified_account(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    ip = new_ip()
    settings = Settings(address_limit=1)
    used = tracker_factory(
        slots={"account_number": nobody_s_account(), "verification_fact": "张三丰"},
        events=[visitor_message("张三丰", ip=ip)],
        sender_id=uuid.uuid4().hex,
    )
    run(ActionVerifyAccount, CollectingDispatcher(), used, redis_url, directory_path, settings)
    tracker = tracker_factory(
        slots={"verification_status": "verified", "verified_account": "5108293746"},
        events=[visitor_message("再查一个账户", ip=ip)],
        sender_id=uuid.uuid4().hex,
    )
    events = run(ActionStartVerification, dispatcher, tracker, redis_url, directory_path, settings)
    assert events == [
        SlotSet("verified_account", None),
        SlotSet("verification_limit", "3"),
        SlotSet("verification_blocked_by", "address"),
        SlotSet("verification_status", "locked"),
    ]


def test_verify_without_a_complete_answer_counts_nothing(
    tracker_factory: TrackerFactory,
    dispatcher: CollectingDispatcher,
    redis_url: str,
    directory_path: Path,
) -> None:
    tracker = tracker_factory(slots={"account_number": "12345", "verification_fact": "王芳"})
    events = run(ActionVerifyAccount, dispatcher, tracker, redis_url, directory_path)
    assert events == [SlotSet("verification_status", "open"), SlotSet("verification_fact", None)]


def validate(
    slot: str, value: Any, slots: Dict[str, Any] | None = None
) -> tuple[Dict[str, Any], List[str]]:
    """What the form's validation makes of `value` for `slot`, and the responses it sends."""
    dispatcher = CollectingDispatcher()
    form = ValidateAccountVerificationForm()
    method = getattr(form, f"validate_{slot}")
    slots = {"requested_slot": slot, **(slots or {})}
    tracker = Tracker("visitor-1", slots, {}, [], False, None, {}, None)
    result: Dict[str, Any] = asyncio.run(method(value, dispatcher, tracker, {}))
    return result, [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5108293746", "5108293746"),
        ("户号是 ５１０８-２９３７-４６", "5108293746"),
        ("5108 2937 46", "5108293746"),
    ],
)
def test_a_well_formed_account_number_is_taken(value: str, expected: str) -> None:
    assert validate("account_number", value) == ({"account_number": expected}, [])


@pytest.mark.parametrize(
    "value",
    ["12345", "510829374612", "51082abc46", "", "<script>alert(1)</script>", "😀" * 50],
)
def test_a_malformed_account_number_is_asked_again(value: Any) -> None:
    assert validate("account_number", value) == (
        {"account_number": None},
        ["utter_invalid_account_number"],
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("王芳", "王芳"),
        ("户名是 李建国", "李建国"),
        ("尾号８８１６", "8816"),
        ("后四位1234", "1234"),
    ],
)
def test_a_well_formed_fact_is_taken(value: str, expected: str) -> None:
    assert validate("verification_fact", value) == ({"verification_fact": expected}, [])


@pytest.mark.parametrize("value", ["12", "123456", "a", "", "'; DROP TABLE customers; --"])
def test_a_malformed_fact_is_asked_again(value: str) -> None:
    assert validate("verification_fact", value) == (
        {"verification_fact": None},
        ["utter_invalid_verification_fact"],
    )


@pytest.mark.parametrize("slot", ["account_number", "verification_fact"])
def test_a_cleared_slot_is_not_an_answer(slot: str) -> None:
    assert validate(slot, None) == ({slot: None}, [])


def test_a_new_account_number_in_place_of_the_fact_replaces_the_old_one() -> None:
    assert validate("verification_fact", "户号应该是5108293746") == (
        {"account_number": "5108293746", "verification_fact": None},
        [],
    )


def test_the_reverse_lookup_asks_name_and_address_instead() -> None:
    form = ValidateAccountVerificationForm()

    def required(slots: Dict[str, Any]) -> List[str]:
        tracker = Tracker("visitor-1", slots, {}, [], False, None, {}, None)
        result: List[str] = asyncio.run(
            form.required_slots(
                ["account_number", "verification_fact", "lookup_name", "lookup_address"],
                CollectingDispatcher(),
                tracker,
                {},
            )
        )
        return result

    assert required({}) == ["account_number", "verification_fact"]
    assert required({"verification_method": "address"}) == ["lookup_name", "lookup_address"]


def test_the_reverse_lookup_button_is_not_a_malformed_answer() -> None:
    payload = '/inform{"verification_method": "address"}'
    chosen = {"verification_method": "address"}
    assert validate("account_number", payload, chosen) == ({"account_number": None}, [])
    assert validate("verification_fact", payload, chosen) == ({"verification_fact": None}, [])


@pytest.mark.parametrize(
    ("slot", "value", "expected", "hint"),
    [
        ("lookup_name", "户名是 王芳", "王芳", None),
        ("lookup_name", "12345", None, "utter_invalid_lookup_name"),
        (
            "lookup_address",
            "地址是浙江省杭州市西湖区文三路128号",
            "浙江省杭州市西湖区文三路128号",
            None,
        ),
        ("lookup_address", "杭州", None, "utter_invalid_lookup_address"),
        ("lookup_address", "<script>", None, "utter_invalid_lookup_address"),
    ],
)
def test_reverse_lookup_answers(
    slot: str, value: str, expected: str | None, hint: str | None
) -> None:
    assert validate(slot, value) == ({slot: expected}, [hint] if hint else [])


def reverse_lookup(
    tracker_factory: TrackerFactory,
    redis_url: str,
    path: Path,
    name: str,
    address: str,
    conversation: str | None = None,
) -> List[Dict[str, Any]]:
    tracker = tracker_factory(
        slots={"verification_method": "address", "lookup_name": name, "lookup_address": address},
        events=[visitor_message(address, ip=new_ip())],
        sender_id=conversation or uuid.uuid4().hex,
    )
    return run(ActionVerifyAccount, CollectingDispatcher(), tracker, redis_url, path)


def test_a_reverse_lookup_match_verifies_the_record_found(
    tracker_factory: TrackerFactory, redis_url: str, directory_path: Path, customer: Customer
) -> None:
    events = reverse_lookup(
        tracker_factory, redis_url, directory_path, customer.name, customer.address
    )
    # the record found is the verified one; nothing goes where the visitor's own words go
    assert events == [
        SlotSet("verification_status", "verified"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "3"),
        SlotSet("lookup_name", None),
        SlotSet("lookup_address", None),
        SlotSet("verification_method", "address"),
        SlotSet("verified_account", customer.account_number),
        SlotSet("verified_method", "address"),
    ]


def test_failed_reverse_lookups_of_one_name_lock_it_for_everyone(
    tracker_factory: TrackerFactory, redis_url: str, directory_path: Path, customer: Customer
) -> None:
    cleared = [
        SlotSet("lookup_name", None),
        SlotSet("lookup_address", None),
        SlotSet("verification_method", None),
    ]
    wrong = "北京市海淀区中关村大街1号"
    outcomes = [
        reverse_lookup(tracker_factory, redis_url, directory_path, customer.name, wrong)
        for _ in range(3)
    ]
    assert outcomes[0] == [
        SlotSet("verification_status", "mismatch"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "2"),
        *cleared,
    ]
    assert outcomes[2][:4] == [
        SlotSet("verification_status", "locked"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "0"),
        SlotSet("verification_blocked_by", "record"),  # the name's limit is the record's
    ]
    # a fourth visitor with the right address is refused: that name has no check left
    late = reverse_lookup(
        tracker_factory, redis_url, directory_path, customer.name, customer.address
    )
    assert late[:4] == [
        SlotSet("verification_status", "locked"),
        SlotSet("verification_fact", None),
        SlotSet("verification_remaining", "0"),
        SlotSet("verification_blocked_by", "record"),
    ]
    assert SlotSet("verified_account", customer.account_number) not in late


@pytest.mark.parametrize(
    ("slot", "value", "asked"),
    [
        ("account_number", "1", "verification_fact"),  # a digit NLU found somewhere else
        ("verification_fact", "12", "account_number"),
        ("lookup_name", "王", "lookup_address"),
        ("lookup_address", "杭州", "lookup_name"),
    ],
)
def test_a_malformed_value_for_a_question_not_asked_is_dropped_silently(
    slot: str, value: str, asked: str
) -> None:
    assert validate(slot, value, {"requested_slot": asked}) == ({slot: None}, [])
