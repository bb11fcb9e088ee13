"""Matching behaviour of the rules engine on the real knowledge base."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlite_utils import Database

from bot.cli import main
from bot.rules import Answer, NoAnswer, RuleBook, answer_dict, load_rules, teach

# (question as a branch secretary types it, expected entry id prefix + a word its title must contain)
EXAMPLES = [
    ("支委会多久开一次?", "支委会"),
    ("退休党员党费怎么交", "离退休"),
    ("預備黨員什麼時候開始交黨費", "预备党员"),
    ("入党介绍人要几个", "介绍人"),
    ("党龄从什么时候算", "党龄"),
]


@pytest.mark.parametrize(("question", "title_word"), EXAMPLES)
def test_colloquial_questions_find_their_entry(book: RuleBook, question: str, title_word: str) -> None:
    result = book.answer(question)
    assert isinstance(result, Answer), result
    assert title_word in result.rule.title or title_word in " ".join(result.rule.keywords)


@pytest.mark.parametrize(
    "question",
    ["今天天气怎么样", "帮我写一首诗", "苹果多少钱一斤", "党员开会必须穿正装吗", "股票明天会涨吗"],
)
def test_out_of_scope_and_nonexistent_rules_are_declined(book: RuleBook, question: str) -> None:
    result = book.answer(question)
    assert isinstance(result, NoAnswer), f"{question} → {getattr(result, 'rule', None)}"
    assert len(result.suggestions) <= 3


@pytest.mark.parametrize("question", ["", "   ", "🎉🎉🎉", "？？？", '" * : ( ) AND OR NEAR -'])
def test_empty_or_symbol_only_input_is_declined_without_error(book: RuleBook, question: str) -> None:
    result = book.answer(question)
    assert isinstance(result, NoAnswer)


def test_huge_input_does_not_crash(book: RuleBook) -> None:
    result = book.answer("支委会多久开一次" * 500)
    assert isinstance(result, Answer | NoAnswer)


def test_entries_generalise_to_a_held_out_variant() -> None:
    """Hold out every entry's last variant, build the matcher without them, ask each held-out one.

    All are held out at once (one build instead of one per entry), which is stricter: no entry
    keeps the others' held-out wording either. Which variant is held out matters (the first
    variant of each entry: 122/126; the eighth: 115/126), so the cross-validation test below
    measures every variant.
    """
    rules = load_rules()
    trimmed = RuleBook([dataclasses.replace(r, questions=r.questions[:-1]) for r in rules])
    failures = []
    for held in rules:
        result = trimmed.answer(held.questions[-1])
        if not (isinstance(result, Answer) and result.rule.id == held.id):
            got = result.rule.id if isinstance(result, Answer) else None
            failures.append(f"{held.id}: {held.questions[-1]} → {got} ({result.confidence:.2f})")
    assert not failures, "\n".join(failures)


def test_every_variant_generalises_in_cross_validation() -> None:
    """4-fold cross-validation over all ~3,800 question variants of the knowledge base.

    Fold j rebuilds the matcher without every variant whose position is j mod 4 and asks them.
    Measured: right entry ranked first 94.9% (96.3% before the 16 entries on 农村/国企/机关/高校,
    申诉, 信教, 去世, 失联, 违纪 and irregular 发展 cases, which border older entries), answered
    with it 93.x%, wrong answers < 3%.
    """
    rules = load_rules()
    folds = 4
    n = ranked_first = answered_right = answered_wrong = 0
    for j in range(folds):
        book = RuleBook(
            [dataclasses.replace(r, questions=tuple(q for k, q in enumerate(r.questions) if k % folds != j)) for r in rules]
        )
        for r in rules:
            for q in r.questions[j::folds]:
                n += 1
                ranked_first += book.rules[book.scores(q)[0][1]].id == r.id
                result = book.answer(q)
                if isinstance(result, Answer):
                    answered_right += result.rule.id == r.id
                    answered_wrong += result.rule.id != r.id
    assert ranked_first / n >= 0.945
    assert answered_right / n >= 0.92
    assert answered_wrong / n <= 0.03


def test_taught_variant_takes_effect_immediately(db: Database) -> None:
    book = RuleBook(load_rules())
    question = "咱支部那个每月必须搞的活动日是哪天"
    rule_id = "zzsh.zhuti_dangri"
    teach(db, book, rule_id, question, user_id=1)
    result = book.answer(question)
    assert isinstance(result, Answer) and result.rule.id == rule_id
    stored = list(db["rule_overrides"].rows)
    assert stored[0]["rule_id"] == rule_id and stored[0]["question"] == question


def test_answer_dict_shape(book: RuleBook) -> None:
    d = answer_dict(book.answer("支委会多久开一次"))
    assert set(d) == {"answered", "rule_id", "answer", "source", "confidence", "suggestions"}
    assert d["answered"] is True and d["source"].startswith("《")
    d = answer_dict(book.answer("今天天气怎么样"))
    assert d["answered"] is False and d["rule_id"] is None


def test_cli_ask_json_and_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["ask", "--json", "党龄从什么时候算"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["answered"] is True
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("支委会多久开一次\n\n今天天气怎么样\n"))
    assert main(["ask", "--json", "-"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["answered"] for x in lines] == [True, False]


def test_cli_ask_plain_prints_citation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "支委会多久开一次"]) == 0
    out = capsys.readouterr().out
    assert "依据：《" in out


def test_cli_rules_warm_builds_the_start_up_cache(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "warm"]) == 0
    assert f"{len(load_rules())} 条规则" in capsys.readouterr().out


def test_confidence_model_matches_the_evidence(book: RuleBook) -> None:
    """knowledge/dict/confidence.json must be refitted (benchmarks/calibrate.py) when the
    evidence vector changes; a stale model would silently mis-calibrate every answer."""
    from bot.rules import CONFIDENCE_MODEL

    model = json.loads(CONFIDENCE_MODEL.read_text("utf-8"))
    found = book._rank("支委会多久开一次")
    assert found is not None
    assert len(model["weights"]) == len(model["mean"]) == len(found[1])
    strong = book.answer("支委会多久开一次")
    weak = book.answer("明天会不会下雨")
    assert strong.confidence > 0.5 > weak.confidence


@pytest.mark.parametrize("name", ["rules_eval.jsonl", "rules_eval_fresh.jsonl"])
def test_evaluation_questions_stay_out_of_the_knowledge_base(name: str) -> None:
    """The evaluation sets measure generalisation only while no KB variant copies one of their
    questions, exactly or nearly (a rapidfuzz ratio of 90 or more after normalisation)."""
    from pathlib import Path

    from rapidfuzz import fuzz, process

    from bot.text import normalize

    variants = [normalize(q) for r in load_rules() for q in r.questions]
    path = Path(__file__).resolve().parents[1] / "benchmarks" / name
    leaks = []
    for line in path.read_text("utf-8").splitlines():
        question = normalize(json.loads(line)["q"])
        match = process.extractOne(question, variants, scorer=fuzz.ratio, score_cutoff=90)
        if match is not None:
            leaks.append(f"{question} ≈ {match[0]}")
    assert not leaks, "\n".join(leaks)
