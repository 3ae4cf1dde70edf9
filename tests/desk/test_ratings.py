"""Ratings without servers: the buttons, their payloads, the summary per agent."""

import pytest

from desk.ratings import RATING_LABELS, rating_buttons, rating_score, summarise_ratings


def test_rating_buttons_offer_five_to_one_and_their_payloads_parse_back() -> None:
    buttons = rating_buttons()
    assert [b["title"] for b in buttons] == ["非常满意", "满意", "一般", "不满意", "非常不满意"]
    assert [rating_score(b["payload"]) for b in buttons] == [5, 4, 3, 2, 1]
    assert set(RATING_LABELS) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    "text",
    ['/rating{"score":6}', '/rating{"score":0}', "/rating", "评分5", '/rating{"score":5} x', ""],
)
def test_anything_else_is_not_a_rating(text: str) -> None:
    assert rating_score(text) is None


def test_ratings_are_summarised_per_agent_with_the_bot_first() -> None:
    records = [
        {"agent_id": "1001", "agent_name": "王芳", "score": 5, "comment": "", "ts": 1.0},
        {"agent_id": "1001", "agent_name": "王芳", "score": 4, "comment": "很耐心", "ts": 2.0},
        {"agent_id": "bot", "agent_name": "智能客服", "score": 3, "comment": "", "ts": 3.0},
        {"agent_id": "1001", "agent_name": "王芳", "score": 2, "comment": "等太久", "ts": 4.0},
    ]
    assert summarise_ratings(records) == [
        {
            "agent_id": "bot",
            "name": "智能客服",
            "count": 1,
            "scores": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 0},
            "comments": [],
            "average": 3.0,
        },
        {
            "agent_id": "1001",
            "name": "王芳",
            "count": 3,
            "scores": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
            "comments": [
                {"score": 2, "comment": "等太久", "ts": 4.0},
                {"score": 4, "comment": "很耐心", "ts": 2.0},
            ],
            "average": 3.67,
        },
    ]
    assert summarise_ratings([]) == []
