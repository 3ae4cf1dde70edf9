"""The compliance lint over domains and the desk's lines: clean today, failing on a bad response."""

import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from compliance.checker import default_checker
from compliance.lint import DEFAULT_DOMAIN, DEFAULT_PHRASES, domain_texts, lint, main, phrases_texts
from tests.conftest import ROOT

BAD_DOMAIN = {
    "version": "3.1",
    "responses": {
        "utter_greet": [{"text": "您好,请问有什么可以帮您?"}],
        "utter_wait": [{"text": "这个可能要等。"}],
        # 可能 warning of a consequence: the rule (context: model) matches, the classifier clears
        "utter_notice": [{"text": "账户长期不登录可能会被冻结,建议您定期登录。"}],
        "utter_faq/delivery": [{"text": "不可能让您久等,三天内送达。"}, {"text": "喂,等一会!"}],
        "utter_offer": [
            {"text": "需要转人工吗?", "buttons": [{"title": "你们的客服", "payload": "/x"}]}
        ],
    },
    "affirmation": {
        "question_one": "您是不是说「{first}」?",
        "labels": {"greet": "打个招呼", "faq/delivery": "你们几点送货"},
    },
}


def suggestion(rule: str) -> str:
    return default_checker().inventory.rule(rule).suggestion


@pytest.fixture
def bad_domain(tmp_path: Path) -> Path:
    path = tmp_path / "domain.yml"
    text = yaml.safe_dump(BAD_DOMAIN, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_current_domain_and_desk_lines_are_clean() -> None:
    total, found = lint([DEFAULT_DOMAIN], DEFAULT_PHRASES)
    assert [str(f) for f in found] == []
    assert total > 80


def test_a_bad_response_fails_with_file_response_and_suggestion(
    bad_domain: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(bad_domain), "--no-phrases"]) == 1
    path = str(bad_domain)
    assert capsys.readouterr().out.splitlines() == [
        f'{path}: utter_wait: "可能" (模糊性语言, seed 000) → {suggestion("vague_possibly")}',
        f'{path}: utter_faq/delivery[1]: "喂" (不当招呼, seed 002) → {suggestion("bare_wei")}',
        f'{path}: utter_faq/delivery[1]: "等一会" (激怒客户的语言, seed 002) → '
        f"{suggestion('provoking_wait')}",
        f'{path}: utter_offer button: "你们的" (称呼不敬, seed 003) → '
        f"{suggestion('impersonal_ni')}",
        f"compliance lint: 4 violations in 9 texts ({path})",
    ]


def test_a_context_rules_word_in_its_acceptable_sense_is_not_reported() -> None:
    text = BAD_DOMAIN["responses"]["utter_notice"][0]["text"]
    assert [v.rule for v in default_checker().check(text)] == ["vague_possibly"]
    assert default_checker().rules["vague_possibly"].needs_context


def test_the_command_line_exits_1_on_a_bad_domain(bad_domain: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "compliance.lint", str(bad_domain)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f'{bad_domain}: utter_wait: "可能" (模糊性语言, seed 000) → ' in result.stdout
    assert result.stdout.splitlines()[-1].startswith("compliance lint: 4 violations in ")


def test_a_clean_domain_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "domain.yml"
    path.write_text("responses:\n  utter_greet:\n  - text: 您好!\n", encoding="utf-8")
    assert main([str(path), "--no-phrases"]) == 0
    assert capsys.readouterr().out == f"compliance lint: 1 texts, no violations ({path})\n"


def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.yml"), "--no-phrases"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_domain_texts_names_variants_buttons_and_affirmation_but_not_faq_labels() -> None:
    assert list(domain_texts(BAD_DOMAIN)) == [
        ("utter_greet", "您好,请问有什么可以帮您?"),
        ("utter_wait", "这个可能要等。"),
        ("utter_notice", "账户长期不登录可能会被冻结,建议您定期登录。"),
        ("utter_faq/delivery", "不可能让您久等,三天内送达。"),
        ("utter_faq/delivery[1]", "喂,等一会!"),
        ("utter_offer", "需要转人工吗?"),
        ("utter_offer button", "你们的客服"),
        ("affirmation.question_one", "您是不是说「{first}」?"),
        ("affirmation.labels.greet", "打个招呼"),
    ]


def test_phrases_texts_cover_system_lines_reasons_and_canned_replies() -> None:
    phrases: Dict[str, Any] = {
        "system": {"queued": "请您稍等。"},
        "reasons": {"complaint": "投诉"},
        "canned": [{"title": "稍等", "text": "对不起,请您稍等一下。"}],
    }
    assert list(phrases_texts(phrases)) == [
        ("system.queued", "请您稍等。"),
        ("reasons.complaint", "投诉"),
        ("canned.稍等", "稍等"),
        ("canned.稍等", "对不起,请您稍等一下。"),
    ]


def test_the_lint_sees_every_response_of_the_domain() -> None:
    domain = yaml.safe_load(DEFAULT_DOMAIN.read_text(encoding="utf-8"))
    names = {name.split("[")[0].removesuffix(" button") for name, _ in domain_texts(domain)}
    assert set(domain["responses"]) <= names
    assert any(name.startswith("utter_faq/") for name in names)  # FAQ answers included
