"""The stock rasa-webchat widget (npm rasa-webchat@1.0.1, socket.io-client 3) against the desk.

Nothing is adapted on either side: scripts/fetch_webchat.sh fetches the package from the npm
registry, a throwaway page on another origin loads its browser bundle (`lib/index.js`, which sets
`window.WebChat`) and mounts it with `WebChat.default(props, element)` pointed at desk 1, and
headless Chromium chats through it. The `stack`, `text` and `store` fixtures come from conftest.py.
"""

import functools
import json
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, TypeAlias

import pytest
import redis
from playwright.sync_api import Browser, Page, Request, WebSocket, expect

from desk.guard import token_digest
from devtools.stack import Stack
from tests.conftest import ROOT
from tests.integration.conftest import WAIT_MS

pytestmark = pytest.mark.integration

FETCH = ROOT / "scripts" / "fetch_webchat.sh"
STORAGE_KEY = "chat_session"  # where rasa-webchat keeps {"session_id": ..., "conversation": ...}
BOT_LINES = ".rw-conversation-container .rw-response .rw-message-text"
VISITOR_LINES = ".rw-conversation-container .rw-client .rw-message-text"
INPUT = ".rw-new-message"
SEND = ".rw-send"
OUTSIDE = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")  # off this machine

# No initPayload: the desk greets a new conversation itself (docs/desk.md).
PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>rasa-webchat against the desk</title>
</head>
<body>
<div id="webchat" style="height: 600px; width: 400px"></div>
<script src="webchat.js"></script>
<script>
  WebChat.default(
    {
      socketUrl: %(socket_url)s,
      socketPath: "/socket.io/",
      embedded: true,
      title: "测试网",
      inputTextFieldHint: "请输入您的问题",
    },
    document.getElementById("webchat")
  );
</script>
</body>
</html>
"""

Store: TypeAlias = "redis.Redis[str]"


@pytest.fixture(scope="module")
def bundle() -> Path:
    """rasa-webchat's browser bundle, fetched by scripts/fetch_webchat.sh if not there yet."""
    done = subprocess.run(
        [str(FETCH)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{FETCH.name} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    path = ROOT / done.stdout.strip().splitlines()[-1]
    assert path.is_file(), f"{FETCH.name} printed {path}, which is not a file"
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(stack: Stack, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page on its own origin that mounts the widget on desk 1; its URL."""
    root = tmp_path_factory.mktemp("webchat-site")
    shutil.copyfile(bundle, root / "webchat.js")
    page = PAGE % {"socket_url": json.dumps(stack.desk_urls[0])}
    (root / "index.html").write_text(page, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def widget(browser: Browser, site: str) -> Iterator[Page]:
    """A new visitor (own browser context) on the page; socket.io traffic is shown on failure."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    # The widget's stylesheet asks Google for a web font: nothing leaves this machine.
    context.route(OUTSIDE, lambda route: route.abort())
    traffic: List[str] = []
    console: List[str] = []

    def record(socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: traffic.append(f"ws> {payload!s}"))
        socket.on("framereceived", lambda payload: traffic.append(f"ws< {payload!s}"))

    def polled(request: Request) -> None:
        if "/socket.io/" in request.url and request.method == "POST":
            traffic.append(f"post> {request.post_data}")

    page = context.new_page()
    page.on("websocket", record)
    page.on("request", polled)
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda request: console.append(f"failed: {request.url}"))
    page.goto(site)
    yield page
    context.close()
    print("socket.io traffic:", *traffic, sep="\n  ")
    print("console:", *console, sep="\n  ")


def session_id(page: Page) -> str:
    """The session token rasa-webchat got in `session_confirm` and keeps in localStorage."""
    stored = page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')")
    assert isinstance(stored, str), f"no {STORAGE_KEY} in localStorage"
    token = json.loads(stored).get("session_id")
    assert isinstance(token, str) and token
    return token


def transcript(store: Store, token: str) -> List[Dict[str, Any]]:
    conversation_id = store.get(f"desk:visitor:{token_digest(token)}")
    assert conversation_id is not None, "the desk does not know the widget's session"
    return [json.loads(line) for line in store.lrange(f"desk:transcript:{conversation_id}", 0, -1)]


def test_webchat_chats_with_the_bot_through_the_desk(
    widget: Page, store: Store, text: Callable[[str], str]
) -> None:
    opening = text("utter_opening")
    # rasa-webchat shows a `bot_uttered` only if, `metadata` aside, its keys are exactly `text`
    # (or `text` and `quick_replies`); any other key and the line is silently dropped.
    expect(widget.locator(BOT_LINES)).to_have_text([opening])
    token = session_id(widget)

    widget.fill(INPUT, "你们几点上班")
    widget.click(SEND)
    expect(widget.locator(INPUT)).to_have_value("")
    expect(widget.locator(VISITOR_LINES)).to_have_text(["你们几点上班"])
    answer = [text("utter_faq/business_hours"), text("utter_anything_else")]
    expect(widget.locator(BOT_LINES)).to_have_text([opening, *answer])

    lines = [(entry["from"], entry["text"]) for entry in transcript(store, token)]
    assert lines == [
        ("bot", opening),
        ("visitor", "你们几点上班"),
        ("bot", answer[0]),
        ("bot", answer[1]),
    ]

    # rasa-webchat keeps its session across a reload (session_request with the stored token):
    # the desk confirms the same one, so the chat goes on in the same conversation.
    widget.reload()
    expect(widget.locator(BOT_LINES)).to_have_text([opening, *answer])
    widget.fill(INPUT, "你好")
    widget.click(SEND)
    expect(widget.locator(BOT_LINES)).to_have_text([opening, *answer, text("utter_greet")])
    assert session_id(widget) == token
    lines += [("visitor", "你好"), ("bot", text("utter_greet"))]
    assert [(entry["from"], entry["text"]) for entry in transcript(store, token)] == lines
