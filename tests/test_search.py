"""Template search: index persistence and consistency, ranking, filters, nasty queries, CLI.

Every database is a real SQLite file under tmp_path; sample paragraphs are written for the tests.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.cli import main as cli_main
from bot.db import open_db
from bot.fanwen.corpus import ingest_bytes, remove_source
from bot.fanwen.search import (
    BUDGET,
    SearchResponse,
    index_stats,
    index_terms,
    rebuild_index,
    search,
    similar,
    sync,
)
from bot.text import fold

DOC_A = """XX党支部年度工作总结
一、主要做法
（一）严格党费收缴。支部每月十日前收缴党费，党费交纳情况在支部公示栏公开，全年按时足额收缴。
（二）规范三会一课。支部每月召开支委会，每季度召开党员大会，书记每年为党员讲党课不少于一次。
（三）开展主题党日。每月固定一天开展主题党日活动，组织党员到XX村开展志愿服务XX次。
二、存在问题
（一）党费收缴不够及时。个别流动党员未能按月交纳党费，存在集中补交现象。
（二）支委会召开不够经常。受工作任务影响，个别月份支委会推迟召开，会议记录不够规范。
三、整改措施
（一）加强党费管理。建立流动党员党费提醒机制，每月通报党费交纳情况，杜绝集中补交。
（二）落实组织生活制度。严格执行三会一课，按月召开支部委员会，会议记录当场签字确认。
"""

DOC_B = """发展党员工作情况
一、存在问题
发展党员工作中，个别入党积极分子培养考察流于形式，思想汇报内容空泛，培养联系人谈心谈话不够经常。
二、下一步打算
严把发展党员入口关，坚持成熟一个发展一个，确保发展质量，全年计划发展党员X名。
"""


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_db(tmp_path / "s.db")
    ingest_bytes(database, "a.txt", DOC_A.encode(), origin="import")
    ingest_bytes(database, "b.txt", DOC_B.encode(), origin="import")
    yield database
    database.conn.close()


def _texts(resp: SearchResponse) -> list[str]:
    return [r.text for r in resp.results]


# --- the index -----------------------------------------------------------------------------


def test_index_terms_are_bigrams_of_folded_runs() -> None:
    assert index_terms("党费，黨費") == {"党费": 2}
    assert index_terms("支部 X 名") == {"支部": 1, "x": 1, "名": 1}


def test_index_is_persisted_and_reused(db: Database, tmp_path: Path) -> None:
    stats = index_stats(db)
    assert stats["paragraphs"] == db.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
    reopened = open_db(tmp_path / "s.db")
    assert sync(reopened) == 0  # nothing to index on start-up
    assert search(reopened, "党费").results
    reopened.conn.close()


def test_rebuild_gives_same_results(db: Database) -> None:
    before = [(r.id, round(r.score, 6)) for r in search(db, "党费 收缴", limit=10).results]
    stats = index_stats(db)
    rebuild_index(db)
    assert index_stats(db)["postings"] == stats["postings"]
    assert [(r.id, round(r.score, 6)) for r in search(db, "党费 收缴", limit=10).results] == before


def test_index_follows_direct_sql_changes(db: Database, tmp_path: Path) -> None:
    other = open_db(tmp_path / "s.db")  # a second process/connection
    assert search(other, "志愿服务").results
    with db.conn:
        pid = db.conn.execute("SELECT id FROM paragraphs WHERE text LIKE '%志愿服务%'").fetchone()[0]
        db.conn.execute("UPDATE paragraphs SET text = '每月组织党员开展红色教育参观活动。' WHERE id = ?",
                        (pid,))
    assert not search(other, "志愿服务").results
    assert search(other, "红色教育").results[0].id == pid
    with db.conn:
        db.conn.execute("DELETE FROM paragraphs WHERE id = ?", (pid,))
    assert not search(other, "红色教育").results
    with db.conn:
        db.conn.execute("UPDATE paragraphs SET kind = '其他' WHERE text LIKE '%支委会召开%'")
    assert search(other, "支委会", kind="其他").results
    other.conn.close()
    assert db.conn.execute("SELECT COUNT(*) FROM search_dead").fetchone()[0] == 0


def test_remove_source_leaves_no_postings(db: Database) -> None:
    sid = db.conn.execute("SELECT id FROM sources WHERE name = 'a.txt'").fetchone()[0]
    remove_source(db, sid)
    left = db.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
    assert index_stats(db)["paragraphs"] == left
    ids: set[int] = set()
    for (blob,) in db.conn.execute("SELECT ids FROM search_postings"):
        from array import array

        a = array("I")
        a.frombytes(blob)
        ids.update(a)
    alive = {r[0] for r in db.conn.execute("SELECT id FROM paragraphs")}
    assert ids <= alive
    assert not search(db, "党费收缴").results or all(
        r.source == "b.txt" for r in search(db, "党费收缴").results
    )


def test_similar_finds_near_duplicates(db: Database) -> None:
    found = similar(db, "建立流动党员党费提醒机制，每月通报党费交纳情况，杜绝集中补交。")
    assert found and "提醒机制" in found[0][1]


# --- ranking and results -------------------------------------------------------------------


def test_two_character_queries(db: Database) -> None:
    resp = search(db, "党费")
    assert resp.results and all("党费" in r.text for r in resp.results)
    assert resp.total >= 3
    assert search(db, "支部").results


def test_result_fields(db: Database) -> None:
    r = search(db, "党费收缴").results[0]
    assert r.id > 0 and r.source == "a.txt" and r.kind in ("主要做法", "存在问题", "整改措施")
    assert "›" in r.heading and r.score > 0
    for s, e in r.spans:
        assert fold(r.text[s:e]) in ("党费收缴", "党费", "收缴", "费收") or "党费" in r.text[s:e]
    d = r.to_dict()
    assert set(d) >= {"id", "text", "kind", "heading", "source", "score", "placeholders", "spans"}
    json.dumps(d, ensure_ascii=False)


def test_placeholders_come_with_results(db: Database) -> None:
    r = next(r for r in search(db, "主题党日 志愿服务").results if "XX" in r.text)
    assert all(r.text[s:e] == t for s, e, t in r.placeholders)
    assert any(t == "XX" for _, _, t in r.placeholders)


def test_best_match_first(db: Database) -> None:
    assert "流动党员党费提醒机制" in search(db, "党费提醒机制").results[0].text
    assert "入口关" in search(db, "发展党员 入口关").results[0].text
    assert "支委会推迟召开" in search(db, "支委会 推迟").results[0].text


def test_kind_filter_and_aliases(db: Database) -> None:
    problems = search(db, "党费", kind="问题")
    assert problems.kind == "存在问题"
    assert problems.results and all(r.kind == "存在问题" for r in problems.results)
    assert all(r.kind == "整改措施" for r in search(db, "党费", kind="措施").results)
    bad = search(db, "党费", kind="天气")
    assert bad.results == [] and "不认识" in bad.message


def test_kind_word_in_query_is_a_hint(db: Database) -> None:
    assert search(db, "党费 问题").results[0].kind == "存在问题"
    assert search(db, "党费整改措施").results[0].kind == "整改措施"


def test_source_filter(db: Database) -> None:
    assert all(r.source == "b.txt" for r in search(db, "发展党员", source="b.txt").results)
    sid = db.conn.execute("SELECT id FROM sources WHERE name = 'a.txt'").fetchone()[0]
    assert all(r.source_id == sid for r in search(db, "党员", source=sid).results)
    assert all(r.source == "a.txt" for r in search(db, "党员", source=str(sid)).results)
    none = search(db, "党员", source="nope.docx")
    assert none.results == [] and "没有" in none.message


def test_paging(db: Database) -> None:
    everything = search(db, "党员", limit=50)
    page2 = search(db, "党员", limit=2, offset=2)
    assert [r.id for r in page2.results] == [r.id for r in everything.results[2:4]]
    past = search(db, "党员", limit=5, offset=500)
    assert past.results == [] and past.message


# --- nasty queries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\u3000\u3000",
        "😀🎉",
        "!!!???",
        '"',
        "*",
        ":",
        "()",
        "AND",
        "OR NEAR",
        "-",
        '"党费" AND 支部 OR NEAR(收缴) -补交 *',
        "党费🙂收缴",
        "党" * 5000,
        "\x00\x1b[31m",
        "a" * 3,
        "黨費　收繳",
        "DROP TABLE paragraphs; --",
        "%_%",
        "'; SELECT 1",
    ],
)
def test_nasty_queries_never_raise(db: Database, query: str) -> None:
    resp = search(db, query)
    assert resp.results or resp.message
    assert db.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0] > 0


def test_traditional_fullwidth_and_operators_still_match(db: Database) -> None:
    for q in ("黨費", "党费\u3000收缴", "ＤＡＮＧ 党费", '"党费" AND 收缴', "党费🙂"):
        resp = search(db, q)
        assert resp.results, q
        assert "党费" in resp.results[0].text


def test_single_character(db: Database) -> None:
    resp = search(db, "费")
    assert resp.results and "一个字" in resp.message
    assert all("费" in r.text for r in resp.results)


def test_typos(db: Database) -> None:
    assert "三会一课" in search(db, "三会一可").results[0].text
    assert "主题党日" in search(db, "主题党曰活动").results[0].text  # 曰 for 日
    # was: search(db, "党废") returned nothing ("错别字" message) — the empty-answer bug; the
    # rules' IME repair now finds 党费 and offers it as "did you mean"
    fixed = search(db, "党废")
    assert fixed.results and fixed.suggestion == "党费" and "党费" in fixed.results[0].text
    empty = search(db, "天气预报")
    assert empty.results == [] and "错别字" in empty.message


def test_synonyms_expand(db: Database) -> None:
    # 支部委员会 is written 支委会 in the text and vice versa
    assert any("支委会" in t for t in _texts(search(db, "支部委员会")))
    assert any("支部委员会" in t for t in _texts(search(db, "支委会 会议记录")))


def test_fresh_database_loads_bundled_templates(tmp_path: Path) -> None:
    fresh = open_db(tmp_path / "fresh.db")
    resp = search(fresh, "党费")
    assert resp.results and all(r.source.startswith("内置范文") for r in resp.results)
    fresh.conn.close()


def test_empty_database_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.fanwen import corpus

    (tmp_path / "none").mkdir()
    monkeypatch.setattr(corpus, "TEMPLATES", tmp_path / "none")
    empty = open_db(tmp_path / "empty.db")
    resp = search(empty, "党费")
    assert resp.results == [] and "空" in resp.message
    empty.conn.close()


def test_budget_keeps_common_terms_cheap(tmp_path: Path) -> None:
    big = open_db(tmp_path / "big.db")
    lines = [f"第{i}段：党员学习党章党规，支部开展活动，编号{i}。" for i in range(3000)]
    lines.append("唯一的一段讲流动党员党费提醒机制和按月交纳。")
    ingest_bytes(big, "big.txt", "\n".join(lines).encode())
    resp = search(big, "党员 党费提醒")
    assert "党费提醒" in resp.results[0].text
    assert BUDGET >= 1000
    big.conn.close()


# --- CLI -----------------------------------------------------------------------------------


def test_cli_search_json_and_stdin(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGWU_DB", str(tmp_path / "s.db"))
    monkeypatch.chdir(tmp_path)
    assert cli_main(["search", "党费", "--json", "--limit", "2", "--kind", "问题"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 1 <= len(out) <= 2 and all(r["kind"] == "存在问题" for r in out)
    monkeypatch.setattr(sys, "stdin", io.StringIO("党费\n\n😀\n支委会\n"))
    assert cli_main(["search", "--json", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    parsed = [json.loads(line) for line in lines]
    assert parsed[0] and parsed[1] == [] and parsed[2] == [] and parsed[3]
    assert cli_main(["search", "党费"]) == 0
    assert "党费" in capsys.readouterr().out


def test_cli_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGWU_DB", str(tmp_path / "cli.db"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(DOC_A, encoding="utf-8")
    (tmp_path / "in" / "bad.docx").write_bytes(b"nope")
    assert cli_main(["ingest", str(tmp_path / "in")]) == 0
    out = capsys.readouterr().out
    assert "导入 1" in out and "失败 1" in out and "bad.docx" in out
    assert cli_main(["ingest", "--json", str(tmp_path / "in")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["unchanged"] == 1 and summary["kinds"]["存在问题"] == 0
    assert cli_main(["ingest", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "a.txt" in listing and "bundled" in listing
    sid = int(listing.split("\t")[0].lstrip("#")) if "import" in listing.split("\n")[0] else None
    if sid is not None:
        assert cli_main(["ingest", "--remove", str(sid)]) == 0
    assert cli_main(["ingest"]) == 2


def test_browse_lists_a_whole_section(tmp_path: Path) -> None:
    from bot.db import open_db
    from bot.fanwen.corpus import ensure_bundled
    from bot.fanwen.search import browse

    db = open_db(tmp_path / "b.db")
    ensure_bundled(db)
    res = browse(db, "结尾", limit=5)
    assert res.total >= 15 and len(res.results) == 5
    assert {r.kind for r in res.results} == {"结尾"}
    assert browse(db, "结尾", limit=5, offset=5).results[0].id not in {r.id for r in res.results}
    assert browse(db, "不是类型").message


def test_headings_are_searched_and_purged_with_their_paragraphs(tmp_path: Path) -> None:
    doc = "党风廉政建设情况\n一、主要做法\n支部每季度安排一次专题学习，组织党员到教育基地参观，节假日前发送提醒短信。\n"
    database = open_db(tmp_path / "h.db")
    ingest_bytes(database, "h.txt", doc.encode(), origin="import")
    (pid, text, heading) = database.conn.execute("SELECT id, text, heading FROM paragraphs").fetchone()
    assert "党风廉政" not in text and "党风廉政" in heading
    found = search(database, "党风廉政 主要做法").results
    assert [r.id for r in found] == [pid]
    with database.conn:
        database.conn.execute("UPDATE paragraphs SET heading = '作风建设' WHERE id = ?", (pid,))
    assert not search(database, "党风廉政").results
    assert search(database, "作风建设").results[0].id == pid
    sid = database.conn.execute("SELECT id FROM sources").fetchone()[0]
    remove_source(database, sid)
    assert database.conn.execute("SELECT COUNT(*) FROM search_postings").fetchone()[0] == 0
    assert database.conn.execute("SELECT COUNT(*) FROM search_terms").fetchone()[0] == 0
    database.conn.close()


# --- never empty, typos, colloquial words, kind words ----------------------------------------


def test_below_the_cut_off_falls_back_to_best_effort(db: Database) -> None:
    resp = search(db, "党费 推迟召开 入口关 思想汇报 志愿服务")
    assert resp.results and resp.fallback and "可能相关" in resp.message
    strict = search(db, "党费收缴")
    assert strict.results and not strict.fallback
    assert search(db, "天气预报").results == []  # no shared term: still an honest "not found"


def test_a_short_list_is_topped_up_with_results_below_the_cut_off(db: Database) -> None:
    resp = search(db, "党费 入口关")  # one paragraph has 入口关 (rare: it passes), three 党费
    assert not resp.fallback and resp.message == "第2条起可能相关"
    assert [r.maybe for r in resp.results] == [False, True, True, True]
    assert "入口关" in resp.results[0].text and resp.results[0].to_dict()["maybe"] is False
    assert all("党费" in r.text for r in resp.results[1:])
    strict = search(db, "党费收缴").results
    assert strict[0].maybe is False and strict == sorted(strict, key=lambda r: r.maybe)


def test_ime_typos_are_repaired_with_the_rules_repair(db: Database) -> None:
    from bot.text import repair_typos, tokens

    assert repair_typos("三会一可") == ["三会一课"]
    assert "三会一课" in tokens("三会一可是什么")  # the rules matcher uses the same repair
    resp = search(db, "三会一可")
    assert resp.suggestion == "三会一课" and "三会一课" in resp.results[0].text
    both = search(db, "支委汇 会议记录")  # 会议记录 is in the index: not "repaired" to 会议纪录
    assert both.suggestion == "支委会 会议记录" and "会议记录" in both.results[0].text
    assert search(db, "党费收缴").suggestion == ""


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("党费缴收", "党费收缴"), ("志愿服雾", "志愿服务"), ("党费 存在题问", "党费 存在问题")],
)
def test_slips_in_any_word_are_repaired_from_the_index(db: Database, typed: str, meant: str) -> None:
    # no term list has 收缴 or 志愿服务: the paragraphs' bigrams show the repair
    resp = search(db, typed)
    assert resp.suggestion == meant and resp.message.startswith(f"你是不是要找“{meant}”")
    assert resp.results and meant.split()[0] in resp.results[0].text


def test_a_bigram_across_words_weighs_little() -> None:
    from bot.fanwen.search import CROSS_WEIGHT, parse_query

    q = parse_query("还是不知道怎么开会")
    assert q is not None and q.terms["是不"] == CROSS_WEIGHT and q.terms["知道"] == 1.0
    lone = parse_query("一岗双责")  # characters jieba left alone keep their weight
    assert lone is not None and min(lone.terms.values()) == 1.0


@pytest.fixture
def colloquial(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.fanwen import search as search_module

    table = Path(__file__).parent / "fixtures" / "colloquial.yaml"
    monkeypatch.setattr(search_module, "COLLOQUIAL", table)
    words = Path(__file__).parent / "fixtures" / "colloquial_words.yaml"
    monkeypatch.setattr(search_module, "COLLOQUIAL_WORDS", words)


def test_colloquial_words_add_their_formal_phrases(db: Database, colloquial: None) -> None:
    resp = search(db, "老是忘了交钱")  # no word of it is in any paragraph
    assert resp.results and not resp.fallback
    assert "党费" in resp.results[0].text and resp.results[0].kind == "存在问题"  # kinds: soft
    near = search(db, "开会老是没人来")  # the table's 开会没人来 with words between
    assert near.results and "召开" in near.results[0].text


def test_missing_colloquial_table_is_fine(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.fanwen import search as search_module

    monkeypatch.setattr(search_module, "COLLOQUIAL", tmp_path / "none.yaml")
    assert search_module.colloquial_table() == ()
    assert search(db, "老是忘了交钱").results == []


def test_words_not_in_the_index_do_not_sink_the_query(db: Database) -> None:
    # 很多人/老是/忘记 appear in no paragraph and the bigrams across words (费很, 是忘) neither:
    # coverage counts the known words, so 党费 paragraphs pass the cut-off
    resp = search(db, "党费很多人老是忘记交")
    assert resp.results and not resp.fallback and "党费" in resp.results[0].text


def test_kind_word_filters_and_falls_back_to_other_kinds(db: Database) -> None:
    filtered = search(db, "党费 问题")
    assert filtered.kind == "存在问题" and not filtered.other_kinds
    assert filtered.results and all(r.kind == "存在问题" for r in filtered.results)
    none = search(db, "党费 原因分析")  # no 原因分析 paragraph at all
    assert none.results and none.other_kinds and "没有「原因分析」类段落" in none.message
    assert all("党费" in r.text for r in none.results)
    explicit = search(db, "入口关", kind="问题")  # the filter argument behaves the same
    assert explicit.other_kinds and explicit.results[0].kind == "下一步打算"


def test_lone_kind_word_browses_that_kind(db: Database) -> None:
    resp = search(db, "整改措施")
    assert resp.results and {r.kind for r in resp.results} == {"整改措施"}
    assert resp.kind == "整改措施" and not resp.suggestion
    slip = search(db, "整改施措")  # with a slip: the same section, and "did you mean"
    assert slip.kind == "整改措施" and slip.results and slip.suggestion == "整改措施"
    assert slip.message.startswith("你是不是要找“整改措施”")


def test_snapshot_is_memory_mapped_and_follows_changes(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.fanwen import search as search_module
    from bot.fanwen import search_index

    before = [(r.id, round(r.score, 4)) for r in search(db, "党费 收缴", limit=10).results]
    monkeypatch.setattr(search_module, "SNAPSHOT_EVERY", 1)
    rebuild_index(db)
    snap = search_index.load(db)
    assert snap is not None and isinstance(snap[0].docs, __import__("numpy").memmap)
    fresh = open_db(tmp_path / "s.db")
    assert [(r.id, round(r.score, 4)) for r in search(fresh, "党费 收缴", limit=10).results] == before
    monkeypatch.setattr(search_module, "SNAPSHOT_EVERY", 10**9)  # changes go to the log
    ingest_bytes(db, "c.txt", "一、主要做法\n组织党员开展红色教育参观活动，重温入党誓词。\n".encode())
    assert db.conn.execute("SELECT COUNT(*) FROM search_log").fetchone()[0] > 0
    assert "红色教育" in search(fresh, "红色教育").results[0].text
    remove_source(db, db.conn.execute("SELECT id FROM sources WHERE name = 'c.txt'").fetchone()[0])
    assert not search(fresh, "红色教育").results
    fresh.conn.close()


def test_gibberish_is_not_a_fallback(db: Database) -> None:
    # only xx (a placeholder) is shared, and no word: an honest "not found"
    assert search(db, "zzqqxx").results == []
    # but 存在 is a word some paragraph has: never empty, best effort
    resp = search(db, "zzqqxx不存在的词")
    assert resp.results and resp.fallback and "可能相关" in resp.message


def test_colloquial_phrase_matching(colloquial: None) -> None:
    from bot.fanwen.search import _colloquial_matches, parse_query

    def fired(text: str) -> list[str]:
        q = parse_query(text)
        assert q is not None
        return [say for say, _ in _colloquial_matches("".join(q.words), q.segments)]

    assert fired("老是忘了交钱") == ["忘了交钱"]
    assert fired("忘记交钱") == ["忘了交钱"]  # one slip inside the phrase
    assert fired("忘了没交钱") == ["忘了交钱"]  # one character more inside it
    assert fired("党员忘了交") == []  # cut short at its end: not the phrase
    assert fired("开会") == []  # a query that is only part of a phrase is not the phrase
    assert fired("开会人老是没来") == ["开会没人来"]  # its words in another order
    assert fired("开会人来了") == []  # 没 is missing: negations always count
    assert fired("入党积极分子新人") == ["新人入党"]  # 入党 inside a longer query word
    assert fired("村里的事书记一个人拍板") == ["书记说了算"]  # 拍板 is how some say 说了算
    assert fired("干部光坐在办公室里") == ["老坐办公室"]  # 坐 glued to 在 by jieba
    assert fired("干部坐车去办公室") == []  # but not to any word (坐车)
    assert fired("老百姓的事说了算") == []  # 群众 and 书记 both needed: one is not enough
    assert fired("事情太多忙不过来") == ["顾不过来"]  # a one-word phrase said another way
    # the more specific phrase wins over one whose words it holds
    assert fired("学了半天不知道咋干") == ["学了不知道怎么干"]


def test_plans_and_complaints_prefer_their_kinds(colloquial: None) -> None:
    from bot.fanwen.search import _add_colloquial, parse_query

    def prefer(text: str) -> set[str]:
        q = parse_query(text)
        assert q is not None
        _add_colloquial(q)
        return set(q.prefer_kinds)

    assert prefer("明年准备多找党员谈心") == {"下一步打算", "整改措施"}
    assert prefer("党员老是不来开会") == {"存在问题"}
    assert prefer("谈心谈话") == set()


def test_words_that_are_no_topic_are_discounted() -> None:
    from bot.fanwen.search import EVERYDAY_WEIGHT, _discount_words, _everyday, parse_query

    assert _everyday("知道", 1, 1000) == EVERYDAY_WEIGHT  # common language, rare in reports
    assert EVERYDAY_WEIGHT < _everyday("时候", 7, 945) < 1
    assert _everyday("群众", 180, 945) == 1.0 and _everyday("党费", 1, 1000) == 1.0
    assert _everyday("交党费", 6, 945) == 1.0  # a synonym's variant is a party word too
    q = parse_query("支部换届一拖再拖")
    assert q is not None
    df = {"支部": 400, "换届": 26, "一拖": 2}  # 拖再, 再拖: in no paragraph
    _discount_words(q, df, 945)
    assert q.discount == {"一拖再拖": 1 / 3} and q.terms["一拖"] == pytest.approx(1 / 3)
    assert q.terms["换届"] == 1.0
    chat = parse_query("党费交纳知道")
    assert chat is not None
    _discount_words(chat, {"党费": 30, "交纳": 14, "知道": 1, "费交": 10, "纳知": 0}, 945)
    assert chat.discount == {"知道": EVERYDAY_WEIGHT}


def test_kind_word_with_an_ime_slip(db: Database) -> None:
    from bot.fanwen.search import parse_query

    for typed, kind in [("原因分吸 党费", "原因分析"), ("党费 整该措施", "整改措施"),
                        ("党费整该措施", "整改措施"), ("流动党员 下一部打算", "下一步打算")]:
        q = parse_query(typed)
        assert q is not None and q.kind_hint == kind and q.kind_fix, typed
    q = parse_query("党费 大蒜")  # an everyday word that sounds like 打算 is no kind word
    assert q is not None and q.kind_hint is None
    tail = parse_query("支部抓学习的做法")  # a short kind word at the end, as typed
    assert tail is not None and tail.kind_hint == "主要做法" and tail.words == ["支部抓学习的"]
    asked = parse_query("党员老是不交党费的问题")  # but not 问题: it ends everyday complaints
    assert asked is not None and asked.kind_hint is None
    resp = search(db, "党费 整该措施")
    assert resp.kind == "整改措施" and resp.suggestion == "党费 整改措施"
    assert resp.results and all(r.kind == "整改措施" for r in resp.results)
