from pathlib import Path

import pytest

from bot.text import char_ngrams, normalize, tokens


def test_normalize_traditional_fullwidth_and_fillers() -> None:
    assert normalize("請問，支委會多久開一次？") == "支委会多久开一次"
    assert normalize("ＡＢＣ　１２３") == "abc 123"
    assert normalize("党费怎么交啊呢") == "党费怎么交"


def test_normalize_handles_empty_emoji_and_operators() -> None:
    assert normalize("") == ""
    assert normalize("🎉🎉") == ""
    assert normalize('"党费" AND (支部) NEAR *') == "党费 and 支部 near"


def test_segmentation_keeps_party_terms_whole() -> None:
    words = tokens("三会一课和主题党日怎么开")
    assert "三会一课" in words
    assert "主题党日" in words


def test_synonyms_expand_abbreviations() -> None:
    assert "支部委员会" in tokens("支委会多久开")
    assert "主题党日" in tokens("党日活动安排")
    assert "入党积极分子" in tokens("积极分子培养多久")
    assert "党小组会" in tokens("小组会一个月几次")
    assert "支部委员会" in tokens("支委會多久開")


def test_stopwords_removed_but_question_words_kept() -> None:
    words = tokens("我们的支委会多久开一次")
    assert "的" not in words and "我们" not in words
    assert "多久" in words


def test_char_ngrams_do_not_span_spaces() -> None:
    assert char_ngrams("党费 支部") == ["党费", "支部"]
    assert char_ngrams("党 支部") == ["党", "支部"]


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("支委汇多久开一次", "支部委员会"),  # a 3+ character term by its pinyin
        ("预备其多长", "预备期"),
        ("想晚一年换界", "换届"),  # 换/界: two single characters jieba could not join
        ("党棵是一个月一次", "党课"),
        ("支部选局到会人数", "选举"),
        ("支部说要给我现期改正", "限期"),  # a word jieba barely knows (现期)
        ("在职的党非比例", "党费"),  # a word jieba guessed (党非)
        ("算党费积数", "基数"),
        ("村支书要跟党委术职吗", "述职"),
    ],
)
def test_two_character_ime_slips_are_repaired(typed: str, term: str) -> None:
    assert term in tokens(typed)


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("会三一课多久开一次", "三会一课"),  # two neighbours swapped in a 3+ character term
        ("支部员委会怎么开", "支部委员会"),
        ("想晚一年届换", "换届"),  # 届/换: two single characters the wrong way round
        ("党员的务义有哪些", "义务"),
    ],
)
def test_swapped_neighbours_are_repaired(typed: str, term: str) -> None:
    assert term in tokens(typed)


def test_is_slip_knows_homophones_and_swaps() -> None:
    from bot.text import is_slip

    assert is_slip("整改错施", "整改措施") and is_slip("下一部打算", "下一步打算")  # homophones
    assert is_slip("存在题问", "存在问题") and is_slip("施措", "措施")  # swapped neighbours
    assert not is_slip("整改方案", "整改措施") and not is_slip("问题存在", "存在问题")
    assert not is_slip("措施", "措施") and not is_slip("措", "措施")


def _counts(attested: str):  # type: ignore[no-untyped-def]
    """Bigram counts of a tiny "collection" (its text): what the search gets from its index."""
    grams = {attested[i : i + 2] for i in range(len(attested) - 1)}
    return lambda terms: [int(t in grams) for t in terms]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("形势主义", "形式主义"),  # a homophone at a word boundary (形势/主义)
        ("基层理治", "基层治理"),  # two neighbours swapped in a word no term list has
        ("流动党元", "流动党员"),
        ("党员老龄话", "党员老龄化"),  # 员老 is in no document, but it spans two words
    ],
)
def test_repair_word_undoes_one_slip_the_collection_shows(typed: str, meant: str) -> None:
    from bot.text import repair_word

    collection = "反对形式主义。加强基层治理。流动党员管理。党员队伍老龄化问题突出。"
    assert repair_word(typed, _counts(collection)) == meant


def test_repair_word_uses_documents_that_hold_a_phrase_whole() -> None:
    from bot.text import repair_word

    docs = ["反对形式主义", "大家拿主意", "开展两学一做", "一座桥", "一座楼", "一座山"]

    def counts(grams: list[str]) -> list[int]:
        return [sum(g in d for d in docs) for g in grams]

    def together(grams: list[str]) -> int:
        return sum(all(g in d for g in grams) for d in docs)

    # every bigram occurs, never together: the word is no phrase, and 主意 is 主义 mistyped
    assert repair_word("形式主意", counts, together) == "形式主义"
    # 一座 is the commoner bigram, but only 两学一做 is held whole (a phrase jieba lacks)
    assert repair_word("两学一作", counts, together) == "两学一做"
    assert repair_word("形式主义", counts, together) == "形式主义"


def test_repair_word_leaves_everyday_words_alone() -> None:
    from bot.text import repair_word

    collection = "工作不实。开会的时候。纪律涣散。镇干部。"
    # 坐不住 is a word the collection lacks: 作不住 would be attested, but no better words
    assert repair_word("党员坐不住", _counts(collection)) == "党员坐不住"
    # in a sentence only a term of three or more characters is repaired, never 真 → 镇
    assert repair_word("真干起来没人照着办", _counts(collection)) == "真干起来没人照着办"
    assert repair_word("形势", _counts("形式")) == "形势"  # a known word as typed stays


@pytest.mark.parametrize(
    ("text", "word"),
    [("公式怎么写", "公式"), ("开会有时常规定吗", "时常"), ("专业课", "专业课"), ("我们一起去看看", "一起")],
)
def test_correctly_typed_everyday_words_are_left_alone(text: str, word: str) -> None:
    assert word in tokens(text)


def test_start_up_cache_round_trip_only_in_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import marshal
    import os

    from bot import text

    monkeypatch.setattr(text, "CACHE_DIR", tmp_path / "cache")
    text.write_cache("dangwu-test-1.marshal", marshal.dumps({"a": 1}))
    assert text.read_cache("dangwu-test-1.marshal") == {"a": 1}
    text.write_cache("dangwu-test-2.marshal", marshal.dumps({"a": 2}))  # replaces the stale one
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["dangwu-test-2.marshal"]
    os.chmod(tmp_path / "cache", 0o777)  # anyone could plant a pickle here: ignore it
    assert text.read_cache("dangwu-test-2.marshal") is None


def test_cache_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import text

    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert str(text._cache_dir()) == "/somewhere/cache/dangwu"
