"""Draft basket: real SQLite files, real .docx bytes reopened with python-docx."""

from __future__ import annotations

import io
import json
from datetime import date

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from sqlite_utils import Database

from bot.fanwen import drafts
from bot.fanwen.corpus import ensure_bundled, remove_source, text_hash
from bot.fanwen.docparse import KINDS, find_placeholders, parse_bytes
from bot.fanwen.drafts import DraftError, Segment, fill
from bot.replies import MAX_CALLBACK_BYTES, MAX_MESSAGE

TODAY = date(2026, 6, 1)
USER = 1001
OTHER_USER = 2002

OPENING = "2026年以来，XX党支部在XX镇党委的领导下，坚持以党建引领村级各项工作，全年召开支委会XX次。"
PRACTICE = "严格落实“三会一课”制度。XX村党支部全年召开党员大会XX次，党员参会率保持在XX%以上，组织生活规范有序。"
PRACTICE2 = "推动集体经济发展壮大。支部领办合作社，盘活闲置资源，村集体经营性收入达到XX万元，带动群众增收。"
PROBLEM = "一是理论学习不够深入。个别党员学习笔记简单摘抄，学用结合不紧，储备后备干部名。"
CAUSE = "主要原因是支部对理论学习重视不够，学习计划安排较为笼统，督促检查不到位，考核机制不够健全。"
MEASURE = "规范会议记录。统一使用“三会一课”记录本，XX月底前完成往年资料的梳理归档，做到资料完整。"
PLAN = "加强党员队伍建设。全年计划发展党员XX名，重点向青年农民倾斜，严格落实政治审查、公示等程序。"
CLOSING = "新的一年，XX党支部将以更加务实的作风抓好支部建设，为完成全年目标任务提供坚强组织保证。"


def _source(db: Database, name: str = "范文.docx") -> int:
    cur = db.conn.execute(
        "INSERT INTO sources (name, path, sha256, origin) VALUES (?, ?, ?, 'upload')",
        (name, f"upload:{name}", f"sha-{name}"),
    )
    db.conn.commit()
    return int(cur.lastrowid or 0)


def _para(db: Database, source_id: int, kind: str, text: str, heading: str = "") -> int:
    cur = db.conn.execute(
        "INSERT INTO paragraphs (source_id, position, heading, kind, text, placeholders, hash) "
        "VALUES (?, 0, ?, ?, ?, ?, ?)",
        (source_id, heading, kind, text, json.dumps(find_placeholders(text)), text_hash(text)),
    )
    db.conn.commit()
    return int(cur.lastrowid or 0)


@pytest.fixture
def paras(db: Database) -> dict[str, int]:
    sid = _source(db)
    return {
        "结尾": _para(db, sid, "结尾", CLOSING),
        "存在问题": _para(db, sid, "存在问题", PROBLEM),
        "开头": _para(db, sid, "开头", OPENING),
        "主要做法": _para(db, sid, "主要做法", PRACTICE),
        "主要做法2": _para(db, sid, "主要做法", PRACTICE2),
        "原因分析": _para(db, sid, "原因分析", CAUSE),
        "整改措施": _para(db, sid, "整改措施", MEASURE),
        "下一步打算": _para(db, sid, "下一步打算", PLAN),
    }


def _fill_basket(db: Database, paras: dict[str, int], user: int = USER) -> None:
    for pid in paras.values():  # deliberately not in report order
        assert drafts.add(db, user, pid).added


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _style_name(p: Paragraph) -> str | None:
    return p.style.name if p.style is not None else None


def _east_asia(run: Run) -> str | None:
    rpr = run._r.rPr
    rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


# --- basket --------------------------------------------------------------------------------


def test_add_is_idempotent_and_reports_missing(db: Database, paras: dict[str, int]) -> None:
    first = drafts.add(db, USER, paras["开头"])
    assert first.status == "added" and first.item is not None and first.count == 1
    assert "已加入草稿篮" in first.message
    again = drafts.add(db, USER, paras["开头"])
    assert again.status == "exists" and not again.added
    assert again.item is not None and again.item.id == first.item.id
    assert len(drafts.items(db, USER)) == 1

    gone = drafts.add(db, USER, 999_999)
    assert gone.status == "missing" and gone.item is None
    assert "已被删除" in gone.message
    assert len(drafts.items(db, USER)) == 1


def test_same_text_reimported_under_new_id_is_one_item(db: Database) -> None:
    old = _para(db, _source(db, "a.docx"), "开头", OPENING)
    assert drafts.add(db, USER, old).added
    db.conn.execute("DELETE FROM paragraphs WHERE id = ?", (old,))
    db.conn.commit()
    new = _para(db, _source(db, "b.docx"), "开头", OPENING)
    assert drafts.add(db, USER, new).status == "exists"


def test_items_follow_report_order_with_positions(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    basket = drafts.items(db, USER)
    kinds = [i.kind for i in basket]
    assert kinds == sorted(kinds, key=KINDS.index)
    assert kinds[0] == "开头" and kinds[-1] == "结尾"
    assert [i.number for i in basket] == list(range(1, len(basket) + 1))
    practices = [i for i in basket if i.kind == "主要做法"]
    assert [i.text for i in practices] == [PRACTICE, PRACTICE2]
    assert [i.position for i in practices] == [1, 2]
    groups = drafts.sections(basket)
    assert [k for k, _ in groups] == ["开头", "主要做法", "存在问题", "原因分析", "整改措施", "下一步打算", "结尾"]


def test_baskets_are_per_user(db: Database, paras: dict[str, int]) -> None:
    drafts.add(db, USER, paras["开头"])
    drafts.add(db, OTHER_USER, paras["结尾"])
    mine = drafts.items(db, USER)
    assert [i.kind for i in mine] == ["开头"]
    assert drafts.remove(db, OTHER_USER, mine[0].id) is False
    assert drafts.move(db, OTHER_USER, mine[0].id, 1) is False
    assert drafts.clear(db, USER) == 1
    assert drafts.items(db, USER) == []
    assert [i.kind for i in drafts.items(db, OTHER_USER)] == ["结尾"]


def test_move_stays_within_kind_group(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    first, second = (i for i in drafts.items(db, USER) if i.kind == "主要做法")
    assert drafts.move(db, USER, first.id, -1) is False  # already first in its group
    assert drafts.move(db, USER, second.id, 1) is False  # last in its group
    assert drafts.move(db, USER, second.id, -1) is True
    basket = drafts.items(db, USER)
    assert [i.text for i in basket if i.kind == "主要做法"] == [PRACTICE2, PRACTICE]
    assert [i.kind for i in basket][1:3] == ["主要做法", "主要做法"]
    assert drafts.move(db, USER, second.id, 1) is True  # and back
    assert [i.text for i in drafts.items(db, USER) if i.kind == "主要做法"] == [PRACTICE, PRACTICE2]
    with pytest.raises(ValueError):
        drafts.move(db, USER, first.id, 2)


def test_remove_then_add_keeps_positions_unique(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    first = next(i for i in drafts.items(db, USER) if i.kind == "主要做法")
    assert drafts.remove(db, USER, first.id) is True
    assert drafts.remove(db, USER, first.id) is False
    assert drafts.add(db, USER, paras["主要做法"]).added  # goes to the end of its group
    assert [i.text for i in drafts.items(db, USER) if i.kind == "主要做法"] == [PRACTICE2, PRACTICE]


def test_snapshot_survives_source_removal(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    source_id = db.conn.execute("SELECT id FROM sources").fetchone()[0]
    remove_source(db, source_id)
    assert db.conn.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0] == 0
    basket = drafts.items(db, USER)
    assert len(basket) == len(paras)
    assert drafts.add(db, USER, paras["存在问题"]).status == "exists"  # stale ➕ button
    assert drafts.add(db, OTHER_USER, paras["存在问题"]).status == "missing"
    out = drafts.export_docx(db, USER, TODAY)
    assert PROBLEM[:10] in "\n".join(p.text for p in _open(out.data).paragraphs)


def test_basket_is_capped(db: Database) -> None:
    sid = _source(db)
    for n in range(drafts.MAX_ITEMS):
        assert drafts.add(db, USER, _para(db, sid, "主要做法", f"第{n}段做法，内容足够长以便成为一个段落。")).added
    extra = drafts.add(db, USER, _para(db, sid, "主要做法", "再多一段做法，内容足够长以便成为段落。"))
    assert extra.status == "full" and "最多" in extra.message
    assert len(drafts.items(db, USER)) == drafts.MAX_ITEMS


# --- org and title --------------------------------------------------------------------------


def test_title_defaults_follow_org_and_year(db: Database) -> None:
    assert drafts.get_title(db, USER, TODAY) == "XX党支部2026年度党建工作总结"
    assert drafts.get_title(db, USER, date(2027, 1, 10)) == "XX党支部2026年度党建工作总结"
    assert drafts.set_org(db, USER, " 红星村 党支部 ") == "红星村党支部"
    assert drafts.get_org(db, USER) == "红星村党支部"
    assert drafts.get_title(db, USER, TODAY) == "红星村党支部2026年度党建工作总结"
    assert drafts.set_title(db, USER, "红星村党支部上半年工作总结") == "红星村党支部上半年工作总结"
    assert drafts.get_title(db, USER, TODAY) == "红星村党支部上半年工作总结"
    drafts.set_title(db, USER, "")
    assert drafts.get_title(db, USER, TODAY) == "红星村党支部2026年度党建工作总结"
    assert drafts.get_org(db, OTHER_USER) is None
    drafts.set_org(db, USER, "")
    assert drafts.get_org(db, USER) is None


def test_org_falls_back_to_private_chat(db: Database) -> None:
    db.conn.execute("INSERT INTO chats (chat_id, org_name) VALUES (?, '青山社区党委')", (USER,))
    db.conn.commit()
    assert drafts.get_org(db, USER) == "青山社区党委"


@pytest.mark.parametrize("bad", ["XX党支部", "某某村党支部", "红" * 41])
def test_bad_org_names_are_refused(db: Database, bad: str) -> None:
    with pytest.raises(DraftError):
        drafts.set_org(db, USER, bad)


def test_long_title_is_refused(db: Database) -> None:
    with pytest.raises(DraftError, match="标题太长"):
        drafts.set_title(db, USER, "总结" * 40)


# --- placeholders ---------------------------------------------------------------------------


def _render(segments: list[Segment]) -> str:
    """Blank segments shown as [..] so a case reads at a glance."""
    return "".join(f"[{s.text}]" if s.blank else s.text for s in segments)


@pytest.mark.parametrize(
    ("org", "text", "expected"),
    [
        ("红星村党支部", "XX党支部坚持", "红星村党支部坚持"),
        ("红星村党支部", "xx党支部书记带头", "红星村党支部书记带头"),
        ("红星村党支部", "某某党支部", "红星村党支部"),
        ("红星村党支部", "X村党支部", "红星村党支部"),
        ("红星村党支部", "XX村两委", "红星村两委"),
        ("红星村党支部", "某村", "红星村"),
        ("红星村党支部", "XX党组织", "红星村党支部"),
        # not the org's type or level: left and highlighted
        ("红星村党支部", "在XX镇党委领导下", "在[XX]镇党委领导下"),
        ("红星村党支部", "XX社区", "[XX]社区"),
        ("红星村党支部", "XX党委", "[XX]党委"),
        ("红星村党支部", "XX区域", "[XX]区域"),
        ("青山镇红星村党支部", "在XX镇党委领导下，XX村", "在青山镇党委领导下，红星村"),
        ("红星社区党委", "XX党委", "红星社区党委"),
        ("红星社区党委", "XX党支部", "[XX]党支部"),
        ("张村党支部", "XX村", "张村"),
        ("红星村", "XX党支部", "红星村党支部"),
        # an institution: only the party suffix is safe to fill
        ("华兴市政工程有限公司党支部", "XX市XX党支部", "[XX]市华兴市政工程有限公司党支部"),
        # everything else stays
        ("红星村党支部", "全年XX次，达XX%，XX万元", "全年[XX]次，达[XX]%，[XX]万元"),
        ("红星村党支部", "某某同志", "[某某]同志"),
        ("红星村党支部", "储备后备干部名。", "储备后备干部[XX]名。"),
        (None, "XX党支部和XX村", "[XX]党支部和[XX]村"),
    ],
)
def test_fill(org: str | None, text: str, expected: str) -> None:
    assert _render(fill(text, org)) == expected


def test_fill_uses_stored_spans_and_detects_again_when_stale() -> None:
    text = "XX党支部发展党员XX名"
    stored = find_placeholders(text)
    assert _render(fill(text, "红星村党支部", stored)) == "红星村党支部发展党员[XX]名"
    stale = [(0, 3, "XXX")]  # does not describe the text: detected again
    assert _render(fill(text, "红星村党支部", stale)) == "红星村党支部发展党员[XX]名"


# --- export ---------------------------------------------------------------------------------


def test_export_docx_layout(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    drafts.set_org(db, USER, "红星村党支部")
    out = drafts.export_docx(db, USER, TODAY)
    assert out.filename == "红星村党支部2026年度党建工作总结.docx"
    assert out.data[:2] == b"PK"
    assert "黄色" in out.caption
    doc = _open(out.data)
    ps = [p for p in doc.paragraphs if p.text.strip()]

    title = ps[0]
    assert title.text == "红星村党支部2026年度党建工作总结"
    assert title.style is not None and title.style.name == "Title"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER or (
        title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    )
    assert all(r.bold for r in title.runs)
    assert {_east_asia(r) for r in title.runs} == {"宋体"}
    assert doc.core_properties.title == title.text

    headings = [p.text for p in ps if _style_name(p) == "Heading 1"]
    assert headings == [
        "一、主要做法及成效",
        "二、存在的问题",
        "三、问题产生的原因",
        "四、整改措施",
        "五、下一步工作打算",
    ]
    assert {_east_asia(r) for p in ps if _style_name(p) == "Heading 1" for r in p.runs} == {"黑体"}

    body = [p for p in ps[1:] if p.style is not None and p.style.name == "Normal"]
    texts = [p.text for p in body]
    # report order: opening, practices (user's order), problem, cause, measure, plan, closing
    assert texts[0].startswith("2026年以来，红星村党支部在XX镇党委")
    assert texts[1].startswith("严格落实") and "红星村党支部全年召开" in texts[1]
    assert texts[2].startswith("推动集体经济")
    assert texts[-1].startswith("新的一年，红星村党支部")
    order = [p.text[:6] for p in ps]
    assert order.index("二、存在的问题"[:6]) < order.index(PROBLEM[:6]) < order.index("三、问题产生的"[:6])
    for p in body:
        assert p.paragraph_format.first_line_indent == Pt(32)
        ppr = p._p.pPr
        ind = ppr.find(qn("w:ind")) if ppr is not None else None
        assert ind is not None and ind.get(qn("w:firstLineChars")) == "200"
        assert {_east_asia(r) for r in p.runs} == {"仿宋"}
        assert {r.font.size for r in p.runs} == {Pt(16)}
        assert p.style is not None
        assert p.style.paragraph_format.line_spacing == Pt(28)  # exact 28 pt, from Normal

    highlighted = [r.text for p in body for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    plain = [r.text for p in body for r in p.runs if r.font.highlight_color is None]
    assert highlighted and set(highlighted) == {"XX"}
    # XX次 XX% XX万元 XX月 XX名 XX镇党委 and the cut-out number before 名 stay highlighted
    assert len(highlighted) == 8
    assert not any("XX" in t for t in plain)
    assert "XX党支部" not in "".join(texts)


def test_export_docx_default_title_is_highlighted_and_named_safely(
    db: Database, paras: dict[str, int]
) -> None:
    drafts.add(db, USER, paras["存在问题"])
    drafts.set_title(db, USER, 'XX党支部 2026/上半年:"总结"?')
    out = drafts.export_docx(db, USER, TODAY)
    assert out.filename == "XX党支部 2026_上半年_总结.docx"
    assert "/org" in out.caption
    title = _open(out.data).paragraphs[0]
    assert [r.text for r in title.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW] == ["XX"]
    # one kind only: one heading, numbered 一
    headings = [p.text for p in _open(out.data).paragraphs if _style_name(p) == "Heading 1"]
    assert headings == ["一、存在的问题"]


def test_long_title_breaks_after_org(db: Database, paras: dict[str, int]) -> None:
    drafts.add(db, USER, paras["开头"])
    drafts.set_org(db, USER, "中共青山镇红星村第一支部委员会")
    title = _open(drafts.export_docx(db, USER, TODAY).data).paragraphs[0]
    assert title.text == "中共青山镇红星村第一支部委员会\n2026年度党建工作总结"


def test_exported_docx_reimports(db: Database, paras: dict[str, int]) -> None:
    """Our own importer reads the export back: headings and body survive as paragraphs."""
    _fill_basket(db, paras)
    data = drafts.export_docx(db, USER, TODAY).data
    parsed = parse_bytes("out.docx", data)
    joined = "\n".join(p.text for p in parsed.paragraphs)
    assert CAUSE in joined and MEASURE in joined


def test_bundled_paragraphs_export(db: Database) -> None:
    ensure_bundled(db)
    for kind in KINDS[:7]:
        pid = db.conn.execute(
            "SELECT id FROM paragraphs WHERE kind = ? ORDER BY id LIMIT 1", (kind,)
        ).fetchone()[0]
        assert drafts.add(db, USER, pid).added
    drafts.set_org(db, USER, "红星村党支部")
    doc = _open(drafts.export_docx(db, USER, TODAY).data)
    assert len([p for p in doc.paragraphs if _style_name(p) == "Heading 1"]) == 5


def test_empty_basket(db: Database) -> None:
    with pytest.raises(DraftError, match="草稿篮是空的"):
        drafts.export_docx(db, USER, TODAY)
    with pytest.raises(DraftError, match="草稿篮是空的"):
        drafts.export_text(db, USER, TODAY)
    reply = drafts.render_basket(db, USER, TODAY)
    assert "/fanwen" in reply.body and "➕" in reply.body
    assert reply.buttons == []


def test_export_text_matches_docx_order(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    drafts.set_org(db, USER, "红星村党支部")
    chunks = drafts.export_text(db, USER, TODAY)
    assert len(chunks) == 1
    text = chunks[0]
    lines = [s for s in text.split("\n") if s]
    assert lines[0] == "红星村党支部2026年度党建工作总结"
    doc_lines = [p.text for p in _open(drafts.export_docx(db, USER, TODAY).data).paragraphs if p.text]
    assert lines == doc_lines
    assert "XX次" in text  # unfilled placeholders stay visible


def test_export_text_splits_on_paragraph_boundaries(db: Database) -> None:
    sid = _source(db)
    bodies = [f"第{n}段。" + "加强基层党组织建设，" * 60 + "取得实效。" for n in range(drafts.MAX_ITEMS)]
    for b in bodies:
        drafts.add(db, USER, _para(db, sid, "主要做法", b))
    chunks = drafts.export_text(db, USER, TODAY)
    assert len(chunks) > 1
    assert all(len(c) <= MAX_MESSAGE for c in chunks)
    paragraphs = [p for c in chunks for p in c.split("\n\n")]
    assert paragraphs[0] == "XX党支部2026年度党建工作总结"
    assert paragraphs[1] == "一、主要做法及成效"
    assert paragraphs[2:] == bodies  # no paragraph cut in two, order kept


def test_render_basket(db: Database, paras: dict[str, int]) -> None:
    _fill_basket(db, paras)
    reply = drafts.render_basket(db, USER, TODAY)
    assert reply.title == f"草稿篮（{len(paras)} 段）"
    assert "【开头】" in reply.body and "【结尾】" in reply.body
    assert reply.body.index("【开头】") < reply.body.index("【存在问题】") < reply.body.index("【结尾】")
    assert "单位：未设置" in reply.body
    basket = drafts.items(db, USER)
    for item in basket:
        line = next(s for s in reply.body.splitlines() if s.startswith(f"{item.number}. "))
        assert len(line) - len(f"{item.number}. ") <= drafts.PREVIEW_CHARS
    rows = reply.buttons
    assert len(rows) == len(basket) + 1
    for item, row in zip(basket, rows, strict=False):
        assert [b.data for b in row] == [f"d:u:{item.id}", f"d:d:{item.id}", f"d:x:{item.id}"]
        assert [b.text[0] for b in row] == ["⬆", "⬇", "✖"]
    assert [(b.text, b.data) for b in rows[-1]] == [("导出Word", "d:w"), ("导出文本", "d:t"), ("清空", "d:c")]
    assert all(len((b.data or "").encode()) <= MAX_CALLBACK_BYTES for row in rows for b in row)
    drafts.set_org(db, USER, "红星村党支部")
    assert "红星村党支部" in drafts.render_basket(db, USER, TODAY).body


def test_parse_action() -> None:
    assert drafts.parse_action("d:u:12") == ("u", 12)
    assert drafts.parse_action("d:x:3") == ("x", 3)
    assert drafts.parse_action("d:w") == ("w", None)
    assert drafts.parse_action("d:c") == ("c", None)
    assert drafts.parse_action("d:u:") is None
    assert drafts.parse_action("d:z:1") is None
    assert drafts.parse_action("fb:+:x") is None


def test_safe_filename() -> None:
    assert drafts.safe_filename('a/b\\c:d*e?f"g<h>i|j') == "a_b_c_d_e_f_g_h_i_j.docx"
    assert drafts.safe_filename("///") == "党建工作总结.docx"


def test_export_uses_chinese_punctuation_but_keeps_the_original(db: Database) -> None:
    sid = _source(db)
    raw = "(四)加强学习,提高素质;会议定于10:30召开,投入3.5万元,完成XX项任务."
    pid = _para(db, sid, "主要做法", raw)
    assert drafts.add(db, USER, pid).added
    text = "\n".join(drafts.export_text(db, USER, TODAY))
    assert "（四）加强学习，提高素质；会议定于10:30召开，投入3.5万元，完成XX项任务。" in text
    body = [p for p in _open(drafts.export_docx(db, USER, TODAY).data).paragraphs if "加强学习" in p.text]
    assert body[0].text == "（四）加强学习，提高素质；会议定于10:30召开，投入3.5万元，完成XX项任务。"
    assert any(r.font.highlight_color == WD_COLOR_INDEX.YELLOW and r.text == "XX" for r in body[0].runs)
    stored = db.conn.execute("SELECT text FROM paragraphs WHERE id = ?", (pid,)).fetchone()[0]
    assert stored == raw
