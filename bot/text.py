"""Chinese text normalisation and segmentation shared by rules matching and template search.

Users type on phones: traditional characters, full-width punctuation, abbreviations (支委会,
党日), fillers (请问, 啊) and typos. Everything is reduced to one canonical form here so the
matchers only ever compare like with like.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import marshal
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn2an
import yaml
from opencc import OpenCC

from bot import KNOWLEDGE

DICT_DIR = KNOWLEDGE / "dict"
#: Start-up caches (segmenter dictionary, pinyin table, rules index) live here, keyed by a hash
#: of everything they are derived from, so a stale cache is never read. A private per-user folder:
#: the rules index is a pickle, which must never come from a file another user could write.


def _cache_dir() -> Path:
    """The user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), so the start-up caches
    survive a reboot; a per-user temp folder where there is no home directory."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            home = Path.home()
        except RuntimeError:  # no HOME and no passwd entry
            home = None
        base = str(home / ".cache") if home is not None and home.is_dir() else ""
    if base:
        return Path(base) / "dangwu"
    return Path(tempfile.gettempdir()) / f"dangwu-cache-{getattr(os, 'getuid', lambda: 0)()}"


CACHE_DIR = _cache_dir()
#: C YAML parser when PyYAML was built with libyaml: ten times faster on the KB files.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_t2s = OpenCC("t2s")
_lock = threading.Lock()

# Everything that is not a CJK ideograph, a latin letter or a digit separates words.
_SEPARATORS = re.compile(r"[^\w\u4e00-\u9fff]+|_+")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")

#: Words that carry no meaning for matching; question words (多久, 多少, 怎么) are kept because
#: they separate "how often" from "how many" questions.
STOPWORDS = frozenset(
    "的 了 是 吗 么 嘛 呢 啊 吧 呀 我 我们 咱们 你 你们 他 她 它 这 那 就 都 也 还 和 与 及 跟 在 有 "
    "没 个 一 些 给 让 被 把 对 从 到 为 以 之 其 或 等 请 问 下 该 得 地 着 过 又 再 很 太 最 "
    "现在 目前 一般 一直 那么 这么 这样 那样 然后 还是 就是 是不是 是否 如果 要是 还有 "
    "要不要 能不能 可不可以 行不行 有没有 够不够 算不算 用不用 需不需要 得不得 该不该 会不会".split()
)

#: Question words: they tell "how often" from "how many" but must never carry a match alone.
QUESTION_WORDS = frozenset(
    "怎么 怎么样 怎么办 怎样 如何 什么 啥 咋 咋办 咋样 哪些 哪个 哪 哪里 哪儿 谁 为什么 为啥 "
    "多少 多久 几 几个 几次 几年 几天 多长 多大 吗 能否 可否 可以 能 行 需要 应该 应当 必须".split()
)


def _read_lines(name: str) -> list[str]:
    path = DICT_DIR / name
    return [
        s.strip() for s in path.read_text("utf-8").splitlines() if s.strip() and not s.startswith("#")
    ]


@lru_cache(maxsize=1)
def fillers() -> tuple[str, ...]:
    """Filler words, longest first so 请问一下 is removed before 请问."""
    return tuple(sorted(_read_lines("fillers.txt"), key=len, reverse=True))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Variant → canonical term, from ``knowledge/dict/synonyms.yaml``."""
    raw = yaml.load((DICT_DIR / "synonyms.yaml").read_text("utf-8"), Loader=YAML_LOADER) or {}
    out: dict[str, str] = {}
    for canonical, variants in raw.items():
        for v in variants or []:
            out[to_simplified(str(v))] = str(canonical)
    return out


@lru_cache(maxsize=1)
def domain_terms() -> frozenset[str]:
    """Party-affairs vocabulary: party_terms.txt plus every synonym's canonical form."""
    terms = {canonical(line.split()[0]) for line in _read_lines("party_terms.txt")}
    terms.update(synonyms().values())
    return frozenset(terms)


def to_simplified(text: str) -> str:
    return str(_t2s.convert(text))


def normalize(text: str, *, drop_fillers: bool = True) -> str:
    """NFKC, traditional→simplified, lower case, punctuation→space, fillers removed.

    NFKC turns full-width letters, digits, spaces and most punctuation into their ASCII forms,
    so a question typed with a Chinese IME compares equal to one typed on a PC.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text).lower()
    text = _SEPARATORS.sub(" ", text)
    if drop_fillers:
        for f in fillers():
            text = text.replace(f, " ")
    return _SPACES.sub(" ", text).strip()


# --- start-up cache ----------------------------------------------------------------------------
#
# Loading jieba's 350k-word dictionary (0.7 s) and importing pypinyin (0.25 s) dominated start-up.
# Both are only ever consulted for the characters of the text at hand, so the cache stores the
# segmenter's prefix dictionary split by first character (each bucket marshalled separately and
# decoded the first time a text contains that character) and, for typo repair, the pinyin of only
# those characters whose syllable occurs in some party term. Results are identical to the full
# dictionaries: jieba only looks up fragments starting with a character of the text, and a
# character whose syllable is in no term can never complete a term's pinyin.

#: a CJK character pypinyin has no reading for: never part of a homophone match
_NO_TERM_SOUND = "?"


def _file_stamp(path: Path | str | None) -> str:
    if path is None:
        return "-"
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def _package_stamp(name: str, *files: str) -> str:
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    stamps = [_file_stamp(origin)]
    if origin is not None:
        stamps += [_file_stamp(Path(origin).parent / f) for f in files]
    return "|".join(stamps)


def cache_key(*parts: bytes | str) -> str:
    """A short hex digest of ``parts`` (file contents, versions) to name a cache file."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:20]


@lru_cache(maxsize=1)
def text_cache_key() -> str:
    """Hash of the dictionaries, this module's code and the installed jieba/pypinyin."""
    return cache_key(
        Path(__file__).read_bytes(),
        (DICT_DIR / "party_terms.txt").read_bytes(),
        (DICT_DIR / "synonyms.yaml").read_bytes(),
        (DICT_DIR / "pair_terms.txt").read_bytes(),
        _package_stamp("jieba", "dict.txt"),
        _package_stamp("pypinyin", "pinyin_dict.py", "phrases_dict.py"),
    )


def _cache_dir_is_private() -> bool:
    try:
        st = os.stat(CACHE_DIR)
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def read_cache(name: str) -> Any | None:
    """Unmarshal ``CACHE_DIR/name``; None when missing, unreadable or not in a private folder."""
    if not _cache_dir_is_private():
        return None
    try:
        with open(CACHE_DIR / name, "rb") as f:
            return marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_cache(name: str, data: bytes) -> None:
    """Write atomically (temp file + rename) and drop stale versions (same name up to the last
    ``-``); a read-only cache folder only costs speed."""
    path = CACHE_DIR / name
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        CACHE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _cache_dir_is_private():
            return
        tmp.write_bytes(data)
        os.replace(tmp, path)
        prefix, _, _ = name.rpartition("-")
        for old in CACHE_DIR.glob(f"{prefix}-*{path.suffix}"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)


def _build_text_cache() -> dict[str, Any]:
    """Build the segmenter dictionary and pinyin tables from jieba and pypinyin (slow path)."""
    tk = _party_tokenizer()
    freq: dict[str, int] = tk.FREQ
    terms = _party_terms()
    lexicon = _homophone_lexicon_of(terms)
    pairs = _homophone_pairs_of(terms)
    buckets: dict[str, dict[str, int]] = {}
    for w, n in freq.items():
        buckets.setdefault(w[0], {})[w] = n
    return {
        "freq": freq,
        "total": int(tk.total),
        "buckets": {c: marshal.dumps(b) for c, b in buckets.items()},
        "lexicon": lexicon,
        "pairs": pairs,
        "sounds": _ideograph_sounds(),
    }


def _party_tokenizer() -> Any:
    """A private jieba tokenizer with jieba's dictionary plus the party terms (at their listed
    frequency, else 30000) and every multi-character synonym, so that 三会一课 or 支委会 stay one
    token instead of being cut into common words."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = tempfile.gettempdir()
    tk.initialize()
    for line in _read_lines("party_terms.txt"):
        parts = line.split()
        tk.add_word(parts[0], int(parts[1]) if len(parts) > 1 else 30000)
    for variant, canon in synonyms().items():
        for w in (variant, canon):
            if len(w) > 1:
                tk.add_word(w, 30000)
    return tk


def _party_terms() -> set[str]:
    """Every term a pinyin typo may be repaired to: the party terms and both sides of every
    synonym."""
    terms = {line.split()[0] for line in _read_lines("party_terms.txt")}
    for variant, canon in synonyms().items():
        terms.update((variant, canon))
    return terms


def _homophone_lexicon_of(terms: set[str]) -> dict[tuple[str, ...], str]:
    """Pinyin of every all-CJK term of 3+ characters → the term, for IME typo repair (sorted,
    so when two terms sound alike the first in order wins, the same on every build)."""
    from pypinyin import lazy_pinyin

    lexicon: dict[tuple[str, ...], str] = {}
    for t in sorted(terms):
        if len(t) >= 3 and all(_CJK.match(c) for c in t):
            lexicon.setdefault(tuple(lazy_pinyin(t)), t)
    return lexicon


def _homophone_pairs_of(terms: set[str]) -> dict[str, str]:
    """Pinyin ("huan jie") → two-character term, from the terms and ``pair_terms.txt``.

    Two-character terms are repaired only where jieba left two single characters (换/界),
    see ``_repair_pairs``; question words (几次, 多少) and words starting with 几/多/每 are not
    terms, so they are left out."""
    from pypinyin import lazy_pinyin

    pairs: dict[str, str] = {}
    for t in sorted(terms | set(_read_lines("pair_terms.txt"))):
        if len(t) == 2 and all(_CJK.match(c) for c in t) and t[0] not in "几多每" and t not in QUESTION_WORDS:
            pairs.setdefault(" ".join(lazy_pinyin(t)), t)
    return pairs


def _ideograph_sounds() -> dict[str, str]:
    """Toneless pinyin of every CJK ideograph (U+4E00–U+9FFF) that has a reading."""
    from pypinyin import lazy_pinyin

    # every ideograph's toneless pinyin: the terms' repair looks up their syllables, and the
    # search's repair (``repair_word``) any same-sounding character
    sounds: dict[str, str] = {}
    for cp in range(0x4E00, 0xA000):
        c = chr(cp)
        s = lazy_pinyin(c)[0]
        if s.isascii() and s.isalpha():
            sounds[c] = s
    return sounds


@lru_cache(maxsize=1)
def _text_cache() -> dict[str, Any]:
    name = f"dangwu-text-{text_cache_key()}.marshal"
    data = read_cache(name)
    if isinstance(data, dict) and {"total", "buckets", "lexicon", "pairs", "sounds"} <= data.keys():
        data["freq"] = {}
        return data
    data = _build_text_cache()
    write_cache(name, marshal.dumps({k: v for k, v in data.items() if k != "freq"}))
    data["buckets"] = {}  # the full dictionary is already in memory
    return data


def _homophone_lexicon() -> dict[tuple[str, ...], str]:
    """Pinyin of every party term of 3+ characters → the term, for IME typo repair."""
    lexicon: dict[tuple[str, ...], str] = _text_cache()["lexicon"]
    return lexicon


def _sound(char: str) -> str:
    """Toneless pinyin of one CJK character ("" for anything else; ``_NO_TERM_SOUND`` for a
    character without a reading, which can never match one)."""
    if not _CJK.match(char):
        return ""
    s: str = _text_cache()["sounds"].get(char, _NO_TERM_SOUND)
    return s


def fix_homophones(text: str) -> str:
    """Repair pinyin-IME typos of known terms: 支委汇→支委会, 预备其→预备期, 发展对像→发展对象,
    and two adjacent characters typed the wrong way round: 会三一课→三会一课, 支部员委会→支部委员会.

    Phone users pick the wrong character with the right sound far more often than any other
    typo, so a window whose pinyin equals a known 3–6 character term is replaced by the term;
    a window that is such a term with two neighbours swapped is replaced too.
    """
    lexicon = _homophone_lexicon()
    if not text or not _CJK.search(text):
        return text
    swapped = _swapped_terms()
    chars = list(text)
    sounds = [_sound(c) for c in chars]
    out: list[str] = []
    i = 0
    while i < len(chars):
        for n in (6, 5, 4, 3):
            window = sounds[i : i + n]
            if len(window) == n and all(window):
                term = lexicon.get(tuple(window)) or swapped.get(text[i : i + n])
                if term is not None:
                    out.append(term)
                    i += n
                    break
        else:
            out.append(chars[i])
            i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _swapped_terms() -> dict[str, str]:
    """Each party term of 3–6 characters with two adjacent characters swapped → the term
    (none that is itself a term or a word jieba knows)."""
    terms = set(_homophone_lexicon().values())
    seg = segmenter()
    out: dict[str, str] = {}
    for term in sorted(terms):
        for typed in _swaps(term):
            if typed not in terms and seg.frequency(typed)[0] < RARE_WORD:
                out.setdefault(typed, term)
    return out


def _swaps(word: str) -> list[str]:
    """``word`` with each pair of different adjacent characters swapped."""
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    ]


def is_slip(typed: str, word: str) -> bool:
    """``typed`` is ``word`` with one pinyin-IME slip: the same length, and either two adjacent
    characters swapped (整改施措, 存在题问) or each different character (one, or two in a word
    of four or more) sounding the same (原因分吸, 下一部打算, 整改错施)."""
    if len(typed) != len(word) or typed == word:
        return False
    diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        i = diff[0]
        if typed[i] == word[i + 1] and typed[i + 1] == word[i]:
            return True
    return len(diff) <= (2 if len(word) >= 4 else 1) and all(
        _sound(typed[i]) == _sound(word[i]) and _sound(word[i]) not in ("", _NO_TERM_SOUND)
        for i in diff
    )


@lru_cache(maxsize=1)
def _by_sound() -> dict[str, str]:
    """Toneless pinyin → every common ideograph (GB 2312 level 1, the 3755 an IME offers
    first) that has it."""
    out: dict[str, list[str]] = {}
    for c, s in _text_cache()["sounds"].items():
        if _common(c):
            out.setdefault(s, []).append(c)
    return {s: "".join(cs) for s, cs in out.items()}


def _common(char: str) -> bool:
    """``char`` is one of the 3755 level-1 characters of GB 2312."""
    try:
        code = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0 <= code[0] <= 0xD7


def same_sound(char: str) -> str:
    """The common ideographs that sound like ``char`` (toneless pinyin): what a pinyin IME
    may have offered instead of it."""
    s = _sound(char)
    return _by_sound().get(s, char) if s and s != _NO_TERM_SOUND else char


def repair_word(
    word: str,
    counts: Callable[[list[str]], list[int]],
    together: Callable[[list[str]], int] | None = None,
) -> str:
    """``word`` with one pinyin-IME slip undone where a collection shows it (itself otherwise).

    ``counts`` gives how many documents hold each two-character term. A word with a bigram no
    document holds (形势主义: 势主; 基层理治: 层理, 理治; 流动党元: 党元) is tried with two
    adjacent characters swapped, or one character of such a bigram replaced by a same-sounding
    one, next to it. A candidate counts when

    - every bigram the edit made is attested, and it has fewer unattested bigrams than the
      typed word, none of them inside one of its words (a bigram across two words may be
      absent from the collection: 员老 in 党员老龄化);
    - the edit makes words, as jieba sees them: the candidate is fewer words than the typed one
      (形势/主义 → 形式主义, 基层/理/治 → 基层/治理), or the typed word around the edit is one
      jieba barely knows and the candidate's is one it knows (述职/平议 → 述职/评议); or, for a
      word of four to :data:`SHORT_WORD` characters, some document holds all its bigrams
      (``together``: 两学一作 → 两学一做, a phrase jieba does not know). So an everyday word
      the collection lacks is never "repaired" into its words (坐不住 → 作/不住, 真/干 → 镇/干).

    In a run longer than :data:`SHORT_WORD` (a sentence typed in everyday words, where
    bigrams the collection lacks abound) the edit must make a known word of three or more
    characters (文化低带不动 is not 文化地带不动). The one with the fewest unattested bigrams
    wins, then the one whose attested bigrams most documents hold together (``together``, when
    given: 两学一作 is 两学一做, not 两学一座, although 一座 is the commoner bigram), then the
    best attested edit. A word jieba knows as typed is never changed: it was meant (the
    collection just lacks it).
    """
    n = len(word)
    seg = segmenter()
    if n < 2 or not all(_CJK.match(c) for c in word) or seg.frequency(word)[0] >= RARE_WORD:
        return word
    grams = [word[i : i + 2] for i in range(n - 1)]
    seen = dict(zip(grams, counts(grams), strict=True))
    bad = [i for i, g in enumerate(grams) if not seen[g]]
    suspects = _slip_suspects(word, grams, bad, together)
    if not suspects:
        return word
    edits = _slip_edits(word, suspects)
    fresh = sorted({w[k : k + 2] for w in edits for k in range(n - 1)} - seen.keys())
    seen.update(zip(fresh, counts(fresh), strict=True))
    slip = _Slip(word, seen, bad, _spans(seg.cut(word)), together)
    ok = [x for cand, changed in edits.items() if (x := slip.judge(cand, changed)) is not None]
    return _best_repair(word, ok, together)


def _slip_suspects(
    word: str, grams: list[str], bad: list[int], together: Callable[[list[str]], int] | None
) -> list[int]:
    """Positions of the bigrams that may hold the slip: the unattested ones; or, when every
    bigram occurs but never together (形式主意: 形式, 式主, 主意), any of a short word's."""
    if bad:
        return bad
    if together is None or not 3 <= len(word) <= SHORT_WORD or together(grams):
        return []
    return list(range(len(word) - 1))


def _slip_edits(word: str, suspects: list[int]) -> dict[str, tuple[int, ...]]:
    """Candidate → the positions its edit changed: two neighbours swapped next to a suspect
    bigram, or one of its characters replaced by a same-sounding one."""
    n = len(word)
    edits: dict[str, tuple[int, ...]] = {}
    for i in suspects:
        for j in (i - 1, i, i + 1):
            if 0 <= j < n - 1 and word[j] != word[j + 1]:
                edits.setdefault(word[:j] + word[j + 1] + word[j] + word[j + 2 :], (j, j + 1))
        for j in (i, i + 1):
            for c in same_sound(word[j]):
                if c != word[j]:
                    edits.setdefault(word[:j] + c + word[j + 1 :], (j,))
    return edits


@dataclass
class _Slip:
    """A typed word under repair: what the collection says of its bigrams and how jieba cuts it."""

    word: str
    seen: dict[str, int]
    bad: list[int]
    typed_words: list[tuple[int, int, str]]
    together: Callable[[list[str]], int] | None

    def judge(self, cand: str, changed: tuple[int, ...]) -> tuple[int, int, str, list[str]] | None:
        """(unattested bigrams left, -support of the edit, cand, attested bigrams) when ``cand``
        is an acceptable repair (see :func:`repair_word`), else None."""
        n = len(self.word)
        made = {k for j in changed for k in (j - 1, j) if 0 <= k < n - 1}
        left = [k for k in range(n - 1) if not self.seen[cand[k : k + 2]]]
        if any(not self.seen[cand[k : k + 2]] for k in made):
            return None
        if len(left) >= len(self.bad) and (self.bad or left):
            return None
        attested = [cand[k : k + 2] for k in range(n - 1) if k not in left]
        if not self._makes_words(cand, changed[0], left, attested):
            return None
        return (len(left), -min(self.seen[cand[k : k + 2]] for k in made), cand, attested)

    def _makes_words(self, cand: str, at: int, left: list[int], attested: list[str]) -> bool:
        """The edit makes words as jieba sees them, or a phrase the documents hold whole."""
        seg = segmenter()
        n = len(self.word)
        words = _spans(seg.cut(cand))
        if any(k + 1 not in {e for _, e, _ in words} for k in left):  # unattested inside a word
            return False
        was = next(w for a, e, w in self.typed_words if a <= at < e)
        now = next(w for a, e, w in words if a <= at < e)
        if n > SHORT_WORD and (len(now) < 3 or seg.frequency(now)[0] < RARE_WORD):
            return False  # in a sentence, only a term of three or more characters is repaired
        together = self.together
        if not self.bad and (together is None or not together(attested)):
            return False  # the typed word's bigrams never meet: the repair's must
        fewer = len(words) < len(self.typed_words)
        known = (
            len(words) == len(self.typed_words)
            and len(was) > 1
            and seg.frequency(was)[0] < RARE_WORD <= seg.frequency(now)[0]
        )
        # a phrase jieba does not know, but documents hold whole (两学一做)
        whole = together is not None and 4 <= n <= SHORT_WORD and not left and bool(together(attested))
        return fewer or known or whole


def _best_repair(
    word: str, ok: list[tuple[int, int, str, list[str]]], together: Callable[[list[str]], int] | None
) -> str:
    """The acceptable repair with the fewest unattested bigrams, then the one whose bigrams
    most documents hold together, then the best attested edit; ``word`` when there is none."""
    if not ok:
        return word
    fewest = min(x[0] for x in ok)
    ok = [x for x in ok if x[0] == fewest]
    if together is not None and len(ok) > 1:
        return min(ok, key=lambda x: (-together(x[3]), x[1], x[2]))[2]
    return min(ok, key=lambda x: (x[1], x[2]))[2]


#: longest run of characters repaired like a keyword; a longer one reads as a sentence
SHORT_WORD = 6


def _spans(words: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, word) of consecutive words."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for w in words:
        out.append((pos, pos + len(w), w))
        pos += len(w)
    return out


def repair_typos(norm: str) -> list[str]:
    """Segment normalised text into words, repairing pinyin-IME typos on the way.

    The one typo repair both matchers use: rules questions (:func:`tokens`) and template
    search queries (``bot.fanwen.search``). Three-to-six character terms are repaired by their
    pinyin or two swapped neighbours (:func:`fix_homophones`), two-character ones where jieba
    shows the slip (``_repair_pairs``). Every repair keeps the length, so ``"".join`` of the
    words is the input without its spaces. The search then repairs any other word with what
    its paragraphs show (:func:`repair_word`), from the same slips.
    """
    return _repair_pairs(segmenter().cut(fix_homophones(norm)))


def _repair_pairs(words: Iterable[str]) -> list[str]:
    """Repair two-character IME slips: 换/界→换届, 党/棵→党课, 现期→限期, 党非→党费.

    Only where the slip is visible to jieba: two single characters it could not join, or a
    two-character "word" it barely knows (HMM-guessed or rarer than ``RARE_WORD`` in its
    dictionary). A correctly typed everyday word (时常, 公式) is common and never touched.
    """
    pairs: dict[str, str] = _text_cache()["pairs"]
    known = _pair_terms()
    seg = segmenter()
    out: list[str] = []
    for w in words:
        if len(w) == 1 and out and len(out[-1]) == 1 and _CJK.match(w) and _CJK.match(out[-1]):
            term = pairs.get(f"{_sound(out[-1])} {_sound(w)}")
            if term is None and w + out[-1] in known:  # typed the wrong way round: 届/换
                term = w + out[-1]
            if term is not None:
                out[-1] = term
                continue
        elif len(w) == 2 and _CJK.match(w[0]) and _CJK.match(w[1]):
            term = pairs.get(f"{_sound(w[0])} {_sound(w[1])}")
            if term is None and w[::-1] in known:
                term = w[::-1]
            if term is not None and term != w and seg.frequency(w)[0] < RARE_WORD:
                w = term
        out.append(w)
    return out


@lru_cache(maxsize=1)
def _pair_terms() -> frozenset[str]:
    """The two-character terms ``_repair_pairs`` repairs to."""
    pairs: dict[str, str] = _text_cache()["pairs"]
    return frozenset(pairs.values())


#: jieba dictionary count below which a two-character token may be a typo (现期: 3, 限期: 304)
RARE_WORD = 10


class Segmenter:
    """jieba with the party-term dictionary loaded once.

    A private ``jieba.Tokenizer`` keeps our dictionary out of the global one other code may use.
    Its prefix dictionary comes from the start-up cache (see ``_text_cache``), one first-character
    bucket at a time, so start-up does not pay for the 350k words a question never touches.
    """

    def __init__(self) -> None:
        self._tk: Any = None
        self._buckets: dict[str, bytes] = {}
        self._ready = False

    def _init(self) -> None:
        with _lock:
            if self._ready:
                return
            import jieba

            jieba.setLogLevel(logging.WARNING)
            cache = _text_cache()
            tk = jieba.Tokenizer()
            tk.tmp_dir = tempfile.gettempdir()
            tk.FREQ = cache["freq"]  # shared: buckets only ever add the same entries
            tk.total = cache["total"]
            tk.initialized = True
            self._buckets = dict(cache["buckets"])
            self._tk = tk
            self._ready = True

    def _load(self, text: str) -> None:
        """Decode the dictionary buckets of the characters in ``text`` not yet loaded."""
        buckets = self._buckets
        if not buckets or not any(c in buckets for c in text):
            return
        with _lock:
            for c in set(text):
                b = buckets.get(c)
                if b is not None:
                    self._tk.FREQ.update(marshal.loads(b))
                    del buckets[c]

    def frequency(self, word: str) -> tuple[int, int]:
        """(count of ``word``, total count) in jieba's general-language dictionary."""
        if not self._ready:
            self._init()
        self._load(word[:1])
        return int(self._tk.FREQ.get(word) or 0), int(self._tk.total)

    def cut(self, text: str) -> list[str]:
        """Segment already-normalised text into words (spaces are dropped)."""
        if not self._ready:
            self._init()
        self._load(text)
        return [w for w in self._tk.lcut(text, HMM=False) if w.strip()]


_segmenter: Segmenter | None = None


def segmenter() -> Segmenter:
    global _segmenter
    if _segmenter is None:
        _segmenter = Segmenter()
    return _segmenter


def canonical(word: str) -> str:
    """Map an abbreviation or variant to its canonical term (支委会 → 支部委员会)."""
    return synonyms().get(word, word)


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Normalise, segment and canonicalise: the word sequence both matchers work on."""
    return list(_tokens(text, keep_stopwords))


@lru_cache(maxsize=8192)
def _tokens(text: str, keep_stopwords: bool) -> tuple[str, ...]:
    # cached: the rules matcher re-reads the same KB texts whenever it is rebuilt
    out: list[str] = []
    for w in repair_typos(normalize(text)):
        w = canonical(w)
        if not keep_stopwords and (w in STOPWORDS or w.isspace()):
            continue
        out.append(w)
    return tuple(out)


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Character n-grams of the CJK/alnum runs of ``text`` (no n-gram spans a space)."""
    grams: list[str] = []
    for run in text.split():
        if len(run) < n:
            grams.append(run)
            continue
        grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def unique(seq: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication."""
    return list(dict.fromkeys(seq))


# --- length-preserving folding (template search) --------------------------------------------


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Character map for :func:`fold`: NFKC, lower case and traditional→simplified, 1 char → 1 char.

    Built once (about 0.1 s) from OpenCC's character list rather than running OpenCC itself: a
    ``str.translate`` table is about a thousand times faster, which matters when indexing 100k
    paragraphs, and a one-to-one map keeps offsets in the folded text equal to the original's.
    """
    from pathlib import Path

    import opencc

    table: dict[int, str] = {}
    for cp in range(0x20, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if len(n) == 1:
            low = n.lower()
            n = low if len(low) == 1 else n
        if len(n) == 1 and n != c:
            table[cp] = n
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def fold(text: str) -> str:
    """Fold text for matching without changing its length, so offsets stay valid for highlights.

    Full-width letters, digits and spaces become ASCII, letters become lower case and
    traditional characters simplified. Unlike :func:`normalize` nothing is removed or merged,
    so a span found in the folded text is the same span in the original.
    """
    return text.translate(_fold_table())


# --- Chinese numerals (one place, by cn2an) ------------------------------------------------


def cn_int(text: str) -> int | None:
    """"12", "十二", "两", "二〇二六" → the number (cn2an); None when it is not one."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        value = cn2an.cn2an(text.replace("〇", "零"), "smart")
    except (ValueError, KeyError, TypeError):
        return None
    return int(value) if float(value).is_integer() else None


def cn_numeral(n: int) -> str:
    """12 → 十二 (the numbering of headings and lists in exported reports)."""
    return str(cn2an.an2cn(n))
