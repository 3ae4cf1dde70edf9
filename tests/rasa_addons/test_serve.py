"""`python -m rasa_addons.serve`: Rasa's token comes from the environment, never argv."""

import pytest
from rasa.__main__ import create_argument_parser

from rasa_addons.serve import rasa_arguments

RUN = ["run", "--enable-api", "--port", "5005"]


@pytest.mark.parametrize("token", ["-ldiaQtVJjxU5l-e_ke50", "--x", "plain_token"])
def test_rasa_reads_the_whole_token_from_the_environment(token: str) -> None:
    args = create_argument_parser().parse_args(rasa_arguments(RUN, {"RASA_TOKEN": token}))
    assert (args.auth_token, args.enable_api, args.port) == (token, True, 5005)


def test_without_a_token_rasa_runs_without_one() -> None:
    assert rasa_arguments(RUN, {"RASA_TOKEN": " "}) == RUN


@pytest.mark.parametrize("argument", ["--auth-token=abc", "--auth-token"])
def test_a_token_on_the_command_line_is_refused(argument: str) -> None:
    with pytest.raises(SystemExit, match="RASA_TOKEN"):
        rasa_arguments([*RUN, argument], {"RASA_TOKEN": "t"})
