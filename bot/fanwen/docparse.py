"""Turn a downloaded 范文 file into clean, classified paragraphs (no database here).

Files branch workers collect are messy: web pages pasted into .txt, PDFs hard-wrapped every
~28 characters, site banners and membership ads, headings such as 一、/（一）/1. and the same
document pasted twice. This module is the pure pipeline

    bytes → decode → lines → drop spam → re-join wrapped lines → headings → paragraphs
          → kind (开头 … 其他) → placeholders (XX镇, 某某, blanks)

so it can be tested on strings; :mod:`bot.fanwen.corpus` adds de-duplication and the database.
Patterns and cue words live in ``knowledge/dict/spam.yaml`` and ``knowledge/dict/kinds.yaml``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

import yaml

from bot.text import DICT_DIR, cn_int, fold

#: Section kinds in the order users see them.
KINDS: tuple[str, ...] = ("开头", "主要做法", "存在问题", "原因分析", "整改措施", "下一步打算", "结尾", "其他")
OTHER = "其他"

#: Paragraphs with fewer meaningful characters are fragments (salutations, "总结。", page debris).
MIN_CHARS = 15
#: Longer paragraphs are split at inline enumerations (二是…, （二）…) so results fit a phone.
MAX_CHARS = 900
#: Largest decompressed .docx accepted (guards against zip bombs from uploads).
MAX_DOCX_BYTES = 60 * 1024 * 1024

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf")

_CN = "[一二三四五六七八九十百零〇]"
_TERMINAL = "。！？；!?;…"
_END_OK = _TERMINAL + "：:”’）)」』\"'."


#: Old binary Word files (OLE2 compound documents: .doc, .wps, or a .doc renamed to .docx).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_DOC_MESSAGE = "暂不支持旧版 .doc，请在 Word/WPS 里另存为 .docx 再发"


class ParseError(ValueError):
    """The file cannot be read; ``str(exc)`` is a short Chinese reason shown to the user."""


# --- data ----------------------------------------------------------------------------------


@dataclass
class Line:
    """One line of extracted text; ``level`` is a heading level known from the file format
    (Word heading styles, Markdown ``#``), ``None`` when only the text can tell."""

    text: str
    level: int | None = None


@dataclass
class Paragraph:
    """A clean paragraph ready to store: text, heading path, kind, placeholders."""

    text: str
    heading: tuple[str, ...]
    kind: str
    position: int
    placeholders: list[tuple[int, int, str]] = field(default_factory=list)
    theme: str = ""

    @property
    def heading_text(self) -> str:
        return " › ".join(self.heading)


@dataclass
class ParsedDoc:
    """Everything one file produced, with the counts the import summary reports."""

    paragraphs: list[Paragraph]
    spam_dropped: int = 0
    fragments_dropped: int = 0
    headings: list[str] = field(default_factory=list)
    wrap_width: int | None = None
    #: Fidelity: letters, digits and characters of real text in the file once spam is gone,
    #: and how many of them are in no paragraph, heading or reported fragment.
    source_chars: int = 0
    lost_chars: int = 0

    @property
    def lost_ratio(self) -> float:
        return self.lost_chars / self.source_chars if self.source_chars else 0.0


# --- knowledge files -----------------------------------------------------------------------


@dataclass(frozen=True)
class SpamRules:
    line: tuple[re.Pattern[str], ...]
    sentence: tuple[re.Pattern[str], ...]
    strip: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def spam_rules() -> SpamRules:
    """Compiled patterns from ``knowledge/dict/spam.yaml`` (edit the file, not the code)."""
    raw = yaml.safe_load((DICT_DIR / "spam.yaml").read_text("utf-8")) or {}

    def comp(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(str(p), re.IGNORECASE) for p in raw.get(key) or [])

    return SpamRules(line=comp("line"), sentence=comp("sentence"), strip=comp("strip"))


@dataclass(frozen=True)
class KindRules:
    """Classifier cues for one kind, from ``knowledge/dict/kinds.yaml``."""

    kind: str
    aliases: tuple[str, ...]
    heading: tuple[str, ...]
    lead: tuple[re.Pattern[str], ...]
    keywords: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class KindBook:
    kinds: tuple[KindRules, ...]
    titles: tuple[str, ...]
    action_verbs: tuple[str, ...] = ()
    shortfall_words: tuple[str, ...] = ()

    def get(self, kind: str) -> KindRules:
        return next(k for k in self.kinds if k.kind == kind)


@lru_cache(maxsize=1)
def kind_book() -> KindBook:
    """Load kinds, aliases and cues; unknown kinds in the file are ignored, missing ones empty."""
    raw: dict[str, Any] = yaml.safe_load((DICT_DIR / "kinds.yaml").read_text("utf-8")) or {}
    rules: list[KindRules] = []
    for kind in KINDS:
        entry = raw.get(kind) or {}
        kw = entry.get("keywords") or {}
        if isinstance(kw, list):
            kw = {str(k): 1.0 for k in kw}
        rules.append(
            KindRules(
                kind=kind,
                aliases=tuple(str(a) for a in entry.get("aliases") or []),
                heading=tuple(sorted((str(h) for h in entry.get("heading") or []), key=len, reverse=True)),
                lead=tuple(re.compile(str(p)) for p in entry.get("lead") or []),
                keywords=tuple((str(k), float(v)) for k, v in kw.items()),
            )
        )
    return KindBook(
        kinds=tuple(rules),
        titles=tuple(str(t) for t in raw.get("titles") or []),
        action_verbs=tuple(str(t) for t in raw.get("action_verbs") or []),
        shortfall_words=tuple(str(t) for t in raw.get("shortfall_words") or []),
    )


def resolve_kind(word: str | None) -> str | None:
    """Map what a user typed (导语, 问题, 措施, 计划 …) to a kind name; ``None`` if unknown."""
    if not word:
        return None
    w = fold(word).strip().strip("#＃").strip()
    if not w:
        return None
    for rules in kind_book().kinds:
        if w == rules.kind or w in rules.aliases:
            return rules.kind
    for rules in kind_book().kinds:  # 存在问题段落, 下一步工作打算 …
        if rules.kind in w:
            return rules.kind
    return None


# --- decoding and extraction ---------------------------------------------------------------


def decode(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    GB18030 is a superset of GBK/GB2312, the encodings of Windows Notepad in China. A file
    that is neither, or that looks binary, raises :class:`ParseError`.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ParseError("不是文本文件（含二进制内容）")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ParseError("无法识别文字编码（支持 UTF-8 和 GBK/GB18030）") from exc
    if _looks_garbled(text):
        raise ParseError("无法识别文字编码（支持 UTF-8 和 GBK/GB18030）")
    return text


def _looks_garbled(text: str) -> bool:
    """Random bytes decode as GB18030 too; real Chinese text is mostly common CJK and ASCII."""
    sample = text[:5000]
    if not sample:
        return False
    ok = sum(1 for c in sample if c.isascii() or "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
             or "\uff00" <= c <= "\uffef" or c in "“”‘’…—·")
    return ok / len(sample) < 0.85


def extract(filename: str, data: bytes) -> list[Line]:
    """Lines of a file by its extension; unsupported or broken files raise :class:`ParseError`."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".txt" or suffix == "":
        return [Line(s) for s in decode(data).splitlines()]
    if suffix in (".md", ".markdown"):
        return _markdown_lines(decode(data))
    if suffix in (".docx", ".doc", ".wps") and data.startswith(b"PK\x03\x04"):
        return _docx_lines(data)  # a .docx saved under the old extension
    if suffix in (".doc", ".wps", ".docx") and data.startswith(OLE_MAGIC):
        raise ParseError(OLD_DOC_MESSAGE)
    if suffix == ".docx":
        return _docx_lines(data)
    if suffix == ".pdf":
        return _pdf_lines(data)
    if suffix in (".doc", ".wps"):
        raise ParseError(OLD_DOC_MESSAGE)
    if suffix == ".rtf":
        raise ParseError("暂不支持 .rtf，请在 Word/WPS 里另存为 .docx 再发")
    raise ParseError(f"不支持的文件类型 {suffix or '(无扩展名)'}（支持 .txt .docx .md .pdf）")


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_MARKUP = re.compile(r"(\*\*|__|`)")


def _markdown_lines(text: str) -> list[Line]:
    """Markdown: ``#`` headings keep their level; emphasis markers and list bullets go."""
    out: list[Line] = []
    for raw in text.splitlines():
        m = _MD_HEADING.match(raw.strip())
        if m:
            out.append(Line(_MD_MARKUP.sub("", m.group(2)).strip(), level=len(m.group(1))))
        else:
            out.append(Line(_MD_MARKUP.sub("", raw)))
    return out


def _docx_lines(data: bytes) -> list[Line]:
    """Word body in document order: paragraphs (heading styles give levels) and table cells."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_DOCX_BYTES:
                raise ParseError("Word 文件解压后过大")
            if "word/document.xml" not in zf.namelist():
                raise ParseError("不是有效的 .docx 文件")
    except zipfile.BadZipFile as exc:
        raise ParseError("Word 文件已损坏或不是 .docx 格式") from exc
    try:
        import docx
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken XML
        raise ParseError("Word 文件无法读取（可能已损坏）") from exc

    out: list[Line] = []

    def para_line(p: DocxParagraph) -> Line:
        style = (p.style.name if p.style is not None else "") or ""
        return Line(p.text, level=_style_level(style))

    def walk(parent: Any) -> None:
        for child in parent.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                out.append(para_line(DocxParagraph(child, document)))
            elif tag == "tbl":
                out.extend(_table_lines(child, document))
            elif tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
                walk(child)  # content controls and tracked insertions hold body text too

    walk(document.element.body)
    return out


_HEADER_MAX = 16
_SERIAL = re.compile(r"^(序号|编号|序|No\.?)$", re.IGNORECASE)


def _tc_paragraphs(tc: Any, document: Any) -> list[str]:
    from docx.text.paragraph import Paragraph as DocxParagraph

    texts: list[str] = []
    for child in tc.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            texts.append(DocxParagraph(child, document).text)
        elif tag == "tbl":
            texts.extend(line.text for line in _table_lines(child, document))
        elif tag in ("sdt", "sdtContent", "customXml"):
            texts.extend(_tc_paragraphs(child, document))
    return texts


def _table_grid(tbl: Any, document: Any) -> list[list[tuple[int, str]]]:
    """Rows of ``(grid column, cell text)`` read from the XML, one entry per real cell.

    A horizontally merged cell is one ``w:tc`` with ``w:gridSpan``; a vertically merged
    cell continues in the rows below as ``w:tc`` with ``<w:vMerge/>`` (no ``restart``) and
    is skipped there. Reading ``w:tc`` elements directly keeps every distinct cell (object
    ids of short-lived python-docx proxies are reused and cannot tell cells apart).
    """
    from docx.oxml.ns import qn

    rows: list[list[tuple[int, str]]] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        col = 0
        row: list[tuple[int, str]] = []
        cells = [c for c in tr.iterchildren() if c.tag in (qn("w:tc"), qn("w:sdt"))]
        for tc in cells:
            if tc.tag == qn("w:sdt"):  # a content control wrapping cells
                content = tc.find(qn("w:sdtContent"))
                inner = list(content.iterchildren(qn("w:tc"))) if content is not None else []
            else:
                inner = [tc]
            for cell in inner:
                span = 1
                merged = False
                tcpr = cell.find(qn("w:tcPr"))
                if tcpr is not None:
                    gs = tcpr.find(qn("w:gridSpan"))
                    if gs is not None:
                        try:
                            span = max(1, int(gs.get(qn("w:val")) or 1))
                        except ValueError:
                            span = 1
                    vm = tcpr.find(qn("w:vMerge"))
                    merged = vm is not None and (vm.get(qn("w:val")) or "continue") != "restart"
                if not merged:
                    text = _join_cell(_tc_paragraphs(cell, document))
                    row.append((col, text))
                col += span
        rows.append(row)
    return rows


def _join_cell(parts: list[str]) -> str:
    out = ""
    for part in (tidy(p) for p in parts):
        if not part:
            continue
        if out and out[-1] not in _END_OK + "；，、":
            out += "；"
        out += part
    return out


def _table_lines(tbl: Any, document: Any) -> list[Line]:
    """A Word table as lines. With a header row (short labels: 问题 / 整改措施 / 责任人 …)
    each further row becomes one line "问题：…；整改措施：…；责任人：…" so every cell keeps
    its column name; otherwise every cell is its own paragraph."""
    grid = _table_grid(tbl, document)
    out: list[Line] = []
    header = grid[0] if grid else []
    labels = {c: t for c, t in header if t}
    is_header = (
        len(grid) >= 2
        and len(labels) >= 2
        and all(len(t) <= _HEADER_MAX and not any(ch in t for ch in "。；;！？!?") for t in labels.values())
    )
    if not is_header:
        for row in grid:
            for _, text in row:
                out.extend(Line(p) for p in text.split("\n"))
                out.append(Line(""))
        return out
    for row in grid[1:]:
        pieces: list[str] = []
        for col, text in row:
            if not text:
                continue
            label = labels.get(col, "")
            if _SERIAL.match(label.replace(" ", "")) and len(text) <= 4:
                continue
            pieces.append(f"{label.rstrip('：:')}：{text}" if label else text)
        if pieces:
            line = "；".join(p.rstrip("；;") for p in pieces)
            out.append(Line(line if line[-1] in _END_OK else line + "。"))
            out.append(Line(""))
    return out


def _style_level(style: str) -> int | None:
    """'Heading 2' / '标题 2' → 2, 'Title' / '标题' → 0, anything else → None."""
    s = style.strip().lower()
    if s in ("title", "标题"):
        return 0
    m = re.match(r"^(heading|标题)\s*(\d)$", s)
    return int(m.group(2)) if m else None


def _pdf_lines(data: bytes) -> list[Line]:
    """Text PDFs through pypdf when it is installed; scanned PDFs have no text to import."""
    try:
        import pypdf
    except ImportError as exc:
        raise ParseError("暂不支持 PDF（服务器未安装 pypdf），请转换为 .docx 或 .txt") from exc
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise ParseError("PDF 文件无法读取（可能已损坏或加密）") from exc
    text = "\n".join(pages)
    if _meaningful(text) < 20:
        raise ParseError("PDF 中没有可提取的文字（可能是扫描件）")
    return [Line(s) for s in text.splitlines()]


# --- spam and whitespace -------------------------------------------------------------------

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000\ufeff]+")
_CJKISH = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’、《》【】"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJKISH}]) +| +(?=[{_CJKISH}])")
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』]?|[^。！？!?]+$")


_IDEO = "\u4e00-\u9fff"
#: A line laid out by a PDF: spaces around numbers inside Chinese ("确定了 10 名").
_PDF_SPACED = re.compile(rf"[{_IDEO}] +[0-9]|[0-9] +[{_IDEO}]")
#: A space between two words of Chinese: "第一项 领导发言", "时间 地点".
_WORD_GAP = re.compile(rf"(?<=[{_IDEO}][{_IDEO}]) (?=[{_IDEO}][{_IDEO}])")
_GAP_MARK = "\x00"


def tidy(text: str) -> str:
    """Collapse whitespace and drop the spaces around Chinese punctuation and the spaces
    PDFs put around numbers ("确定了 10 名" → "确定了10名"); spaces between latin words stay.

    A space between two Chinese words ("第一项 领导发言 第二项 支部书记讲话") separates items
    of a line copied from a web page or a table, so one space is kept there; deleting it
    would glue the items together. It is dropped in a PDF-spaced line (spaces around its
    numbers) and between spaced-out single characters ("前 言").
    """
    text = _WS.sub(" ", text).strip()
    if " " not in text:
        return text
    if not _PDF_SPACED.search(text):
        text = _WORD_GAP.sub(_GAP_MARK, text)
    return _SPACE_NEAR_CJK.sub("", text).replace(_GAP_MARK, " ")


def is_spam_line(text: str) -> bool:
    folded = fold(text)
    return any(p.search(folded) for p in spam_rules().line)


def strip_markup(text: str) -> str:
    """Remove bullets, "篇1" prefixes and empty 【】 (``strip`` patterns)."""
    for p in spam_rules().strip:
        text = p.sub("", text)
    return text


def drop_spam_sentences(text: str) -> tuple[str, int]:
    """Cut boilerplate sentences glued onto real text; returns the rest and how many went."""
    rules = spam_rules().sentence
    folded = fold(text)
    if not any(p.search(folded) for p in rules):
        return text, 0
    kept: list[str] = []
    dropped = 0
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if any(p.search(fold(sentence)) for p in rules):
            dropped += 1
        else:
            kept.append(sentence)
    return "".join(kept).strip(), dropped


#: Lines at least this long are searched for run-in headings (a document pasted as one line).
RUN_IN_MIN = 60
_RUN_IN_MARK = re.compile(
    rf"(?P<cn>{_CN}{{1,3}}[、．])|(?P<pcn>[（(]{_CN}{{1,3}}[)）])"
    rf"|(?P<num>(?<!\d)\d{{1,2}}[、．](?!\d))|(?P<ord>第{_CN}{{1,2}}[、，,：:])"
)
_RUN_IN_RANK = {"cn": 0, "ord": 0, "pcn": 1, "num": 2}
_AFTER_STOP = "。！？；;!?：:”’」』）)"
_HEAD_RUN = re.compile(r"^(\S{2,24}?)[ \u3000\t]+(?=\S)")


def split_run_in(text: str, first: bool = False) -> list[str]:
    """Split a long line at run-in headings: "…如下。 一、主要做法 （一）抓实学习。…（二）…".

    A marker (一、 （一） 1、 第一、) starts a new line when it follows a stop or a space, or a
    short heading run ("一、主要做法（一）…"), and its number goes on from the last marker of
    its kind (or is 1), so "共1、2两项" stays whole. A short heading separated from its text
    only by a space ("三、下一步打算 下一步将…") is cut off too, and so is the document title
    when ``first`` ("二〇二四年支部工作总结 今年以来…").
    """
    if len(text) < RUN_IN_MIN:
        return [text]
    cuts: list[int] = []
    last: dict[str, int] = {}
    seg_start = 0
    for m in _RUN_IN_MARK.finditer(text):
        i = m.start()
        if i == 0:
            kind0 = m.lastgroup or ""
            last[kind0] = _marker_number(m.group(0)) or 0
            continue
        kind = m.lastgroup or ""
        number = _marker_number(m.group(0)) or 0
        if not (number == 1 or number == last.get(kind, -9) + 1):
            continue
        prev = text[i - 1]
        segment = text[seg_start:i].strip()
        heading_run = (
            kind in ("pcn", "num")
            and marker_of(segment) is not None
            and len(segment) <= 24
            and not any(c in segment for c in "，,。；;！？!?")
        )
        if not (prev.isspace() or prev in _AFTER_STOP or heading_run):
            continue
        cuts.append(i)
        seg_start = i
        last[kind] = number
        for k, r in _RUN_IN_RANK.items():
            if r > _RUN_IN_RANK[kind]:
                last.pop(k, None)
    parts = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    out: list[str] = []
    for n, part in enumerate(parts):
        mk = marker_of(part)
        body = part[len(mk[1]):] if mk else part
        head = _HEAD_RUN.match(body)
        if head and (mk or (first and n == 0)) and not any(c in head.group(1) for c in "，,。；;！？!?：:"):
            cut = (len(mk[1]) if mk else 0) + head.end()
            out.extend([part[:cut].strip(), part[cut:].strip()])
        else:
            out.append(part)
    return [p for p in out if p]


#: Markdown bold pasted into plain text ("**一、主要做法**"): markup, not a "**" placeholder.
_BOLD = re.compile(
    r"(?<![*＊0-9A-Za-z])[*＊]{2}(?=[^*＊\s])([^*＊\n]{2,80}?)(?<=[^*＊\s])[*＊]{2}(?![*＊0-9A-Za-z])"
)


def clean_lines(lines: Iterable[Line]) -> tuple[list[Line], int]:
    """Whitespace, markup and spam lines; returns kept lines (blank lines kept as breaks)."""
    out: list[Line] = []
    dropped = 0
    expanded: list[Line] = []
    first = True
    for line in lines:
        if line.level is None and line.text.strip():
            expanded.extend(Line(t) for t in split_run_in(line.text.strip(), first))
            first = False
        else:
            expanded.append(line)
    for line in expanded:
        raw = _BOLD.sub(r"\1", _WS.sub(" ", line.text).strip())
        text = tidy(strip_markup(tidy(strip_markup(raw))))
        if not text:
            if _meaningful(raw):
                dropped += 1  # nothing but site furniture ("您的位置：首页 > …", "收藏")
            out.append(Line("", None))
            continue
        if is_spam_line(text):
            dropped += 1
            continue
        out.append(Line(text, line.level))
    return out, dropped


# --- re-joining hard-wrapped lines ---------------------------------------------------------


def display_width(text: str) -> int:
    """Columns a line takes in a fixed-width layout: CJK and full-width count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def detect_wrap_width(lines: list[Line]) -> int | None:
    """The column at which a file was hard-wrapped, or ``None`` if lines are whole paragraphs.

    A wrapped file (PDF copy-paste, e-mail) has most lines of nearly the same width and most
    of those stop mid-sentence; a file of real paragraphs has widths all over the place, or
    lines that end with a full stop.
    """
    measured = [
        (display_width(line.text), line.text)
        for line in lines
        if line.text and line.level is None and display_width(line.text) >= 16
    ]
    if len(measured) < 8:
        return None
    widths = sorted(w for w, _ in measured)
    top = widths[int(len(widths) * 0.9) - 1]
    if top > 140:
        return None
    near = [t for w, t in measured if top * 0.8 <= w <= top * 1.08]
    open_ended = sum(1 for t in near if not _ends_terminal(t))
    if len(near) >= 0.5 * len(measured) and open_ended >= 0.4 * len(near):
        return top
    return None


def _ends_terminal(text: str) -> bool:
    return bool(text) and text[-1] in _END_OK


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def rewrap(lines: list[Line], width: int | None) -> list[Line]:
    """Re-join hard-wrapped lines into paragraphs; blank lines and headings always break.

    A line that reaches the wrap column continues on the next one, unless the next starts a
    numbered item after a finished sentence. A short line ends its paragraph. Without a wrap
    width every non-empty line is a paragraph already.
    """
    out: list[Line] = []
    if width is None:
        return [line for line in lines if line.text]
    full = width * 0.8
    current: Line | None = None
    last_width = 0
    expected: dict[str, int] = {}
    for line in lines:
        if not line.text or line.level is not None:
            if current:
                out.append(current)
            current = None
            if line.text:
                out.append(line)
            continue
        if current is None:
            current, last_width = Line(line.text), display_width(line.text)
            first = marker_of(line.text)
            if first is not None and first[2] is not None:
                expected[first[0]] = first[2] + 1
            continue
        w = display_width(line.text)
        mk = marker_of(line.text)
        prev_terminal = _ends_terminal(current.text)
        # a numbered line starts a new item after a finished sentence, or when it is item 1
        # or the next number of a list already running ("…宗旨意识" / "1、认真开展…")
        starts_item = mk is not None and (
            prev_terminal or mk[2] == 1 or (mk[2] is not None and mk[2] == expected.get(mk[0]))
        )
        if mk is not None and starts_item and mk[2] is not None:
            expected[mk[0]] = mk[2] + 1
        # a short line without punctuation after a finished sentence is a title, not a tail
        looks_title = (
            prev_terminal
            and w < full
            and not _ends_terminal(line.text)
            and not any(c in line.text for c in "，,。；;")
        )
        if last_width >= full and not starts_item and not looks_title:
            current.text = _join(current.text, line.text)
        else:
            out.append(current)
            current = Line(line.text)
        last_width = w
    if current:
        out.append(current)
    return out


# --- headings ------------------------------------------------------------------------------

_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pcn", re.compile(rf"^[（(]\s*{_CN}{{1,3}}\s*[)）]\s*[、.．,，]?\s*")),
    ("cn", re.compile(rf"^{_CN}{{1,3}}\s*[、.．]\s*")),
    ("pnum", re.compile(r"^[（(]\s*\d{1,3}\s*[)）]\s*[、.．]?\s*")),
    ("num", re.compile(r"^\d{1,3}\s*(?:[、．]+|\.+(?!\d)|[)）](?![^（(]*[)）]))\s*")),
    ("circ", re.compile(r"^[①-⑳]\s*")),
    ("ord", re.compile(rf"^第{_CN}{{1,3}}(?:部分|章|节)?\s*[,，、:：.．]\s*")),
)
_LIST_TYPES = frozenset({"pcn", "cn", "pnum", "num", "circ", "ord", "bare"})
#: Openings of a document body; in a compilation they start a new document.
_OPENER = re.compile(r"^(为(深入|全面|认真|进一步|切实)|根据|按照|今年以来|近年来|一年来|半年来|20\S{0,3}年以来)")
#: Sentences that continue an enumeration inside the item above them.
_INLINE_START = re.compile(rf"^({_CN}{{1,2}}(是|要|抓|强化|加强)|首先|其次|再次|最后|另外|同时|此外)")
_BARE = re.compile(rf"^({_CN})(?![是要些般直定切样致起同向度方道旦律贯共体心点时直线批步项条名年季月次级个份以])")
#: "一抓学习，…" / "二强队伍，…": the numeral is part of the item's words, so it stays in the text.
_BARE_WORD = frozenset("抓强加手把促建带提优严重聚育管")


def marker_of(text: str) -> tuple[str, str, int | None] | None:
    """``(type, marker text, number)`` when ``text`` starts with a heading/list marker."""
    for kind, rx in _MARKERS:
        m = rx.match(text)
        if m and len(text) > m.end():
            return kind, m.group(0), _marker_number(m.group(0))
    return None


def _marker_number(marker: str) -> int | None:
    digits = re.search(r"\d+", marker)
    if digits:
        return int(digits.group(0))
    cn = re.search(rf"{_CN}+", marker)
    if not cn:
        return None
    return cn_int(cn.group(0))


def _meaningful(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _cue_heading(text: str) -> bool:
    """A bare short line that is itself a kind cue: "整改措施：", "原因分析。"."""
    core = text.strip(" :：。.;；,，")
    if not core or len(core) > 10:
        return False
    return any(core == h or core.endswith(h) for r in kind_book().kinds for h in r.heading)


@dataclass
class _Item:
    kind: str  # marker type, 'title', 'plain', 'colon', 'style<n>', 'bare'
    label: str
    cue_text: str
    heading: bool = True  # False for a numbered item whose lead sentence starts a paragraph
    used: bool = False  # some paragraph has this item in its path


@dataclass
class _Block:
    text: str
    path: list[_Item]
    own: _Item | None
    soft_kind: str | None
    first_in_doc: bool
    doc_index: int
    raw_marker: str = ""


def _bare_runs(lines: list[Line]) -> set[int]:
    """Lines numbered with a bare 一/二/三 (brackets lost in copy-paste), found as runs 一,二,…"""
    found: set[int] = set()
    run: list[int] = []
    expect = 1
    for i, line in enumerate(lines):
        m = _BARE.match(line.text)
        n = cn_int(m.group(1)) if m and marker_of(line.text) is None else None
        if n is not None and n == expect and len(line.text) > 12:
            run.append(i)
            expect += 1
            continue
        if len(run) >= 2:
            found.update(run)
        run, expect = [], 1
        if n == 1 and len(line.text) > 12:
            run, expect = [i], 2
    if len(run) >= 2:
        found.update(run)
    return found


def _short_heading(text: str) -> bool:
    """Short line with no sentence inside: a heading when it stands alone."""
    if len(text) > 40 or _meaningful(text) < 2:
        return False
    inner = text[:-1]
    return not any(c in inner for c in _TERMINAL) and not text.endswith(("，", ","))


def _is_title(text: str, first: bool) -> bool:
    if len(text) > 40 or any(c in text for c in "，,；;！!？?") or text.endswith(("。", "：", ":")):
        return False
    return first or any(w in text for w in kind_book().titles)


def _split_lead(rest: str) -> tuple[str, str]:
    """Item "加强班子建设，落实党建责任。在抓…" → lead "加强班子建设，落实党建责任", body."""
    m = re.search(r"[。：:；;！？!?]", rest)
    if m and m.start() <= 40:
        return rest[: m.start()], rest
    cut = rest[:24]
    return (cut + "…" if len(rest) > 24 else cut), rest


def _label(marker: str, lead: str) -> str:
    return (marker.strip() + lead).strip()


def structure(lines: list[Line]) -> tuple[list[_Block], list[str]]:
    """Walk logical lines keeping a heading stack; emit paragraph blocks with their paths."""
    return _Walker(lines).run()


class _Walker:
    """One :func:`structure` pass. The heading stack, the document counters and the line queue
    are shared by every step, so they live on one object instead of in closures."""

    def __init__(self, lines: list[Line]) -> None:
        self.bare = _bare_runs(lines)
        self.stack: list[_Item] = []
        self.blocks: list[_Block] = []
        self.headings: list[str] = []
        self.soft_kind: str | None = None
        self.doc_index = 0
        self.first_in_doc = True
        self.seen_text = False
        self.next_num: dict[str, int] = {}
        self.queue = list(enumerate(lines))
        self.qi = 0
        self.content_item: dict[str, int] = {}

    def run(self) -> tuple[list[_Block], list[str]]:
        """Take lines off the queue (a step may push a split-off tail back onto it)."""
        while self.qi < len(self.queue):
            idx, line = self.queue[self.qi]
            self.qi += 1
            self.step(idx, line)
        self.drop_from(0)
        return self.blocks, self.headings

    # --- stack operations ---------------------------------------------------------------

    def emit(self, block: _Block) -> None:
        """Record a paragraph; its path items now have text under them."""
        for it in block.path:
            it.used = True
        self.blocks.append(block)
        self.first_in_doc = False
        self.seen_text = True

    def drop_from(self, k: int) -> None:
        """Pop ``stack[k:]``; a numbered item taken for a heading that never got a paragraph
        under it was the last item of its list ("2、…。" right before "（二）…" or "三、…"):
        its text becomes a paragraph instead of vanishing."""
        stack = self.stack
        for j in range(k, len(stack)):
            it = stack[j]
            if it.heading and not it.used and it.kind in _LIST_TYPES and it.cue_text:
                it.heading = False
                self.emit(
                    _Block(
                        it.cue_text, stack[: j + 1], it, self.soft_kind, self.first_in_doc,
                        self.doc_index,
                    )
                )
        del stack[k:]

    def push(self, item: _Item) -> None:
        """Put ``item`` under its parent: a sibling of the same marker type replaces the old
        one (and everything below it)."""
        stack = self.stack
        while stack and not stack[-1].heading and stack[-1].kind != item.kind:
            stack.pop()  # an item with its own text is not the parent of a later heading
        types = [s.kind for s in stack]
        if item.kind in types:
            self.drop_from(types.index(item.kind))
        stack.append(item)

    def reset(self, keep: list[_Item]) -> None:
        """Make the stack ``keep``, dropping (and flushing) only the items that differ."""
        stack = self.stack
        k = 0
        while k < len(stack) and k < len(keep) and stack[k] is keep[k]:
            k += 1
        self.drop_from(k)
        stack.extend(keep[k:])

    def new_document(self, title: str) -> None:
        """A title starts the next document: only the title stays on the stack."""
        self.reset([_Item("title", title, title)])
        if self.blocks:
            self.doc_index += 1
        self.first_in_doc = True

    # --- one logical line -----------------------------------------------------------------

    def step(self, idx: int, line: Line) -> None:
        """Try each reading of a line in order: styled heading, numbered item, document title,
        section heading, and plain prose last."""
        text = self.split_inline(idx, line.text)
        if line.level is not None:
            self.styled_heading(line.level, text)
            return
        mk, text = self.marker(idx, text)
        if mk is not None:
            self.numbered_item(mk, text)
            return
        if self.document_title(text) or self.section_heading(text):
            return
        self.prose(text)

    def split_inline(self, idx: int, text: str) -> str:
        """Split an inline next item ("…实效性。3、加强干部监督管理…"): the tail goes back on
        the queue as its own line, so each item is read on its own."""
        own = marker_of(text)
        expected = (own[2] or 0) + 1 if own and own[0] == "num" else self.next_num.get("num")
        if expected:
            m = re.search(rf"(?<=[。；;！？!?])\s*(?={expected}[、.．](?!\d))", text)
            if m and m.start() > 10:
                self.queue.insert(self.qi, (idx, Line(text[m.end():])))
                text = text[: m.start()]
        return text

    def styled_heading(self, level: int, text: str) -> None:
        """A heading the document's own styles mark: level 0 (or a leading level 1) is the
        title of a new document, deeper levels nest."""
        if level == 0 or (not self.stack and not self.seen_text and level == 1 and not self.blocks):
            self.new_document(text)
        else:
            self.push(_Item(f"style{level}", text, text))
        self.headings.append(text)
        self.soft_kind = None

    def marker(self, idx: int, text: str) -> tuple[tuple[str, str, int | None] | None, str]:
        """The line's list marker; a bare 一/二/三 run gets brackets back unless the next
        character makes it a word ("一抓…")."""
        mk = marker_of(text)
        if mk is None and idx in self.bare:
            if text[1] in _BARE_WORD:
                mk = ("bare", "", cn_int(text[0]))
            else:
                mk = ("bare", f"（{text[0]}）", cn_int(text[0]))
                text = f"（{text[0]}）{text[1:]}"
        return mk, text

    def numbered_item(self, mk: tuple[str, str, int | None], text: str) -> None:
        """A marked item is a heading when short and alone, otherwise a paragraph whose lead
        sentence labels it."""
        mtype, marker, number = mk
        if number is not None:
            self.next_num[mtype] = number + 1
        rest = text[len(marker):].strip()
        # a list goes on as it began: after an item with text, the next is text too
        sibling_text = number is not None and self.content_item.get(mtype) == number - 1
        if (
            _short_heading(rest)
            and not sibling_text
            and not _long_item_list(self.queue, self.qi, mtype)
        ):
            item = _Item(mtype, _label(marker, rest.rstrip("。.:：;；")), rest)
            self.push(item)
            self.headings.append(item.label)
            self.content_item.pop(mtype, None)
            return
        self.item_with_text(mtype, marker, number, rest)

    def item_with_text(self, mtype: str, marker: str, number: int | None, rest: str) -> None:
        """An item carrying its own text: labelled by its lead, emitted as a paragraph, and
        remembered so the list's next item is read as text too."""
        lead, body = _split_lead(rest)
        item = _Item(mtype, _label(marker, lead), lead, heading=False)
        self.push(item)
        self.headings.append(item.label)
        if number is not None:
            self.content_item[mtype] = number
        self.emit(
            _Block(body, list(self.stack), item, self.soft_kind, self.first_in_doc, self.doc_index, marker)
        )

    def document_title(self, text: str) -> bool:
        """An unmarked title line (not a kind heading such as "存在问题") starts a document and
        restarts inline numbering."""
        if not (
            _is_title(text, first=not self.seen_text and not self.stack)
            and explicit_kind(text) is None
        ):
            return False
        self.reset([_Item("title", text, text)])
        self.headings.append(text)
        if self.blocks:
            self.doc_index += 1
        self.first_in_doc = True
        self.soft_kind = None
        self.next_num.clear()
        return True

    def section_heading(self, text: str) -> bool:
        """An unmarked heading: a cue line or short "…：" naming a kind, or a short line with
        no sentence end."""
        if _cue_heading(text) or (
            text.endswith(("：", ":")) and len(text) <= 16 and heading_kinds(text)
        ):
            item = _Item("colon", text.rstrip("：:。. "), text)
        elif _short_heading(text) and len(text) <= 20 and text[-1] not in _END_OK:
            item = _Item("plain", text, text)
        else:
            return False
        self.push(item)
        self.headings.append(item.label)
        self.soft_kind = None
        return True

    def prose(self, text: str) -> None:
        """A plain paragraph: close finished items, notice a pasted-in new document, and
        carry a lead-in's kind to the list right after it."""
        self.close_text_items(text)
        if self.seen_text and _OPENER.match(text) and len(text) > 60:
            # "为深入学习贯彻…" / "今年以来，…": a new document pasted without its title
            self.reset([it for it in self.stack if it.kind == "title"])
        if self.soft_kind and not _INLINE_START.match(text):
            self.soft_kind = None  # a lead-in governs the list right after it, not later prose
        self.emit(
            _Block(text, list(self.stack), None, self.soft_kind, self.first_in_doc, self.doc_index)
        )
        self.soft_kind = announced_kind(text) or self.soft_kind

    def close_text_items(self, text: str) -> None:
        """"近年来，…" after "4、完善管理制度。…" is new text, not part of item 4: pop items
        that carry their own text unless the line continues them ("二是…", "同时…")."""
        stack = self.stack
        if stack and not stack[-1].heading and not _INLINE_START.match(text):
            while stack and not stack[-1].heading:
                stack.pop()


def _long_item_list(queue: list[tuple[int, Line]], qi: int, mtype: str) -> bool:
    """True when the next line is a sibling item: then a short item is content, not a heading."""
    if qi >= len(queue):
        return True
    nxt = marker_of(queue[qi][1].text)
    return nxt is not None and nxt[0] == mtype


# --- classification ------------------------------------------------------------------------


#: A document that plans rather than reports: 活动方案, 工作计划, 学习安排, 会议议程, 工作要点.
_PLAN_TITLE = re.compile(r"(方案|计划|安排|议程|要点|日程)(（[^）]*）)?$")
_REPORT_TITLE = re.compile(r"总结|报告|汇报|述职|整改|剖析|检查|发言|讲话|情况")
#: "着力解决群众急难愁盼的问题": a heading about solving problems is an action, not a list of them.
_SOLVING = re.compile(r"(解决|破解|化解|整治|治理|聚焦|回应|处理|防范|查处)[^，。；]{0,24}(问题|困难|难题|短板|不足)")
#: A heading that reads as a document title ("关于…的整改措施", "…工作总结报告"): its cue is a
#: hint, not the kind of everything below it.
_TITLE_LIKE = re.compile(r"^关于.{4,}|.{6,}(报告|方案|措施|清单|总结|汇报|计划)$")


def is_plan_title(title: str) -> bool:
    """``True`` for the title of a plan (活动方案, 工作计划, 议程), not of a report about work done."""
    t = fold(title).strip(" :：。")
    return bool(t) and bool(_PLAN_TITLE.search(t)) and not _REPORT_TITLE.search(t)


def explicit_kind(heading: str) -> str | None:
    """The kind a heading names outright: "下一步打算", "三、存在的问题：", "（二）原因分析"."""
    core = fold(heading)
    mk = marker_of(core)
    if mk:
        core = core[len(mk[1]):]
    core = core.strip(" :：。.;；")
    if not core or len(core) > 12 or _PLAN_TITLE.search(core):
        return None
    for rules in kind_book().kinds:
        if core == rules.kind or core in rules.aliases or core in rules.heading[:3]:
            return rules.kind
    return None


def _title_like(heading: str) -> bool:
    return marker_of(heading) is None and bool(_TITLE_LIKE.search(fold(heading).strip(" :：。")))


def heading_kinds(text: str) -> list[str]:
    """Kinds whose heading cue appears in ``text``, longest cue first."""
    found: list[tuple[int, int, str]] = []
    folded = fold(text)
    solving = bool(_SOLVING.search(folded))
    for order, rules in enumerate(kind_book().kinds):
        if solving and rules.kind == "存在问题":
            continue
        for cue in rules.heading:
            if cue in folded:
                found.append((-len(cue), order, rules.kind))
                break
    return [k for _, _, k in sorted(found)]


#: When several opening cues match ("针对存在的问题…整改", "存在问题的原因"), the more
#: specific kind wins.
_LEAD_PRIORITY = ("开头", "结尾", "原因分析", "整改措施", "下一步打算", "存在问题", "主要做法")


def first_clause(text: str) -> str:
    """Text up to the first comma or stop: the item's own title in most 范文 lists."""
    m = re.search(r"[，,。；;：:！？!?]", text)
    return fold(text[: m.start()] if m else text[:30])


def lead_kind(text: str) -> str | None:
    """Kind announced by the paragraph's own opening ("针对上述问题…", "究其原因…")."""
    head = fold(text[:80])
    book = kind_book()
    for kind in _LEAD_PRIORITY:
        if any(p.search(head) for p in book.get(kind).lead):
            return kind
    return None


_ANNOUNCES = re.compile(r"(以下|如下|几个方面|几方面|主要有|主要是|表现在)[^。]{0,12}[。:：]?$|[:：]$")


def announced_kind(text: str) -> str | None:
    """A lead-in ("…存在以下问题：", "…从以下几方面进行整改。") sets the kind of the list after it."""
    if not _ANNOUNCES.search(text.strip()):
        return None
    for part in (text[-60:], text):
        kind = lead_kind(part)
        if kind and kind != "开头":
            return kind
    return _best_keyword(text) if text.strip().endswith(("：", ":")) else None


def _best_keyword(text: str) -> str | None:
    scores = {k: v for k, v in keyword_scores(text).items() if k != "开头"}
    return max(scores.items(), key=lambda kv: kv[1])[0] if scores else None


def keyword_scores(text: str) -> dict[str, float]:
    """Body evidence per kind, per 100 characters so long paragraphs do not always win."""
    folded = fold(text)
    scale = 100.0 / max(len(folded), 60)
    scores: dict[str, float] = {}
    for rules in kind_book().kinds:
        s = sum(w * folded.count(k) for k, w in rules.keywords)
        if s:
            scores[rules.kind] = s * scale
    return scores


def classify(
    text: str,
    headings: Iterable[str] = (),
    title: str = "",
    soft_kind: str | None = None,
    first: bool = False,
    prev_kind: str | None = None,
    after_problems: bool = False,
    clause: str | None = None,
) -> str:
    """Kind of a paragraph: heading context first, its own opening next, keywords last.

    ``headings`` are the section headings above the paragraph, outermost first, without the
    document title; the innermost one carrying a cue decides. A heading with two cues
    ("存在问题和下步打算") narrows the choice and the other evidence picks between them.
    ``first`` marks the first paragraph under a title (usually the opening), ``prev_kind``
    the kind of the paragraph before it in the same list (lists continue a kind), and
    ``after_problems`` that problems or causes came just before (actions then are measures).
    ``clause`` is the item title to judge as action or shortfall (default: the first clause).
    """
    allowed, title_hints = _heading_context(headings)
    verdict = _lead_verdict(lead_kind(text), allowed, first)
    if verdict is not None:
        return verdict
    scores = keyword_scores(text)
    _add_clause_evidence(
        scores, fold(clause) if clause is not None else first_clause(text), after_problems
    )
    _add_context_evidence(scores, soft_kind, prev_kind, [*heading_kinds(title), *title_hints])
    return _best_kind(scores, allowed)


def _heading_context(headings: Iterable[str]) -> tuple[list[str] | None, list[str]]:
    """``(allowed, title_hints)``: the kinds of the innermost heading with a cue, and the cues
    of title-like headings inside it, which only hint because a title is not a section."""
    allowed: list[str] | None = None
    title_hints: list[str] = []
    for h in reversed(list(headings)):
        kinds = heading_kinds(h)
        if kinds and _title_like(h):
            title_hints.extend(kinds)  # a title taken for a heading only hints
            continue
        if kinds:
            allowed = kinds
            break
    return allowed, title_hints


def _lead_verdict(lead: str | None, allowed: list[str] | None, first: bool) -> str | None:
    """The kind when the paragraph's opening or a one-cue heading settles it without keywords;
    ``None`` when the body evidence has to decide."""
    if lead == "结尾":
        if first:
            return "开头"  # "不妥之处敬请批评指正" said up front belongs to the opening
        return lead
    if allowed and len(allowed) == 1:
        if lead == "原因分析" and allowed[0] == "存在问题":
            return lead
        return allowed[0]
    if allowed and lead == "整改措施" and lead not in allowed and "下一步打算" in allowed:
        lead = "下一步打算"  # measures under a "问题和打算" heading are the plans
    if lead and (allowed is None or lead in allowed):
        return lead
    if first and allowed is None:
        return "开头"
    return None


def _add_clause_evidence(scores: dict[str, float], clause: str, after_problems: bool) -> None:
    """The item's own title: a shortfall word reads as a problem, an action verb as work done,
    or as a measure when problems came just before."""
    book = kind_book()
    if any(w in clause for w in book.shortfall_words):
        scores["存在问题"] = scores.get("存在问题", 0.0) + 2.0
    elif clause.startswith(book.action_verbs):
        k = "整改措施" if after_problems else "主要做法"
        scores[k] = scores.get(k, 0.0) + (3.0 if after_problems else 1.0)


def _add_context_evidence(
    scores: dict[str, float], soft_kind: str | None, prev_kind: str | None, hints: list[str]
) -> None:
    """Context around the paragraph: a lead-in's kind, the previous item's kind in the list,
    and the cues of the title and title-like headings."""
    if soft_kind:
        scores[soft_kind] = scores.get(soft_kind, 0.0) + 4.0
    if prev_kind and prev_kind != OTHER:
        scores[prev_kind] = scores.get(prev_kind, 0.0) + 2.0
    for k in hints:
        scores[k] = scores.get(k, 0.0) + 1.5


def _best_kind(scores: dict[str, float], allowed: list[str] | None) -> str:
    """Highest score among the heading's kinds (its longest cue gets a bonus), or overall
    when there is no heading; weak evidence overall is 其他."""
    if allowed:
        scores[allowed[0]] = scores.get(allowed[0], 0.0) + 1.5  # the longest cue
        kept = {k: v for k, v in scores.items() if k in allowed}
        return max(kept.items(), key=lambda kv: kv[1])[0] if kept else allowed[0]
    if not scores:
        return OTHER
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] >= 2.0 else OTHER


# --- placeholders --------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"(?<![A-Za-z])(?:[XxＸｘ×]{1,4}|[*＊]+|_{2,}|＿+|…{2,}|\.{4,})(?![A-Za-z])"
    r"|某某|某(?=[村镇乡县市区局委部厅处科室单位公司支部同志党员人])"
    r"|[（(]\s{1,8}[）)]|“\s*”"
)
# A number cut out before 名/次: "储备…后备干部名。", "选派名有经验的干部", "召开会议次，".
_NOT_BEFORE_MING = "姓排署点报实有命知提签地罪美虚书题户列化域匿除挂出成联记无莫大功人盛声"
_NOT_BEFORE_CI = "层首多依再此本档名历其每屡渐初上下频班批场人车席数几两一二三四五六七八九十百千万"
_BLANK_MEASURE = re.compile(
    rf"(?<=[\u4e00-\u9fff])(?<![{_NOT_BEFORE_MING}])名(?=[，,。、；;）)]|$)"
    rf"|(?<=[\u4e00-\u9fff])(?<![{_NOT_BEFORE_CI}])次(?=[，,。、；;）)]|$)"
    r"|(?<=选派|储备|培养|吸收|表彰|慰问|帮扶|选拔|新增|共有|现有|累计|共计|发展|培训|招录)名"
    r"(?=[\u4e00-\u9fff])"
)


def find_placeholders(text: str) -> list[tuple[int, int, str]]:
    """Spans to fill in: XX镇, xx名, ×区, 某某, ____, （ ）, “”, "**年", and numbers cut out
    before a measure word ("储备后备干部名。" → an empty span just before 名)."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _PLACEHOLDER.finditer(text)]
    taken = {i for s, e, _ in spans for i in range(s, e)}
    for m in _BLANK_MEASURE.finditer(text):
        if m.start() not in taken and not text[max(0, m.start() - 1)].isdigit():
            spans.append((m.start(), m.start(), ""))
    return sorted(spans)


# --- long paragraphs -----------------------------------------------------------------------

_INLINE_ENUM = re.compile(
    r"(?<=[。；;！？!?])\s*(?=(?:[二三四五六七八九十]是|[（(][二三四五六七八九十][)）]|第[二三四五六七八九十][,，、]))"
)


def split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split an over-long paragraph before 二是/（二）/第二 so each part reads on a phone."""
    if len(text) <= limit:
        return [text]
    cuts = [m.start() for m in _INLINE_ENUM.finditer(text)]
    parts: list[str] = []
    start = 0
    for cut in cuts:
        if cut - start >= 120 and len(text) - cut >= 120:
            parts.append(text[start:cut].strip())
            start = cut
    parts.append(text[start:].strip())
    return [p for p in parts if p]


# --- whole document ------------------------------------------------------------------------


def parse_lines(lines: list[Line]) -> ParsedDoc:
    """Run the whole pipeline on extracted lines."""
    kept_lines, spam, width = _logical_lines(lines)
    blocks, headings = structure(kept_lines)
    kinds = _block_kinds(blocks)
    paragraphs: list[Paragraph] = []
    fragments = 0
    fragment_chars: Counter[str] = Counter()
    for block, kind in zip(blocks, kinds, strict=True):
        fragments += _add_parts(block, kind, paragraphs, fragment_chars)
    source = Counter(c for line in kept_lines for c in line.text if c.isalnum())
    lost = _lost_chars(source, paragraphs, fragment_chars)
    return ParsedDoc(paragraphs, spam, fragments, headings, width, source.total(), lost)


def _logical_lines(lines: list[Line]) -> tuple[list[Line], int, int | None]:
    """``(lines, spam, wrap width)``: ad/copyright lines and sentences removed and hard-wrapped
    lines joined, so structure sees one line per heading or paragraph."""
    cleaned, spam = clean_lines(lines)
    width = detect_wrap_width(cleaned)
    kept_lines: list[Line] = []
    for line in rewrap(cleaned, width):
        text, dropped = drop_spam_sentences(line.text)
        spam += dropped
        if text:
            kept_lines.append(Line(tidy(text), line.level))
    return kept_lines, spam, width


def _block_kinds(blocks: list[_Block]) -> list[str]:
    """Kind of each block in order; each depends on the one before it in the same list and on
    the kinds seen so far in the document, so they are judged in one pass."""
    doc_last: dict[int, int] = {}
    for i, b in enumerate(blocks):
        doc_last[b.doc_index] = i
    kinds: list[str] = []
    prev: tuple[tuple[str, ...], str, str] | None = None
    recent: list[str] = []
    for i, block in enumerate(blocks):
        if block.first_in_doc:
            recent.clear()
        parent = tuple(it.label for it in block.path if it is not block.own)
        list_type = block.own.kind if block.own else ""
        kind = _block_kind(block, parent, list_type, prev, recent)
        if kind == OTHER and doc_last.get(block.doc_index) == i and lead_kind(block.text) == "结尾":
            kind = "结尾"
        prev = (parent, kind, list_type)
        recent.append(kind)
        kinds.append(kind)
    return kinds


def _block_kind(
    block: _Block,
    parent: tuple[str, ...],
    list_type: str,
    prev: tuple[tuple[str, ...], str, str] | None,
    recent: list[str],
) -> str:
    """:func:`classify` with the block's place: its title and sections, the item it belongs
    to, the previous sibling's kind and whether problems were just listed."""
    title = block.path[0].label if block.path and block.path[0].kind == "title" else ""
    section = [it.label for it in block.path if it.kind != "title" and it.heading]
    under_title_only = not section and block.own is None
    clause = None
    if block.own is None and block.path and block.path[-1].kind in _LIST_TYPES:
        clause = first_clause(block.path[-1].cue_text)
    kind = classify(
        block.text,
        section,
        title,
        block.soft_kind,
        first=block.first_in_doc and under_title_only,
        prev_kind=prev[1] if prev and prev[0] == parent and prev[2] == list_type else None,
        after_problems=bool(recent) and recent[-1] in ("存在问题", "原因分析")
        and (prev is None or prev[2] != list_type or prev[1] != recent[-1]),
        clause=clause,
    )
    if is_plan_title(title):
        # a plan's goals and agenda are not a report's 做法 or 打算: 其他, unless the
        # plan has an explicit section such as "存在问题" or "下一步打算"
        kind = next(
            (k for k in (explicit_kind(h) for h in reversed(section)) if k is not None), OTHER
        )
    return kind


def _add_parts(
    block: _Block, kind: str, paragraphs: list[Paragraph], fragment_chars: Counter[str]
) -> int:
    """Store the block's phone-sized parts as paragraphs; count and keep the characters of
    parts too short to be one (they are not lost text). Returns the fragment count."""
    path = tuple(it.label for it in block.path)
    fragments = 0
    for part in split_long(block.text):
        if _meaningful(part) < MIN_CHARS:
            fragments += 1
            fragment_chars.update(c for c in part if c.isalnum())
            continue
        paragraphs.append(Paragraph(part, path, kind, len(paragraphs), find_placeholders(part)))
    return fragments


def _lost_chars(
    source: Counter[str], paragraphs: list[Paragraph], fragment_chars: Counter[str]
) -> int:
    """Characters of the source found neither in a paragraph, a heading label (counted once)
    nor a fragment: text the pipeline dropped by mistake."""
    kept = fragment_chars
    labels: set[str] = set()
    for p in paragraphs:
        kept.update(c for c in p.text if c.isalnum())
        for label in p.heading:
            if label not in labels:
                labels.add(label)
                kept.update(c for c in label if c.isalnum())
    return sum((source - kept).values())


def parse_bytes(filename: str, data: bytes) -> ParsedDoc:
    """Decode, extract and parse one file; :class:`ParseError` for unreadable files."""
    if not data.strip():
        raise ParseError("文件是空的")
    return parse_lines(extract(filename, data))


def iter_files(paths: Iterable[str | PurePath]) -> Iterator[str]:
    """Expand folders (recursively, sorted) into files; hidden files are skipped."""
    from pathlib import Path

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    yield str(f)
        else:
            yield str(p)
