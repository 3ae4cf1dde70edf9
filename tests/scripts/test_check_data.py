"""`make check-data` on small Rasa projects, each with one of the mistakes a bot author makes."""

import re
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from scripts.check_data import (
    HIDDEN,
    Compliance,
    explain,
    heldout_index,
    main,
    rasa_warnings,
)
from scripts.nlu_data import ROOT, load_project, normalise

EXAMPLES: Dict[str, List[str]] = {
    "greet": ["你好", "您好", "早上好", "下午好", "哈喽", "hello", "嗨", "你好呀", "在吗",
              "您好在吗", "早啊", "hi客服"],
    "goodbye": ["再见", "拜拜", "先这样吧", "回头见", "下次再聊", "没事了再见", "好的再见",
                "走了", "先走了", "告辞", "886", "晚安"],
    "faq/hours": ["几点上班", "几点下班", "周末上班吗", "客服工作时间", "营业时间是几点",
                  "晚上有人值班吗", "节假日有客服吗", "什么时候开门", "几点关门", "现在上班吗",
                  "明天几点上班", "中午休息吗"],
    "faq/price": ["多少钱", "价格是多少", "收费吗", "怎么收费", "贵不贵", "有优惠吗",
                  "能便宜点吗", "报价多少", "费用怎么算", "免费吗", "年费多少", "会员多少钱"],
    "out_of_scope": ["今天天气怎么样", "讲个笑话", "股票会涨吗", "推荐一部电影", "一加一等于几",
                     "明天下雨吗", "你会唱歌吗", "帮我写作业", "附近有什么好吃的", "世界杯谁赢了",
                     "怎么减肥", "哪个手机好"],
}  # fmt: skip
INVOICE = ["怎么开发票", "发票怎么开", "我要开发票", "发票抬头怎么填", "电子发票怎么下载",
           "能开专票吗", "发票什么时候寄", "开票信息怎么改"]  # fmt: skip
# Invoice questions an author once filed under faq/price: they compete with ask_invoice.
PRICE_INVOICE = ["请问怎么开发票", "电子发票在哪下载", "发票抬头怎么填写", "发票怎么开呢"]
BLIND = ["这句只在盲测集里出现过呢", "盲测集的第二句话"]

DOMAIN: Dict[str, Any] = {
    "version": "3.1",
    "intents": ["greet", "goodbye", "faq", "out_of_scope", "EXTERNAL_idle"],
    "responses": {
        "utter_greet": [{"text": "您好,请问有什么可以帮您?"}],
        "utter_goodbye": [{"text": "感谢您的咨询,再见!"}],
        "utter_out_of_scope": [{"text": "很抱歉,这个问题不在我们的服务范围内。"}],
        "utter_still_there": [{"text": "您好,请问还在吗?"}],
        "utter_faq/hours": [{"text": "我们的工作时间为周一至周五 9:00-18:00。"}],
        "utter_faq/price": [{"text": "具体价格请您查看产品页面。"}],
    },
    "affirmation": {
        "question_one": "您是不是说「{first}」?",
        "question_two": "您是不是说「{first}」或「{second}」?",
        "none_of_these": "都不是",
        "labels": {"greet": "打个招呼", "goodbye": "结束咨询", "faq/hours": "工作时间",
                   "faq/price": "价格"},
    },
}  # fmt: skip
CONFIG = "recipe: default.v1\nassistant_id: check-data-test\nlanguage: zh\npipeline: []\n"
RULES = [
    ("greet", "utter_greet"),
    ("goodbye", "utter_goodbye"),
    ("faq", "utter_faq"),
    ("out_of_scope", "utter_out_of_scope"),
    ("EXTERNAL_idle", "utter_still_there"),
]


def nlu_yaml(examples: Dict[str, List[str]]) -> str:
    blocks = "".join(
        f"- intent: {label}\n  examples: |\n" + "".join(f"    - {text}\n" for text in texts)
        for label, texts in examples.items()
    )
    return f'version: "3.1"\nnlu:\n{blocks}'


def rules_yaml(rules: List[tuple[str, str]]) -> str:
    blocks = "".join(
        f"- rule: {intent}\n  steps:\n  - intent: {intent}\n  - action: {action}\n"
        for intent, action in rules
    )
    return f'version: "3.1"\nrules:\n{blocks}'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small clean project: five labels of 12 examples, rules, labels and a blind set."""
    write(tmp_path / "domain.yml", yaml.safe_dump(DOMAIN, allow_unicode=True, sort_keys=False))
    write(tmp_path / "config.yml", CONFIG)
    write(tmp_path / "data" / "nlu" / "base.yml", nlu_yaml(EXAMPLES))
    write(tmp_path / "data" / "rules" / "base.yml", rules_yaml(RULES))
    write(tmp_path / "tests" / "nlu" / "heldout_blind.yml", nlu_yaml({"greet": BLIND}))
    return tmp_path


def domain(root: Path) -> Dict[str, Any]:
    loaded: Dict[str, Any] = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    return loaded


def set_domain(root: Path, value: Dict[str, Any]) -> None:
    write(root / "domain.yml", yaml.safe_dump(value, allow_unicode=True, sort_keys=False))


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that contains `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--root", str(root), "--no-rasa", "--no-compliance"])
    return status, capsys.readouterr().out


def test_a_clean_project_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = check(project, capsys)

    assert status == 0, out
    assert out.splitlines()[-1].startswith("check-data: passed, 0 error(s), 0 warning(s)")
    assert "ok: 60 examples, none under two labels" in out


def test_the_example_lines_are_the_files_lines(project: Path) -> None:
    examples = load_project(project).examples
    path = project / "data" / "nlu" / "base.yml"
    assert [(e.where.path, e.where.line) for e in examples if e.text == "几点下班"] == [
        ("data/nlu/base.yml", line_of(path, "- 几点下班"))
    ]
    assert len(examples) == 60


def test_normalising_ignores_punctuation_space_width_and_case() -> None:
    assert normalise("  Ｈｉ，几点 上班？ ") == normalise("hi几点上班") == "hi几点上班"
    assert normalise("[王芳](person_name)的户号") == "王芳的户号"


def test_one_example_in_two_faq_topics_names_both_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the same question, with full-width punctuation and a space, filed under a second topic
    examples = {**EXAMPLES, "faq/price": [*EXAMPLES["faq/price"], "几点 下班？"]}
    path = write(project / "data" / "nlu" / "base.yml", nlu_yaml(examples))

    status, out = check(project, capsys)

    assert status == 1
    first, second = line_of(path, "- 几点下班"), line_of(path, "- 几点 下班？")
    assert (
        f"  ERROR data/nlu/base.yml:{first}: '几点下班' is an example of faq/hours and also of "
        f"faq/price (data/nlu/base.yml:{second}) as '几点 下班？'\n"
        "        → keep it under the one label it means and delete the other line(s)"
    ) in out


def test_a_new_intent_lists_the_examples_of_another_label_it_competes_with(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = {**EXAMPLES, "faq/price": [*EXAMPLES["faq/price"], *PRICE_INVOICE]}
    base = write(project / "data" / "nlu" / "base.yml", nlu_yaml(examples))
    write(project / "data" / "nlu" / "invoice.yml", nlu_yaml({"ask_invoice": INVOICE}))
    write(
        project / "data" / "rules" / "invoice.yml", rules_yaml([("ask_invoice", "utter_invoice")])
    )
    value = domain(project)
    value["intents"] = [*DOMAIN["intents"], "ask_invoice"]
    value["responses"]["utter_invoice"] = [{"text": "您好,发票在订单页申请。"}]
    value["affirmation"]["labels"]["ask_invoice"] = "开发票"
    set_domain(project, value)

    status, out = check(project, capsys)

    assert status == 1
    assert (
        "  ERROR data/nlu/invoice.yml:3: ask_invoice (8 examples): 4 examples of faq/price "
        "resemble its examples more than their own label's" in out
    )
    listed = re.findall(r"^ {10}(data/nlu/base\.yml:\d+)  '([^']+)'", out, re.MULTILINE)
    assert sorted(listed) == sorted(
        (f"data/nlu/base.yml:{line_of(base, f'- {text}')}", text) for text in PRICE_INVOICE
    )


def test_todays_data_has_no_competing_labels() -> None:
    from scripts.check_data import competing

    assert competing(load_project().examples) == []


def test_a_misspelt_faq_answer_names_both_names_and_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    delivery = ["什么时候发货", "多久能到", "快递几天到", "能指定送货时间吗", "周末送货吗",
                "可以送货上门吗", "快递用的哪家", "运费谁出", "预计几号送达", "物流到哪了",
                "能加急配送吗", "配送要多久"]  # fmt: skip
    write(project / "data" / "nlu" / "delivery.yml", nlu_yaml({"faq/delivery": delivery}))
    value = domain(project)
    value["responses"]["utter_faq/delivry"] = [{"text": "我们一般48小时内发货。"}]
    value["affirmation"]["labels"]["faq/delivery"] = "配送时间"
    set_domain(project, value)
    answer = line_of(project / "domain.yml", "utter_faq/delivry:")

    status, out = check(project, capsys)

    assert status == 1
    assert (
        "  ERROR data/nlu/delivery.yml:3: faq/delivery has no answer: domain.yml has no "
        f"utter_faq/delivery; closest: utter_faq/delivry (domain.yml:{answer})"
    ) in out
    assert (
        f"  ERROR domain.yml:{answer}: utter_faq/delivry answers no FAQ topic: no '- intent: "
        "faq/delivry' in data/; closest topic: faq/delivery (data/nlu/delivery.yml:3)\n"
        "        → rename it utter_faq/delivery"
    ) in out


def test_an_intent_missing_from_the_domain_rules_and_labels(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "data" / "nlu" / "invoice.yml", nlu_yaml({"ask_invoice": INVOICE * 2}))

    status, out = check(project, capsys)

    assert status == 1
    assert "ERROR data/nlu/invoice.yml:3: intent ask_invoice is not in domain.yml's intents" in out
    assert "        → add '- ask_invoice' under intents (domain.yml:3)" in out


def test_a_domain_intent_without_examples_rule_or_label(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    value = domain(project)
    value["intents"] = [*DOMAIN["intents"], "ask_invoice"]
    value["affirmation"]["labels"]["faq/pricing"] = "价格"
    set_domain(project, value)
    intent = line_of(project / "domain.yml", "- ask_invoice")
    label = line_of(project / "domain.yml", "faq/pricing:")
    labels = line_of(project / "domain.yml", "labels:")

    status, out = check(project, capsys)

    assert status == 1
    assert f"  ERROR domain.yml:{intent}: intent ask_invoice has no examples in data/" in out
    assert (
        f"  ERROR domain.yml:{intent}: intent ask_invoice is in no rule or story: the bot would "
        "not know what to do"
    ) in out
    assert (
        f"  ERROR domain.yml:{intent}: ask_invoice has no label for the 您是不是说 buttons\n"
        f"        → add 'ask_invoice: \"…\"' under affirmation: labels (domain.yml:{labels})"
    ) in out
    assert (
        f"  ERROR domain.yml:{label}: label faq/pricing names no intent or FAQ topic; closest: "
        "faq/price (data/nlu/base.yml:"
    ) in out


def test_a_rule_or_button_for_an_intent_the_domain_lacks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(
        project / "data" / "rules" / "base.yml", rules_yaml([*RULES, ("greeet", "utter_greet")])
    )
    value = domain(project)
    value["responses"]["utter_offer"] = [
        {"text": "需要转人工吗?", "buttons": [{"title": "转人工", "payload": "/request_human"}]}
    ]
    value["slots"] = {
        "note": {"type": "text", "mappings": [{"type": "from_text", "not_intent": ["goodby"]}]}
    }
    set_domain(project, value)

    status, out = check(project, capsys)

    assert status == 1
    step = line_of(rules, "- intent: greeet")
    button = line_of(project / "domain.yml", "- title: 转人工")
    greet = line_of(project / "domain.yml", "- greet")
    assert (
        f"  ERROR data/rules/base.yml:{step}: intent greeet is not in domain.yml's intents; "
        f"closest: greet (domain.yml:{greet})"
    ) in out
    assert f"ERROR domain.yml:{button}: intent request_human is not in domain.yml's intents" in out
    lines = (project / "domain.yml").read_text(encoding="utf-8").splitlines()
    mapping = next(i for i, line in enumerate(lines, 1) if line.strip() == "- goodby")
    assert (
        f"  ERROR domain.yml:{mapping}: intent goodby is not in domain.yml's intents; closest: "
        f"goodbye (domain.yml:{line_of(project / 'domain.yml', '- goodbye')})"
    ) in out


def test_an_external_intent_with_examples(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "data" / "nlu" / "idle.yml", nlu_yaml({"EXTERNAL_idle": ["还在吗"]}))

    status, out = check(project, capsys)

    assert status == 1
    assert (
        "  ERROR data/nlu/idle.yml:3: EXTERNAL_idle has examples, but only the desk raises "
        "EXTERNAL_ intents"
    ) in out


def test_a_label_far_smaller_than_the_others_is_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = {**EXAMPLES, "faq/price": EXAMPLES["faq/price"][:1]}
    path = write(project / "data" / "nlu" / "base.yml", nlu_yaml(examples))

    status, out = check(project, capsys)

    assert status == 0
    assert (
        f"  WARNING data/nlu/base.yml:{line_of(path, 'faq/price')}: faq/price has 1 examples; "
        "the median label has 12, and a label with fewer than 2 (10%) is outvoted by its "
        "neighbours\n"
        "        → add varied examples, at least 2 in all; `make evaluate` shows its recall"
    ) in out
    assert out.splitlines()[-1].startswith("check-data: passed, 0 error(s), 1 warning(s)")


def test_a_training_example_from_a_blind_set_is_counted_never_printed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the author happened to write a blind set's sentence, in a label where it competes too
    examples = {**EXAMPLES, "goodbye": [*EXAMPLES["goodbye"], BLIND[0]]}
    examples["greet"] = [*EXAMPLES["greet"], BLIND[0]]
    path = write(project / "data" / "nlu" / "base.yml", nlu_yaml(examples))
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if BLIND[0] in line]

    status, out = check(project, capsys)

    assert status == 1
    assert BLIND[0] not in out
    assert (
        "  ERROR tests/nlu/heldout_blind.yml: 2 training example(s) are also in this held-out "
        "set, which must never be trained on\n"
        "        → delete or reword the training example(s) at: "
        + ", ".join(f"data/nlu/base.yml:{line}" for line in lines)
    ) in out
    assert f"'{HIDDEN}' is an example of greet and also of goodbye" in out


def test_a_real_blind_sentence_in_a_temporary_training_file_stays_hidden(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project's own blind set, read but never shown: the report has its count only."""
    blind = ROOT / "tests" / "nlu" / "heldout_blind.yml"
    write(project / "tests" / "nlu" / blind.name, blind.read_text(encoding="utf-8"))
    texts = heldout_index(project)[blind.name]
    # everyday phrases of the small project may be in the real set too: leave them out
    ours = {label: [t for t in examples if t not in texts] for label, examples in EXAMPLES.items()}
    write(project / "data" / "nlu" / "base.yml", nlu_yaml(ours))
    sentence = min(texts)
    # under two labels too, so that the duplicates check would quote it
    extra = {"greet": [sentence], "goodbye": [sentence]}
    train = write(project / "data" / "nlu" / "extra.yml", nlu_yaml(extra))
    lines = [
        i for i, line in enumerate(train.read_text().splitlines(), 1) if line.startswith("    - ")
    ]

    status, out = check(project, capsys)

    # not `assert sentence not in out`: a failing assert would print the sentence
    leaked = sentence in out
    assert not leaked, "the report shows the blind sentence"
    assert status == 1
    assert (
        f"  ERROR tests/nlu/{blind.name}: 2 training example(s) are also in this held-out set, "
        "which must never be trained on\n"
        "        → delete or reword the training example(s) at: "
        f"data/nlu/extra.yml:{lines[0]}, data/nlu/extra.yml:{lines[1]}\n"
    ) in out, "the count and the training lines"


def test_rasa_warnings_are_explained_and_the_expected_ones_allowed() -> None:
    retrieval = {"faq"}
    allowed = explain(
        "The intent 'EXTERNAL_idle' is listed in the domain file, but is not found in the NLU "
        "training data.",
        ROOT,
        retrieval,
    )
    form = explain(
        "The utterance 'utter_ask_message_name' is not used in any story or rule.", ROOT, retrieval
    )  # noqa: E501
    faq = explain(
        "The following duplicated intents have been found across multiple domain files: faq\n"
        "  More info at https://rasa.com/docs/rasa/domain",
        ROOT,
        retrieval,
    )
    unused = explain(
        "The utterance 'utter_unused' is not used in any story or rule.", ROOT, retrieval
    )  # noqa: E501

    assert allowed.allowed and form.allowed and faq.allowed
    assert faq.message == (
        "The following duplicated intents have been found across multiple domain files: faq"
    )
    assert unused.allowed is None
    assert unused.explanation == (
        "nothing says utter_unused: use it in a rule or story, send it from an action, or delete it"
    )


def test_rasa_validation_runs_quietly_and_reports_each_warning_once(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    value = domain(project)
    value["responses"]["utter_unused"] = [{"text": "您好。"}]
    set_domain(project, value)

    found = rasa_warnings(project)

    printed = capfd.readouterr()
    assert "UserWarning" not in printed.out + printed.err
    assert "Processed story blocks" not in printed.err
    assert "The utterance 'utter_unused' is not used in any story or rule." in found
    assert len(found) == len(set(found))
    assert (
        "The intent 'EXTERNAL_idle' is listed in the domain file, but is not found in the NLU "
        "training data."
    ) in found


def test_a_forbidden_phrase_in_a_response_fails_the_compliance_lint(project: Path) -> None:
    value = domain(project)
    value["responses"]["utter_wait"] = [{"text": "这个可能要等。"}]
    set_domain(project, value)

    section = Compliance(project).section()

    assert [(f.where, f.what.split(" (")[0]) for f in section.findings] == [
        ("domain.yml", 'utter_wait: "可能"')
    ]


def test_the_module_docstring_names_the_command() -> None:
    import scripts.check_data

    assert textwrap.dedent(scripts.check_data.__doc__ or "").startswith("`make check-data`")
