"""The visitor's address the desk passes to Rasa: the peer's, or a trusted proxy's word."""

from types import SimpleNamespace

import pytest

from desk.sockets import client_ip, peer_address, visitor_history

PROXY = ("127.0.0.1", "10.0.0.2")


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "expected"),
    [
        # No header, or a peer that is not a trusted proxy: the peer's own address.
        ("198.51.100.4", None, "198.51.100.4"),
        ("198.51.100.4", "203.0.113.7", "198.51.100.4"),
        # A trusted proxy: the left-most entry, the client the first proxy saw.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", " 203.0.113.7 , 10.0.0.9", "203.0.113.7"),
        ("127.0.0.1", "2001:DB8:0::7, 10.0.0.9", "2001:db8::7"),
        # Invalid entries are ignored: the proxy's address counts.
        ("127.0.0.1", "unknown", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7:5555", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", ", 203.0.113.7", "127.0.0.1"),
        # IPv6 peers, normalised.
        ("2001:db8:0:0::1", None, "2001:db8::1"),
        ("::1", "203.0.113.7", "::1"),
        # A peer that is not an address at all.
        ("", "203.0.113.7", None),
    ],
)
def test_client_ip(remote_addr: str, forwarded_for: str | None, expected: str | None) -> None:
    assert client_ip(remote_addr, forwarded_for, PROXY) == expected


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert client_ip("127.0.0.1", "203.0.113.7", ()) == "127.0.0.1"


def test_the_peer_is_the_sanic_requests_not_engineios_fixed_remote_addr() -> None:
    """engine.io's Sanic driver puts "127.0.0.1" in REMOTE_ADDR whoever connects."""
    request = SimpleNamespace(ip="198.51.100.4")
    assert peer_address({"REMOTE_ADDR": "127.0.0.1", "sanic.request": request}) == "198.51.100.4"
    assert peer_address({"REMOTE_ADDR": "198.51.100.5"}) == "198.51.100.5"
    assert peer_address({}) == ""


def test_the_visitors_history_does_not_say_a_line_was_sent_despite_a_warning() -> None:
    line = {"seq": 5, "from": "agent", "ts": 1.0, "text": "你好", "agent_id": "1", "forced": True}
    assert visitor_history([line]) == [
        {"seq": 5, "from": "agent", "ts": 1.0, "text": "你好", "agent_id": "1"}
    ]
