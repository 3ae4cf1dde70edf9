"""The commands the stack starts its services with, parsed by the programs' own parsers."""

from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from devtools.stack import Stack


@pytest.mark.parametrize("token", ["-ldiaQtVJjxU5l-e_ke50", "--x", "plain_token"])
def test_rasa_reads_the_whole_api_token_even_when_it_starts_with_a_dash(
    tmp_path: Path, token: str
) -> None:
    stack = Stack(log_dir=tmp_path / "logs", redis_dir=tmp_path / "redis", rasa_token=token)
    command = stack.services["rasa"].command

    args = create_argument_parser().parse_args(command[1:])

    assert args.auth_token == token
    assert args.enable_api is True
    assert args.port == stack.rasa_port
