"""Import of 范文 files: decoding, spam, re-wrapping, headings, kinds, placeholders, duplicates,
transactions, bundled templates; plus an end-to-end check on the real collection in
../shared/corpus (skipped when it is absent). Sample texts here are written for the tests."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.fanwen import corpus
from bot.fanwen.corpus import (
    KINDS,
    CorpusError,
    ensure_bundled,
    ingest_bytes,
    ingest_paths,
    list_sources,
    remove_source,
    resolve_kind,
    text_hash,
)
from bot.fanwen.docparse import (
    Line,
    ParsedDoc,
    ParseError,
    classify,
    decode,
    detect_wrap_width,
    drop_spam_sentences,
    find_placeholders,
    is_spam_line,
    parse_bytes,
    rewrap,
    tidy,
)
from bot.fanwen.search import search

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"real 范文 collection not found at {CORPUS} (../shared/corpus)"
)

SUMMARY = """二〇二四年XX党支部工作总结
今年以来，XX党支部在镇党委领导下，围绕中心抓党建，现将全年工作总结如下。
一、主要做法
（一）抓实理论学习。支部坚持每月集中学习一次，全年组织专题研讨六次，党员撰写心得体会二十余篇。
（二）规范组织生活。严格落实三会一课制度，按月开展主题党日，全年召开支委会十二次、党员大会四次。
二、存在问题
（一）学习深度不够。部分党员满足于读文件、记笔记，联系实际思考不多，学用结合不够紧密。
（二）党费收缴不够规范。个别党员未按月交纳党费，存在集中补交的情况，台账登记不及时。
三、下一步打算
（一）深化学习成效。下一步将围绕重点任务开展专题研讨，推动学习成果转化为工作成效。
（二）规范党费管理。今后将每月核对党费台账，做到按月收缴、及时登记、定期公示。
不当之处，敬请批评指正，我们将在新的一年里继续努力把支部建设得更好更强。
"""


def _count(db: Database, table: str) -> int:
    return int(db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


# --- decoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        SUMMARY.encode("utf-8"),
        b"\xef\xbb\xbf" + SUMMARY.encode("utf-8"),
        SUMMARY.encode("gb18030"),
        SUMMARY.encode("gbk"),
        SUMMARY.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-bom"],
)
def test_decode_encodings(data: bytes) -> None:
    assert decode(data) == SUMMARY.lstrip("\ufeff")


def test_decode_rejects_binary() -> None:
    with pytest.raises(ParseError):
        decode(b"\x00\x01\x02PK\x03\x04" * 50)
    with pytest.raises(ParseError, match="编码"):
        decode(bytes(range(128, 256)) * 40)


# --- spam ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "- 1、本文档由用户上传，某某文库整理发布，可阅读全部内容。",
        "网站客服QQ：123456789",
        "- 88.12 KB",
        "- 2023-05-06 发布",
        "会员群：        免费QQ群：",
        "现在订阅立享全部会员权益",
        "【打击倒卖活动】",
        "第 3 页 共 12 页",
        "- 12 -",
        "2023/6/2 来源：某某新闻网",
        "下载地址：请点击这里",
        "[2]张三.关于基层党建的若干思考.某某学报,2019",
    ],
)
def test_spam_lines_are_recognised(line: str) -> None:
    assert is_spam_line(tidy(line))


@pytest.mark.parametrize(
    "line",
    [
        "支部建立了学习微信群，每周推送学习内容。",
        "通过支部QQ群及时发布通知，党员纷纷下载使用学习平台。",
        "关注群众反映强烈的突出问题，及时回应群众关切。",
        "党费来源稳定，使用管理规范。",
    ],
)
def test_real_lines_are_kept(line: str) -> None:
    assert not is_spam_line(line)


def test_spam_sentence_is_cut_from_real_text() -> None:
    text = "党的建设是一项系统工程。下面是小编为大家整理的范文，欢迎阅读！"
    kept, dropped = drop_spam_sentences(text)
    assert kept == "党的建设是一项系统工程。"
    assert dropped == 1


def test_parse_counts_spam_and_keeps_content() -> None:
    raw = "本文档由用户上传，仅供参考\n网站客服QQ：1234567\n" + SUMMARY
    doc = parse_bytes("a.txt", raw.encode())
    assert doc.spam_dropped == 2
    assert not any("客服" in p.text or "本文档" in p.text for p in doc.paragraphs)


# --- re-wrapping ---------------------------------------------------------------------------

WRAPPED = """一、基本情况
今年以来，支部围绕年初确定的目标任务，坚持把党建工作
同业务工作同谋划、同部署、同考核，各项工作取得了新的
进展。现将有关情况报告如下：
1.组织生活更加规范。支部严格落实三会一课制度，每月
召开支委会，每季度召开党员大会，按时上好党课，党员
参加组织生活的积极性明显提高。
2.党员队伍不断壮大。全年发展党员两名，确定入党积极
分子三名，均按程序严格考察，发展质量稳步提升。
二、存在的不足
一是学习不够深入，部分党员学用结合不够紧密。二是支部
活动形式比较单一，吸引力还不够强。
"""


def test_detects_wrap_width_only_for_wrapped_text() -> None:
    wrapped = [Line(s) for s in WRAPPED.splitlines()]
    assert detect_wrap_width(wrapped) is not None
    assert detect_wrap_width([Line(s) for s in SUMMARY.splitlines()]) is None


def test_rewrap_joins_wrapped_lines_and_keeps_items_apart() -> None:
    lines = [Line(s) for s in WRAPPED.splitlines()]
    out = [line.text for line in rewrap(lines, detect_wrap_width(lines))]
    assert "一、基本情况" in out
    assert any(t.startswith("今年以来") and t.endswith("报告如下：") for t in out)
    assert any(t.startswith("1.组织生活") and t.endswith("明显提高。") for t in out)
    assert any(t.startswith("2.党员队伍") and "入党积极分子" in t for t in out)
    assert any(t.startswith("一是学习") and t.endswith("还不够强。") for t in out)


def test_tidy_removes_pdf_spaces_around_numbers() -> None:
    assert tidy("确定了 10 名入党积极分子，X 镇　共 3 个支部") == "确定了10名入党积极分子，X镇共3个支部"
    assert tidy("use Excel  tables") == "use Excel tables"


# --- headings and kinds --------------------------------------------------------------------


def test_heading_paths_and_kinds() -> None:
    doc = parse_bytes("summary.txt", SUMMARY.encode())
    by_start = {p.text[:6]: p for p in doc.paragraphs}
    assert "一、主要做法" in doc.headings and "二、存在问题" in doc.headings
    p = by_start["抓实理论学习"]
    assert p.heading == ("二〇二四年XX党支部工作总结", "一、主要做法", "（一）抓实理论学习")
    assert p.kind == "主要做法"
    assert by_start["党费收缴不够"].kind == "存在问题"
    assert by_start["党费收缴不够"].heading_text.endswith("二、存在问题 › （二）党费收缴不够规范")
    assert by_start["规范党费管理"].kind == "下一步打算"
    assert by_start["今年以来，X"].kind == "开头"
    assert by_start["不当之处，敬"].kind == "结尾"
    assert [p.position for p in doc.paragraphs] == list(range(len(doc.paragraphs)))


def test_bare_numbers_without_brackets_are_headings() -> None:
    text = (
        "二、存在问题\n"
        "一党员活力不足。部分党员长期外出务工，参加组织生活次数少，作用发挥不明显。\n"
        "二阵地建设滞后。村级活动场所面积偏小，设施陈旧，难以满足党员学习需要。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    assert [p.heading[-1] for p in doc.paragraphs] == ["（一）党员活力不足", "（二）阵地建设滞后"]
    assert all(p.kind == "存在问题" for p in doc.paragraphs)


def test_inline_numbered_item_is_split() -> None:
    text = (
        "二、主要任务\n"
        "1、抓好学习教育。组织党员集中学习理论，每月不少于一次，做到学有笔记、学有体会。"
        "2、规范组织生活。按期召开支委会和党员大会，认真开展主题党日活动并做好记录。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    assert [p.text[:4] for p in doc.paragraphs] == ["抓好学习", "规范组织"]


def test_short_fragments_are_dropped() -> None:
    doc = parse_bytes("x.txt", "各位同志：\n大家好！\n总结。\n".encode() + SUMMARY.encode())
    assert doc.fragments_dropped >= 1
    assert all(len(p.text) >= 12 for p in doc.paragraphs)


@pytest.mark.parametrize(
    ("heading", "text", "kind"),
    [
        ("三、整改措施", "健全学习制度，每月集中学习不少于一次。", "整改措施"),
        ("二、原因分析", "理想信念有所放松，对理论学习重视不够。", "原因分析"),
        ("四、下步打算", "抓好发展党员工作，严把入口关。", "下一步打算"),
        ("一、主要成效", "全年召开党员大会四次，完成各项任务。", "主要做法"),
    ],
)
def test_heading_cue_decides_kind(heading: str, text: str, kind: str) -> None:
    assert classify(text, [heading]) == kind


def test_keywords_and_leads_without_headings() -> None:
    assert classify("究其原因，主要是思想上放松了要求，对党建工作重视不够。") == "原因分析"
    assert classify("针对上述问题，支部将从以下几个方面抓好整改落实。") == "整改措施"
    assert classify("部分党员学习不够深入，组织生活质量不高，作用发挥不明显。") == "存在问题"
    assert classify("总之，我们将以更加饱满的热情投入工作，奋力谱写新篇章。") == "结尾"
    assert classify("天气晴朗。") == "其他"


def test_kind_aliases() -> None:
    assert KINDS == ("开头", "主要做法", "存在问题", "原因分析", "整改措施", "下一步打算", "结尾", "其他")
    assert resolve_kind("导语") == "开头"
    assert resolve_kind("成效") == "主要做法"
    assert resolve_kind("问题") == "存在问题"
    assert resolve_kind("措施") == "整改措施"
    assert resolve_kind("打算") == "下一步打算"
    assert resolve_kind("计划") == "下一步打算"
    assert resolve_kind("結尾") == "结尾"
    assert resolve_kind("存在问题段落") == "存在问题"
    assert resolve_kind("天气") is None
    assert resolve_kind("") is None


# --- placeholders --------------------------------------------------------------------------


def _ph(text: str) -> list[str]:
    return [text[s:e] if e > s else f"@{text[s]}" for s, e, _ in find_placeholders(text)]


def test_placeholders() -> None:
    assert _ph("XX镇共有xx名党员，某某同志任书记") == ["XX", "xx", "某某"]
    assert _ph("投入资金X万元，完成××项任务") == ["X", "××"]
    assert _ph("共计储备年轻的后备干部名。") == ["@名"]
    assert _ph("选派名有经验的干部驻村") == ["@名"]
    assert _ph("召开会议____次，时间（    ）") == ["____", "（    ）"]
    assert _ph("20**年党支部实施“”工程") == ["**", "“”"]
    assert _ph("下载学习APP，加入QQ群，用Excel表格登记姓名") == []
    assert _ph("党员人数排名第一，首次召开，本次会议") == []


# --- database import -----------------------------------------------------------------------


def test_ingest_folder_summary_and_idempotent(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(SUMMARY, encoding="utf-8")
    (folder / "b.txt").write_bytes(WRAPPED.encode("gb18030"))
    (folder / "notes.jpg").write_bytes(b"\xff\xd8")
    seen: list[tuple[int, int, str]] = []
    first = ingest_paths(db, [folder], progress=lambda d, t, n: seen.append((d, t, n)))
    assert first.files == 2 and first.imported == 2 and first.failed == 0
    assert [s[:2] for s in seen] == [(1, 2), (2, 2)]
    assert first.paragraphs == _count(db, "paragraphs")
    assert first.kinds["存在问题"] >= 2
    assert "保留段落" in first.text() and "分类" in first.text()
    count = _count(db, "paragraphs")
    second = ingest_paths(db, [folder])
    assert second.imported == 0 and second.unchanged == 2
    assert _count(db, "paragraphs") == count
    assert _count(db, "sources") == 2


def test_duplicates_within_and_across_files(db: Database, tmp_path: Path) -> None:
    para = "支部坚持每月开展主题党日活动，组织党员学习党章党规，开展志愿服务，党员参与率明显提升。"
    near = para.replace("明显提升", "显著提升")
    text = f"一、主要做法\n{para}\n{para}\n{near}\n另外一段完全不同的内容，讲的是党费收缴和台账管理工作的情况。\n"
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "two.txt").write_text("转载\n" + near + "\n", encoding="utf-8")
    summary = ingest_paths(db, [tmp_path / "one.txt", tmp_path / "two.txt"])
    one, two = summary.reports
    assert one.paragraphs == 2 and one.duplicates == 2
    assert two.status == "failed" or two.paragraphs == 0
    texts = [r[0] for r in db.conn.execute("SELECT text FROM paragraphs")]
    assert sum("主题党日" in t for t in texts) == 1


def test_text_hash_ignores_punctuation_and_script() -> None:
    assert text_hash("党费收缴，按月进行。") == text_hash("黨費收繳 按月進行")


def test_changed_file_replaces_its_earlier_version(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(SUMMARY, encoding="utf-8")
    ingest_paths(db, [path])
    path.write_text(SUMMARY.replace("六次", "八次"), encoding="utf-8")
    report = ingest_paths(db, [path]).reports[0]
    assert report.status == "replaced"
    assert _count(db, "sources") == 1
    texts = " ".join(r[0] for r in db.conn.execute("SELECT text FROM paragraphs"))
    assert "八次" in texts and "六次" not in texts


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("支部年度工作总结", level=0)
    d.add_heading("一、存在问题", level=1)
    d.add_paragraph("理论学习的系统性不强，部分党员满足于完成规定动作，主动学习的意识不够。")
    d.add_heading("二、整改措施", level=1)
    d.add_paragraph("建立学习台账，每季度开展一次学习测试，把学习情况纳入党员评议内容。")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "表格中的一段内容：支部每月十五日固定开展主题党日活动，并留存记录。"
    table.cell(0, 1).text = "短"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_import_headings_and_tables(db: Database) -> None:
    summary = ingest_bytes(db, "总结.docx", _docx_bytes())
    assert summary.imported == 1
    rows = db.conn.execute("SELECT heading, kind, text FROM paragraphs ORDER BY position").fetchall()
    assert rows[0][0] == "支部年度工作总结 › 一、存在问题" and rows[0][1] == "存在问题"
    assert rows[1][1] == "整改措施"
    assert any("表格中的一段内容" in r[2] for r in rows)
    src = list_sources(db)[0]
    assert src.origin == "upload" and src.name == "总结.docx"


def test_markdown_import(db: Database) -> None:
    md = "# 支部工作计划\n\n## 下一步打算\n\n**明年**将按照计划开展党员轮训，做到全员覆盖、学用结合。\n"
    ingest_bytes(db, "plan.md", md.encode())
    row = db.conn.execute("SELECT heading, kind, text FROM paragraphs").fetchone()
    assert row[1] == "下一步打算" and "**" not in row[2]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.docx", b"PK\x03\x04 not really a zip", "损坏"),
        ("old.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".docx"),
        ("pic.png", b"\x89PNG\r\n", "不支持"),
        ("bin.txt", b"\x00\x01" * 200, "二进制"),
        ("empty.txt", b"   \n", "空"),
        ("spam.txt", "网站客服QQ：1234567\n- 12.3 KB\n".encode(), "没有找到可用的段落"),
    ],
)
def test_broken_files_raise_clear_error_and_write_nothing(
    db: Database, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(CorpusError, match=message):
        ingest_bytes(db, name, data)
    assert _count(db, "sources") == 0 and _count(db, "paragraphs") == 0


def _pdf(text: str) -> bytes:
    """A one-page PDF with a line of Latin text (enough to exercise the PDF path)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


def test_pdf_text_extraction(db: Database) -> None:
    summary = ingest_bytes(db, "latin.pdf", _pdf("Branch work summary: monthly study sessions held."))
    assert summary.paragraphs == 1
    with pytest.raises(CorpusError, match="扫描件"):
        ingest_bytes(db, "scan.pdf", _pdf(" "))
    with pytest.raises(CorpusError, match="PDF"):
        ingest_bytes(db, "broken.pdf", b"%PDF-1.4\n garbage")


def test_bad_file_in_folder_does_not_stop_import(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.docx").write_bytes(b"garbage")
    (tmp_path / "b.txt").write_text(SUMMARY, encoding="utf-8")
    summary = ingest_paths(db, [tmp_path, tmp_path / "missing.txt"])
    status = {r.name: r.status for r in summary.reports}
    assert status == {"a.docx": "failed", "b.txt": "imported", "missing.txt": "failed"}
    assert "✗ a.docx" in summary.text()


def test_failure_mid_file_rolls_back(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_db: Database) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(corpus, "sync", boom)
    with pytest.raises(CorpusError, match="写入数据库失败"):
        ingest_bytes(db, "a.txt", SUMMARY.encode())
    assert _count(db, "sources") == 0 and _count(db, "paragraphs") == 0
    assert _count(db, "search_pending") == 0


def test_remove_source(db: Database) -> None:
    summary = ingest_bytes(db, "a.txt", SUMMARY.encode())
    sid = summary.reports[0].source_id
    assert sid is not None
    assert search(db, "党费收缴").results
    assert remove_source(db, sid) == summary.paragraphs
    assert _count(db, "paragraphs") == 0
    assert _count(db, "search_docs") == 0 and _count(db, "search_postings") == 0
    assert all(r.source != "a.txt" for r in search(db, "党费收缴").results)
    with pytest.raises(CorpusError):
        remove_source(db, sid)


# --- bundled templates ---------------------------------------------------------------------


def test_bundled_templates_load_once_and_follow_changes(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tpl = tmp_path / "templates"
    tpl.mkdir()
    (tpl / "FORMAT.md").write_text("# 说明\n不是范文\n", encoding="utf-8")
    (tpl / "cunzai_wenti.md").write_text(
        "# 存在问题\n\n## 党费\nXX党支部党费收缴不够规范，部分党员未按月交纳。\n\n"
        "## 三会一课\n支委会召开不够经常，会议记录不够完整规范。\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(corpus, "TEMPLATES", tpl)
    ensure_bundled(db)
    rows = db.conn.execute("SELECT kind, theme, heading, placeholders FROM paragraphs").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("存在问题", "党费"), ("存在问题", "三会一课")]
    assert json.loads(rows[0][3]) == [[0, 2, "XX"]]
    src = list_sources(db, origin="bundled")[0]
    assert src.name == "内置范文·存在问题"
    with pytest.raises(CorpusError, match="内置"):
        remove_source(db, src.id)
    ensure_bundled(db)
    assert _count(db, "paragraphs") == 2
    (tpl / "cunzai_wenti.md").write_text("# 存在问题\n\n## 党费\n党费使用公开不够及时。\n", "utf-8")
    ensure_bundled(db)
    assert [r[0] for r in db.conn.execute("SELECT text FROM paragraphs")] == ["党费使用公开不够及时。"]
    assert search(db, "党费 公开").results[0].source == "内置范文·存在问题"


def test_real_bundled_templates_are_searchable(db: Database) -> None:
    ensure_bundled(db)
    kinds = {r[0] for r in db.conn.execute("SELECT DISTINCT kind FROM paragraphs")}
    assert kinds <= set(KINDS)
    assert _count(db, "paragraphs") > 0
    assert search(db, "党费", source="bundled").results


# --- the real collection -------------------------------------------------------------------

#: Marker words of the web spam in the collection (short words, no corpus text).
SPAM_MARKERS = ("客服", "本文档", "淘文库", "会员群", "订阅立享", "倒卖", "小编", "欢迎品鉴",
                "禁止外传", "自建平台", "KB", "来源:", "范文范本", "参考文献")


@pytest.fixture(scope="module")
def real_docs() -> dict[str, ParsedDoc]:
    if not CORPUS.is_dir():
        pytest.skip(f"real 范文 collection not found at {CORPUS}")
    return {f.name[:3]: parse_bytes(f.name, f.read_bytes()) for f in sorted(CORPUS.glob("*.txt"))}


@needs_corpus
def test_real_corpus_has_no_spam(real_docs: dict[str, ParsedDoc]) -> None:
    for doc in real_docs.values():
        for p in doc.paragraphs:
            assert not any(m in p.text for m in SPAM_MARKERS), p.text[:20]
            assert not any(m in h for h in p.heading for m in SPAM_MARKERS)
    assert real_docs["001"].spam_dropped >= 6 and real_docs["004"].spam_dropped >= 7


@needs_corpus
def test_real_corpus_wrapped_file_is_rejoined(real_docs: dict[str, ParsedDoc]) -> None:
    doc = real_docs["001"]
    assert doc.wrap_width is not None
    assert real_docs["000"].wrap_width is None
    raw = [s.strip() for s in (CORPUS / next(CORPUS.glob("001_*.txt")).name).read_text("utf-8")
           .splitlines()]
    flat = ""
    line_starts = set()
    for line in raw:
        line_starts.add(len(flat))
        flat += tidy(line)
    for p in doc.paragraphs:
        assert p.text[-1] in "。！？；：:!?;”）)", p.text[-15:]
        assert len(p.text) > 30  # a wrapped line is ~28 characters
        # it starts a sentence: at a line start or after a full stop, once its number is removed
        at = flat.find(p.text[:12])
        assert at >= 0, p.text[:12]
        m = re.search(r"(\d{1,2}[、.．]|[（(][一二三四五六七八九十]+[)）])$", flat[:at])
        start = m.start() if m else at
        assert start in line_starts or flat[start - 1] in "。！？；：:!?;", p.text[:12]


@needs_corpus
def test_real_corpus_headings(real_docs: dict[str, ParsedDoc]) -> None:
    assert {"一、工作开展情况", "二、存在问题", "三、下一步工作思路"} <= set(real_docs["000"].headings)
    assert {"一、主要工作", "二、存在问题", "三、努力方向"} <= set(real_docs["004"].headings)
    assert "三、存在问题和下步打算" in real_docs["001"].headings
    kinds_004 = [p.kind for p in real_docs["004"].paragraphs]
    assert kinds_004.count("存在问题") == 4 and kinds_004[0] == "开头"


@needs_corpus
def test_real_corpus_counts_are_stable(db: Database, real_docs: dict[str, ParsedDoc]) -> None:
    counts = {k: len(d.paragraphs) for k, d in real_docs.items()}
    again = {f.name[:3]: len(parse_bytes(f.name, f.read_bytes()).paragraphs)
             for f in sorted(CORPUS.glob("*.txt"))}
    assert counts == again
    assert counts["000"] == 10 and counts["004"] == 14 and counts["003"] == 11
    first = ingest_paths(db, [CORPUS])
    assert first.imported == 5 and first.failed == 0
    assert first.duplicates >= 200  # the large compilation repeats whole documents
    stored = _count(db, "paragraphs")
    assert stored == first.paragraphs
    second = ingest_paths(db, [CORPUS])
    assert second.unchanged == 5 and _count(db, "paragraphs") == stored


@needs_corpus
def test_classifier_accuracy_on_dev_set() -> None:
    from benchmarks.classify import evaluate

    ev = evaluate()
    assert ev.total >= 150 and not ev.missing
    assert ev.accuracy >= 0.8


# --- Word tables ----------------------------------------------------------------------------


def _docx_of(build: Callable[[Any], None]) -> bytes:
    import docx

    d = docx.Document()
    build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_plain_table_keeps_every_cell() -> None:
    from bot.fanwen.docparse import extract

    def build(d: Any) -> None:
        t = d.add_table(rows=3, cols=3)
        for r in range(3):
            for c in range(3):
                t.cell(r, c).text = f"第{r}行第{c}列的内容说明"

    text = "\n".join(line.text for line in extract("t.docx", _docx_of(build)))
    for r in range(3):
        for c in range(3):
            assert f"第{r}行第{c}列" in text


def test_docx_merged_cells_are_read_once() -> None:
    from bot.fanwen.docparse import extract

    def build(d: Any) -> None:
        t = d.add_table(rows=3, cols=3)
        for r in range(3):
            for c in range(3):
                t.cell(r, c).text = f"单元{r}{c}的文字"
        t.cell(1, 0).merge(t.cell(2, 0))  # vertical merge
        t.cell(1, 1).merge(t.cell(1, 2))  # horizontal merge

    text = "\n".join(line.text for line in extract("t.docx", _docx_of(build)))
    for cell in ("单元10", "单元11", "单元12", "单元20", "单元21", "单元22"):
        assert text.count(cell) == 1, cell


def test_docx_checklist_rows_keep_column_names(db: Database) -> None:
    def build(d: Any) -> None:
        d.add_heading("整改清单", level=1)
        t = d.add_table(rows=3, cols=4)
        for c, label in enumerate(("序号", "问题", "整改措施", "责任人")):
            t.cell(0, c).text = label
        rows = [
            ("1", "学习计划执行不严，集中学习时有缺课", "每月固定学习日，缺课党员及时补学", "张三"),
            ("2", "党费台账登记不及时，少数月份漏记", "指定专人每月核对台账并公示结果", "李四"),
        ]
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                t.cell(r, c).text = value

    ingest_bytes(db, "清单.docx", _docx_of(build))
    texts = [r[0] for r in db.conn.execute("SELECT text FROM paragraphs ORDER BY position")]
    assert texts == [
        "问题：学习计划执行不严，集中学习时有缺课；整改措施：每月固定学习日，缺课党员及时补学；责任人：张三。",
        "问题：党费台账登记不及时，少数月份漏记；整改措施：指定专人每月核对台账并公示结果；责任人：李四。",
    ]


# --- lists ---------------------------------------------------------------------------------


def test_last_list_item_before_a_higher_heading_is_kept() -> None:
    text = (
        "一、主要做法\n"
        "（一）抓学习\n"
        "1、支部坚持每月集中学习一次，全年组织专题研讨六次。\n"
        "2、党员撰写心得体会二十余篇，交流发言十余人次。\n"
        "（二）抓组织\n"
        "1、严格落实三会一课制度，按月开展主题党日活动。\n"
        "2、全年召开支委会十二次、党员大会四次，记录完整。\n"
        "二、存在问题\n"
        "部分党员学习不够深入，联系实际思考不多，学用结合不够紧密。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    starts = [p.text[:4] for p in doc.paragraphs]
    assert starts == ["支部坚持", "党员撰写", "严格落实", "全年召开", "部分党员"]
    assert doc.paragraphs[1].heading[-2:] == ("（一）抓学习", "2、党员撰写心得体会二十余篇，交流发言十余人次")
    assert doc.paragraphs[4].heading == ("二、存在问题",)


def test_short_last_item_is_not_the_heading_of_the_next_paragraph() -> None:
    text = (
        "一、主要做法\n"
        "1、坚持每月集中学习，围绕党的创新理论开展专题研讨，党员撰写心得体会二十余篇。\n"
        "2、规范党费收缴，做到按月收缴、及时登记公示。\n"
        "支部还组织党员参加志愿服务活动，累计服务群众三百余人次。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    assert [p.text[:4] for p in doc.paragraphs] == ["坚持每月", "规范党费", "支部还组"]
    assert doc.paragraphs[2].heading == ("一、主要做法",)


def test_a_numbered_word_is_not_eaten_as_a_marker() -> None:
    text = (
        "二、主要做法\n"
        "一抓学习，支部坚持每月集中学习一次，全年组织专题研讨六次，效果明显。\n"
        "二抓组织，严格落实三会一课制度，按月开展主题党日活动，记录完整规范。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    assert [p.text[:4] for p in doc.paragraphs] == ["一抓学习", "二抓组织"]


# --- one-line documents, site debris, spaces ------------------------------------------------


ONE_LINE = (
    "二〇二四年支部工作总结 今年以来，支部围绕中心抓党建，现将全年工作总结如下。 一、主要做法 "
    "（一）抓实理论学习。支部坚持每月集中学习一次，全年组织专题研讨六次。（二）规范组织生活。"
    "严格落实三会一课制度，按月开展主题党日。 二、存在问题 1、学习深度不够。部分党员满足于读文件、"
    "记笔记，联系实际思考不多。2、党费收缴不够规范。个别党员未按月交纳党费，台账登记不及时。 "
    "三、下一步打算 下一步将围绕重点任务开展专题研讨，推动学习成果转化为工作成效。"
)


@pytest.mark.parametrize("text", [ONE_LINE, ONE_LINE.replace(" ", "")], ids=["spaces", "glued"])
def test_one_line_document_is_split_at_run_in_headings(text: str) -> None:
    doc = parse_bytes("x.txt", text.encode())
    got = [(p.heading[-1] if p.heading else "", p.kind, p.text[:6]) for p in doc.paragraphs]
    if " " in text:
        assert doc.paragraphs[0].heading == ("二〇二四年支部工作总结",)
    assert got[1:5] == [
        ("（一）抓实理论学习", "主要做法", "抓实理论学习"),
        ("（二）规范组织生活", "主要做法", "规范组织生活"),
        ("1、学习深度不够", "存在问题", "学习深度不够"),
        ("2、党费收缴不够规范", "存在问题", "党费收缴不够"),
    ]
    assert len(got) == 6 and got[5][1] == "下一步打算"
    if " " in text:  # glued, "三、下一步打算下一步将…" has no visible end of its heading
        assert got[5] == ("三、下一步打算", "下一步打算", "下一步将围绕")
    assert "一、主要做法" in doc.headings and "二、存在问题" in doc.headings


def test_numbers_inside_a_sentence_are_not_run_in_headings() -> None:
    from bot.fanwen.docparse import split_run_in

    line = "支部共完成1、2两个季度的学习任务，召开党员大会三次，组织党员开展志愿服务活动十余次，效果良好。"
    assert split_run_in(line) == [line]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("您的位置：首页 > 党建范文 > 工作总结 XX支部2023年工作总结", "XX支部2023年工作总结"),
        ("XX支部2023年工作总结 - 精品文档 收藏 1523人已围观", "XX支部2023年工作总结"),
        ("支部坚持每月学习一次，全年开展研讨六次。第2页 共5页 党员撰写心得二十篇。",
         "支部坚持每月学习一次，全年开展研讨六次。党员撰写心得二十篇。"),
        ("2023年党支部工作总结，欢迎大家阅读学习", "2023年党支部工作总结"),
        ("首页 > 范文 > 总结", ""),
        ("123人已围观", ""),
    ],
)
def test_site_debris_is_removed_from_lines(line: str, kept: str) -> None:
    from bot.fanwen.docparse import clean_lines

    lines, dropped = clean_lines([Line(line)])
    assert [x.text for x in lines if x.text] == ([kept] if kept else [])
    assert dropped == (0 if kept else 1)


def test_spaces_between_items_are_kept() -> None:
    assert tidy("会议议程 第一项 领导发言 第二项 支部书记讲话") == "会议议程 第一项 领导发言 第二项 支部书记讲话"
    assert tidy("前 言") == "前言"
    assert tidy("时间：5月 地点 ：党员活动室") == "时间：5月地点：党员活动室"


def test_old_word_files_get_a_clear_message(db: Database) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    for name in ("村支部总结.doc", "改了扩展名.docx", "金山.wps"):
        with pytest.raises(CorpusError, match=re.escape("暂不支持旧版 .doc，请在 Word/WPS 里另存为 .docx 再发")):
            ingest_bytes(db, name, ole)
    # a .docx that only carries the old extension is read as what it is
    assert ingest_bytes(db, "其实是新版.doc", _docx_bytes()).imported == 1


# --- fidelity -------------------------------------------------------------------------------


def test_import_reports_lost_text(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.fanwen import docparse

    ok = ingest_bytes(db, "a.txt", SUMMARY.encode())
    report = ok.reports[0]
    assert report.source_chars > 300 and report.lost_chars <= 0.03 * report.source_chars
    assert "⚠" not in ok.text()
    # a parser that drops text (as tables and list items once did) is noticed, not silent
    monkeypatch.setattr(docparse, "split_long", lambda text, limit=900: [text[: len(text) // 2]])
    lossy = ingest_bytes(db, "b.txt", SUMMARY.replace("今年", "本年").encode())
    assert lossy.reports[0].shortfall
    assert "⚠ b.txt：原文" in lossy.text() and "未能导入" in lossy.text()


def test_markdown_bold_in_plain_text_is_not_a_placeholder() -> None:
    text = "**一、主要做法**\n支部**坚持每月集中学习**，全年组织专题研讨六次，20**年完成换届。\n"
    doc = parse_bytes("x.txt", text.encode())
    p = doc.paragraphs[0]
    assert p.heading == ("一、主要做法",)
    assert p.text == "支部坚持每月集中学习，全年组织专题研讨六次，20**年完成换届。"
    assert [p.text[s:e] for s, e, _ in p.placeholders] == ["**"]  # the masked year only


# --- plans and heading weights ---------------------------------------------------------------


def test_gbk_text_under_an_explicit_heading_takes_its_kind() -> None:
    text = (
        "下一步打算\n"
        "一是继续抓好理论学习，每月组织一次集中学习，推动学习常态化。\n"
        "二是规范组织生活，按时召开支委会和党员大会，提高会议质量。\n"
    )
    doc = parse_bytes("打算.txt", text.encode("gbk"))
    assert [p.kind for p in doc.paragraphs] == ["下一步打算", "下一步打算"]
    assert doc.paragraphs[0].heading == ("下一步打算",)


def test_plan_goals_and_agenda_are_not_report_sections() -> None:
    text = (
        "党支部“七一”主题党日活动方案\n"
        "一、活动目标\n"
        "通过重温入党誓词、集中学习等方式，进一步增强党员的党性观念和宗旨意识。\n"
        "二、活动安排\n"
        "1、上午九点在村党群服务中心集合，全体党员重温入党誓词。\n"
        "2、支部书记讲专题党课，党员代表交流学习体会并开展讨论。\n"
        "三、工作要求\n"
        "各党员要按时参加，不得无故缺席，因事不能参加的须提前向支部书记请假。\n"
    )
    doc = parse_bytes("方案.txt", text.encode())
    assert len(doc.paragraphs) == 4
    assert {p.kind for p in doc.paragraphs} == {"其他"}


def test_problem_word_in_an_action_heading_does_not_make_problems() -> None:
    text = (
        "一、主要做法\n"
        "（一）着力解决群众急难愁盼的问题\n"
        "支部组织党员逐户走访，建立问题台账，今年共帮助群众解决饮水、道路等实事十二件。\n"
    )
    doc = parse_bytes("x.txt", text.encode())
    assert doc.paragraphs[0].kind == "主要做法"


def test_a_title_taken_for_a_heading_does_not_decide_blindly() -> None:
    from bot.fanwen.docparse import classify

    body = "今年以来，支部先后组织集中学习十二次，开展主题党日活动十次，党员参与率明显提升。"
    assert classify(body, ["关于XX党支部落实巡察整改措施的报告"]) == "主要做法"
    assert classify(body, ["关于XX党支部落实巡察整改措施的报告", "三、整改措施"]) == "整改措施"


# --- identical paragraphs across bundled and imported sets ----------------------------------


def test_identical_bundled_and_imported_paragraphs_merge(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = "XX党支部党费收缴不够规范，部分党员未按月交纳党费，存在集中补交的情况。"
    tpl = tmp_path / "templates"
    tpl.mkdir()
    (tpl / "wenti.md").write_text(
        f"# 存在问题\n\n## 党费\n{shared}\n\n## 学习\n集中学习形式单一，党员参与讨论不够积极主动。\n", "utf-8"
    )
    monkeypatch.setattr(corpus, "TEMPLATES", tpl)

    def copies() -> int:
        return sum(shared == r[0] for r in db.conn.execute("SELECT text FROM paragraphs"))

    upload = ingest_bytes(db, "a.txt", f"二、存在问题\n{shared}\n".encode())
    ensure_bundled(db)  # loaded after the import: the identical paragraph is not stored twice
    assert copies() == 1
    assert len([r for r in search(db, "党费 集中补交").results if r.text == shared]) == 1
    sid = upload.reports[0].source_id
    assert sid is not None
    remove_source(db, sid)  # the bundled copy comes back instead of vanishing with the upload
    assert copies() == 1
    assert search(db, "党费 集中补交").results[0].source == "内置范文·存在问题"
    assert list_sources(db, origin="bundled")[0].paragraphs == 2
