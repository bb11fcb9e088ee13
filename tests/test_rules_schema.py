"""Every knowledge-base file obeys knowledge/rules/FORMAT.md."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.rules.engine import RULES_DIR, KnowledgeError, load_rules

FILES = {
    "zuzhi_shenghuo.yaml": "zzsh.",
    "zuzhi_shezhi.yaml": "zzsz.",
    "dangfei.yaml": "df.",
    "fazhan_dangyuan.yaml": "fzdy.",
    "dangyuan_guanli.yaml": "dygl.",
    "xuexi_jiaoyu.yaml": "xxjy.",
    "jiceng_zuzhi.yaml": "jczz.",
}
REQUIRED = ("id", "title", "questions", "keywords", "answer", "source")
ALLOWED = {*REQUIRED, "article", "detail", "related", "reminder_hint"}


def _entries() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        assert isinstance(doc, dict) and doc.get("topic"), f"{path.name}: missing topic"
        for raw in doc["rules"]:
            out.append((path.name, raw))
    return out


def test_every_topic_group_has_its_file() -> None:
    present = {p.name for p in RULES_DIR.glob("*.yaml")}
    assert set(FILES) <= present


def test_at_least_80_entries() -> None:
    assert len(_entries()) >= 80


@pytest.mark.parametrize(("name", "raw"), _entries(), ids=lambda v: v if isinstance(v, str) else v.get("id"))
def test_entry_schema(name: str, raw: dict) -> None:
    for f in REQUIRED:
        assert raw.get(f), f"{name} {raw.get('id')}: missing {f}"
    assert set(raw) <= ALLOWED, f"unknown fields {set(raw) - ALLOWED}"
    assert raw["id"].startswith(FILES.get(name, "")), f"{raw['id']} prefix does not match {name}"
    assert len(raw["questions"]) >= 4
    assert len(set(raw["questions"])) == len(raw["questions"]), "duplicate question variants"
    assert len(raw["answer"].strip()) <= 220, f"{raw['id']}: answer is {len(raw['answer'])} characters"
    assert len(raw["title"]) <= 16
    assert all(isinstance(k, str) and k for k in raw["keywords"])
    if raw.get("article"):
        assert str(raw["article"]).startswith("第"), f"{raw['id']}: article should read 第N条"


def test_ids_unique_and_related_exist() -> None:
    entries = _entries()
    ids = Counter(raw["id"] for _, raw in entries)
    assert [i for i, n in ids.items() if n > 1] == []
    for _, raw in entries:
        for rel in raw.get("related") or []:
            assert rel in ids, f"{raw['id']}: related id {rel} does not exist"
            assert rel != raw["id"]


def test_loader_rejects_missing_fields(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("topic: x\nrules:\n  - id: a.b\n    title: t\n", "utf-8")
    with pytest.raises(KnowledgeError, match="缺少字段"):
        load_rules(tmp_path)


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    entry = (
        "  - id: a.b\n    title: t\n    questions: [q]\n    keywords: [k]\n"
        "    answer: a\n    source: s\n"
    )
    (tmp_path / "one.yaml").write_text("topic: x\nrules:\n" + entry, "utf-8")
    (tmp_path / "two.yaml").write_text("topic: y\nrules:\n" + entry, "utf-8")
    with pytest.raises(KnowledgeError, match="重复"):
        load_rules(tmp_path)
