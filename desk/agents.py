"""`python -m desk.agents`: create or update agent accounts (工号, name, password, capacity).

python -m desk.agents create 1001 --name 王芳 --capacity 3   # asks for the password
echo "$PASSWORD" | python -m desk.agents create 1001 --name 王芳 --password-stdin
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
from desk.store import DeskStore

MIN_PASSWORD_CHARS = 8


async def create_agent(
    redis_url: str, agent_id: str, name: str, password: str, capacity: int
) -> None:
    """Saves the agent with a hashed password; an existing 工号 gets the new values."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    redis = connect(redis_url)
    try:
        store = DeskStore(redis, visitor_ttl_seconds=1)
        await store.save_agent(
            agent_id, name=name, password_hash=hash_password(password), capacity=capacity
        )
        await store.set_presence(agent_id, "offline")
    finally:
        await redis.close()


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desk.agents", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create or update an agent")
    create.add_argument("agent_id", help="工号, e.g. 1001")
    create.add_argument("--name", required=True)
    create.add_argument("--capacity", type=int, default=3, help="concurrent chats (default 3)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    args = parser.parse_args(argv)
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码: ")
    )
    redis_url = DeskSettings.from_env(os.environ).redis_url
    try:
        asyncio.run(create_agent(redis_url, args.agent_id, args.name, password, args.capacity))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"agent {args.agent_id} ({args.name}) saved, capacity {args.capacity}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
