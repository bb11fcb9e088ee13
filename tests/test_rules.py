"""Matching behaviour of the rules engine on the real knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from benchmarks.rules_cv import FOLDS, GUARD_FOLD, cross_validate_fold
from bot.cli import main
from bot.rules.engine import Answer, NoAnswer, RuleBook, answer_dict, load_rules, teach

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
    assert result.suggestions == ()


def test_huge_input_is_still_answered(book: RuleBook) -> None:
    result = book.answer("支委会多久开一次" * 500)
    assert isinstance(result, Answer) and result.rule.id == "zzsh.zhiweihui_pinci"


def test_variants_generalise_in_one_cross_validation_fold() -> None:
    """Fold 0 of the 4-fold cross-validation over the KB's question variants (one matcher build):
    its figures must meet the thresholds all four folds must meet, and every entry's last variant,
    held out with a quarter of the others, must be answered with its entry.

    ``python -m benchmarks.rules_cv`` runs all four folds and the held-out-last-variant check
    alone (a build each, too slow for ``make test``) and prints their figures.
    """
    rules = load_rules()
    result = cross_validate_fold(rules, GUARD_FOLD, FOLDS)
    assert result.asked >= sum(len(r.questions) for r in rules) // FOLDS
    assert not result.last_variant_misses, "\n".join(result.last_variant_misses)
    assert not result.failures(), result.line()


def test_taught_variant_takes_effect_immediately(db: Database, fresh_book: RuleBook) -> None:
    question = "咱们每月那天大伙一块儿学习干活的日子"  # declined by the bundled KB
    rule_id = "zzsh.zhuti_dangri"
    assert isinstance(fresh_book.answer(question), NoAnswer)
    teach(db, fresh_book, rule_id, question, user_id=1)
    result = fresh_book.answer(question)
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


def test_cli_rules_warm_builds_the_start_up_cache(
    book: RuleBook, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "warm"]) == 0
    assert f"知识库已就绪：{len(book.rules)} 条规则" in capsys.readouterr().out


def test_confidence_model_matches_the_evidence(book: RuleBook) -> None:
    """knowledge/dict/confidence.json must be refitted (benchmarks/calibrate.py) when the
    evidence vector changes; a stale model would silently mis-calibrate every answer."""
    from bot.rules.engine import CONFIDENCE_MODEL

    model = json.loads(CONFIDENCE_MODEL.read_text("utf-8"))
    found = book._rank("支委会多久开一次")
    assert found is not None
    assert len(model["weights"]) == len(model["mean"]) == len(found[1])
    strong = book.answer("支委会多久开一次")
    weak = book.answer("明天会不会下雨")
    assert strong.confidence > 0.5 > weak.confidence


def test_confidence_model_names_the_evidence_fields() -> None:
    from bot.rules.engine import CONFIDENCE_MODEL, Evidence, load_confidence_model

    model = json.loads(CONFIDENCE_MODEL.read_text("utf-8"))
    assert model["names"] == list(Evidence._fields)
    assert len(load_confidence_model(CONFIDENCE_MODEL)[2]) == len(Evidence._fields)


@pytest.mark.parametrize(
    "change",
    ["rename", "reorder", "drop", "missing"],
)
def test_confidence_model_with_other_names_is_refused(tmp_path: Path, change: str) -> None:
    """A model fitted on another evidence vector reads it by position, so it must fail loudly
    on load instead of silently mis-calibrating every answer."""
    from bot.rules.engine import CONFIDENCE_MODEL, ConfidenceModelError, load_confidence_model

    model = json.loads(CONFIDENCE_MODEL.read_text("utf-8"))
    names = model["names"]
    if change == "rename":
        model["names"] = [*names[:-1], "something_else"]
    elif change == "reorder":
        model["names"] = [names[1], names[0], *names[2:]]
    elif change == "drop":
        model = {k: v[:-1] if isinstance(v, list) else v for k, v in model.items()}
    else:
        del model["names"]
    stale = tmp_path / "confidence.json"
    stale.write_text(json.dumps(model), "utf-8")
    with pytest.raises(ConfidenceModelError, match=r"benchmarks\.calibrate"):
        load_confidence_model(stale)


def test_confidence_model_needs_one_coefficient_per_name(tmp_path: Path) -> None:
    from bot.rules.engine import CONFIDENCE_MODEL, ConfidenceModelError, load_confidence_model

    model = json.loads(CONFIDENCE_MODEL.read_text("utf-8"))
    model["weights"] = model["weights"][:-1]
    stale = tmp_path / "confidence.json"
    stale.write_text(json.dumps(model), "utf-8")
    with pytest.raises(ConfidenceModelError, match="weights"):
        load_confidence_model(stale)


@pytest.mark.parametrize("name", ["rules_eval.jsonl", "rules_eval_fresh.jsonl"])
def test_evaluation_questions_stay_out_of_the_knowledge_base(name: str) -> None:
    """The evaluation sets measure generalisation only while no KB variant copies one of their
    questions, exactly or nearly (a rapidfuzz ratio of 90 or more after normalisation)."""
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
