"""`python -m desk.agents`: create or update agent accounts (工号, name, password, capacity), mark
supervisors (质检主管: they see every agent's 质检 scorecards) and list the agents.

python -m desk.agents create 1001 --name 王芳 --capacity 3   # asks for the password
echo "$PASSWORD" | python -m desk.agents create 1001 --name 王芳 --password-stdin
python -m desk.agents create 1009 --name 李主管 --supervisor
python -m desk.agents supervisor 1001 --on                  # or --off
python -m desk.agents list
"""

import argparse
import asyncio
import getpass
import os
import sys
from typing import List

from common.redis_connection import connect
from desk.auth import hash_password
from desk.settings import DeskSettings
from desk.store import Agent, DeskStore

MIN_PASSWORD_CHARS = 8


async def create_agent(
    redis_url: str,
    agent_id: str,
    name: str,
    password: str,
    capacity: int,
    supervisor: bool | None = None,
) -> None:
    """Saves the agent with a hashed password; an existing 工号 gets the new values.

    `supervisor` True or False sets the flag; None leaves an existing agent's as it is (a new
    one is not a supervisor), so resetting a password never demotes anyone.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    redis = connect(redis_url)
    try:
        store = DeskStore(redis, visitor_ttl_seconds=1)
        await store.save_agent(
            agent_id, name=name, password_hash=hash_password(password), capacity=capacity
        )
        await store.set_presence(agent_id, "offline")
        if supervisor is not None:
            await store.set_supervisor(agent_id, supervisor)
    finally:
        await redis.close()


async def set_supervisor(redis_url: str, agent_id: str, on: bool) -> None:
    """Marks an existing agent a supervisor (or not); ValueError for an unknown 工号."""
    redis = connect(redis_url)
    try:
        if not await DeskStore(redis, visitor_ttl_seconds=1).set_supervisor(agent_id, on):
            raise ValueError(f"no agent {agent_id}")
    finally:
        await redis.close()


async def list_agents(redis_url: str) -> List[Agent]:
    """Every agent, by 工号."""
    redis = connect(redis_url)
    try:
        store = DeskStore(redis, visitor_ttl_seconds=1)
        found = [await store.agent(agent_id) for agent_id in await store.agent_ids()]
        return [agent for agent in found if agent is not None]
    finally:
        await redis.close()


def agent_table(agents: List[Agent]) -> str:
    """What `list` prints: one agent a line."""
    rows = ["工号\t姓名\t接待上限\t质检主管"]
    rows += [
        f"{a.agent_id}\t{a.name}\t{a.capacity}\t{'是' if a.supervisor else '否'}" for a in agents
    ]
    return "\n".join(rows)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desk.agents",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create or update an agent")
    create.add_argument("agent_id", help="工号, e.g. 1001")
    create.add_argument("--name", required=True)
    create.add_argument("--capacity", type=int, default=3, help="concurrent chats (default 3)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.add_argument(
        "--supervisor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sees every agent's 质检 scorecards (unchanged when not given)",
    )
    supervisor = commands.add_parser("supervisor", help="mark an agent a supervisor, or not")
    supervisor.add_argument("agent_id", help="工号")
    flag = supervisor.add_mutually_exclusive_group(required=True)
    flag.add_argument("--on", dest="on", action="store_true")
    flag.add_argument("--off", dest="on", action="store_false")
    commands.add_parser("list", help="list the agents")
    args = parser.parse_args(argv)
    redis_url = DeskSettings.from_env(os.environ).redis_url
    if args.command == "list":
        print(agent_table(asyncio.run(list_agents(redis_url))))
        return 0
    if args.command == "supervisor":
        try:
            asyncio.run(set_supervisor(redis_url, args.agent_id, args.on))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"agent {args.agent_id}: supervisor {'on' if args.on else 'off'}")
        return 0
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码: ")
    )
    try:
        asyncio.run(
            create_agent(
                redis_url, args.agent_id, args.name, password, args.capacity, args.supervisor
            )
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    role = ", supervisor" if args.supervisor else ""
    print(f"agent {args.agent_id} ({args.name}) saved, capacity {args.capacity}{role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
