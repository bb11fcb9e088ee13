"""Whole-message answers (bot.rules.case): figures, missing inputs, two parts, corrections, declines.

The questions are written for these tests, not taken from the evaluation sets.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.rules.case import CaseAnswer, answer_case, case_dict, split_question
from bot.rules.engine import RuleBook, load_rulebook

TODAY = date(2026, 5, 10)


@pytest.fixture(scope="module")
def rb() -> RuleBook:
    return load_rulebook()


def ask(rb: RuleBook, q: str) -> CaseAnswer:
    return answer_case(rb, q, TODAY)


# --------------------------------------------------------------------- calculations


@pytest.mark.parametrize(
    ("q", "figure", "rate"),
    [
        ("我在职，每月到手7200，党费交多少", "108.00", "1.5%"),
        ("我税后工资两千八，一个月党费该交多少钱", "14.00", "0.5%"),
        ("我爸退休了，养老金6200，党费交多少", "62.00", "1%"),
        ("税后12000一个月，党费怎么算多少", "240.00", "2%"),
    ],
)
def test_dues_figure_first_with_citation(rb: RuleBook, q: str, figure: str, rate: str) -> None:
    case = ask(rb, q)
    assert case.calc is not None and case.calc.complete
    text = case.text()
    assert text.splitlines()[0].startswith("每月 " + figure)
    assert rate in text
    assert "依据：" in text and "党费" in text


def test_dues_without_status_asks_with_options(rb: RuleBook) -> None:
    case = ask(rb, "每月5600，党费交多少")
    assert case.calc is not None and not case.calc.complete
    assert [m.field for m in case.missing] == ["status"]
    assert "退休" in case.missing[0].options
    assert "还差一点信息" in case.text()


def test_self_employed_quarter_total_is_averaged(rb: RuleBook) -> None:
    case = ask(rb, "我是个体户，上季度纯收入一共27000，党费每月交多少")
    assert case.calc is not None
    assert "9000" in case.text() and "135.00" in case.text()


def test_committee_count(rb: RuleBook) -> None:
    case = ask(rb, "我们支部5个正式党员2个预备党员，够设支委会吗")
    assert case.calc is not None and case.calc.value is False
    assert case.text().startswith("不")
    assert "7" in case.text()


@pytest.mark.parametrize(
    ("q", "opening", "figure"),
    [
        ("应到40人实到33人，他得了17票，算当选吗", "能", "16.5"),
        ("有选举权的党员30人，今天来了24个，这次选举有效吗", "不能", "24"),
        ("有表决权的党员18人，到会15人，9个人赞成，决议通过了没", "不", "9"),
        ("应选委员5名，候选人至少几个", "候选人至少 6 人", "6"),
    ],
)
def test_count_answers(rb: RuleBook, q: str, opening: str, figure: str) -> None:
    text = ask(rb, q).text()
    assert text.startswith(opening) or (opening == "不" and text.startswith("未"))
    assert figure in text
    assert "依据：" in text


@pytest.mark.parametrize(
    ("q", "iso"),
    [
        ("2024年9月选的支委，哪年换届", None),
        ("我们社区党委2023年3月8日选的，什么时候到期换届", "2028-03-08"),
        ("去年11月20号支部大会通过的预备党员，预备期到哪天", "2026-11-20"),
        ("今年2月3号定的积极分子，最早什么时候能列为发展对象", "2027-02-03"),
        ("2025年7月1日被开除党籍的，哪天以后才能重新入党", "2030-07-01"),
    ],
)
def test_date_answers(rb: RuleBook, q: str, iso: str | None) -> None:
    case = ask(rb, q)
    assert case.calc is not None
    if iso is None:  # a month alone is enough for the year of the next election
        assert "2027" in case.text()
    else:
        assert iso in case.text()
    assert "依据：" in case.text() or case.missing


def test_term_without_org_asks(rb: RuleBook) -> None:
    case = ask(rb, "我们是2023年5月6日换届的，下次啥时候换")
    assert case.calc is not None and case.missing
    assert case.missing[0].field == "org"
    assert "党总支" in case.missing[0].options


# --------------------------------------------------------------------- parts, stories, claims


def test_split_keeps_one_question_whole() -> None:
    assert split_question("村里有几个党员常年在外，过年才回来，他们的组织生活怎么过？") == [
        "村里有几个党员常年在外，过年才回来，他们的组织生活怎么过？"
    ]
    assert len(split_question("预备期是多长？延长预备期最多多久？")) == 2


def test_split_on_a_question_mark_without_a_question_word() -> None:
    # “…还是…？” has no 吗/呢/多少: the question mark alone ends the first question
    assert split_question("支部书记是选还是派？委员任期几年？") == ["支部书记是选还是派？", "委员任期几年？"]


def test_split_on_enumeration_markers_and_drops_them() -> None:
    parts = split_question("两件事：1）党小组长由谁定？2）党小组会多久开一次？")
    assert len(parts) == 2
    assert not parts[1].startswith("2")
    assert len(split_question("一是积极分子谁来确定，二是发展对象谁来确定")) == 2
    assert len(split_question("退党的报批准吗？另一个是除名的报批准吗？")) == 2


def test_traditional_characters_read_as_simplified(rb: RuleBook) -> None:
    case = ask(rb, "黨小組會多久開一次？")
    assert "每月" in case.text()


def test_detail_on_a_word_the_answer_lacks() -> None:
    from bot.rules.case import detail_on

    answer = "党员每年集中学习培训一般不少于32学时。"
    detail = "书记每年至少参加1次轮训。新任书记一般在半年内接受任职培训。"
    assert detail_on("新任支书培训", answer, detail) == "新任书记一般在半年内接受任职培训。"
    assert detail_on("党员培训学时", answer, detail) is None  # every word is in the answer
    long_story = "我们村支部今年新来了一个书记，原来是大学生村官，想问一下学习培训有什么要求"
    assert detail_on(long_story, answer, detail) is None


def test_elliptic_follow_up_with_the_question_repeated() -> None:
    from bot.rules.case import _elliptic_subject

    assert _elliptic_subject("支部书记和支委呢，又是多少？") == "支部书记和支委"
    assert _elliptic_subject("党小组会呢？") == "党小组会"
    assert _elliptic_subject("党小组会呢，由谁主持？") is None


def test_two_part_question_gives_two_cited_parts(rb: RuleBook) -> None:
    case = ask(rb, "支部党员大会多长时间开一次？另外党小组会呢")
    assert len(case.parts) == 2
    assert all(p.answered for p in case.parts)
    assert all(p.citations for p in case.parts)
    assert "季度" in case.parts[0].text()
    assert "每月" in case.parts[1].text()


def test_story_question_is_answered(rb: RuleBook) -> None:
    q = "我们社区支部今年新来了两个退休的老同志，组织关系刚转过来，原来单位一直没让他们交过党费，现在补不补交、怎么交？"
    case = ask(rb, q)
    assert not case.declined
    assert "党费" in case.text()


@pytest.mark.parametrize(
    ("q", "want"),
    [
        ("听说党员大会半年开一次就行？", "季度"),
        ("支部书记任期是两年吧", "3年"),
        ("预备党员也能投票对吧", "没有表决权"),
        ("我们村支部三年换一届，对吧", "5年"),
    ],
)
def test_misconception_corrected_first(rb: RuleBook, q: str, want: str) -> None:
    text = ask(rb, q).text()
    assert text.startswith("不对：")
    assert want in text


def test_true_claim_is_confirmed(rb: RuleBook) -> None:
    text = ask(rb, "支委会是每个月开一次吧").text()
    assert text.startswith("对，")


# --------------------------------------------------------------------- declines


@pytest.mark.parametrize(
    "q",
    ["个人所得税怎么算", "医保报销比例是多少", "村集体收入怎么分", "村委会选举几年一次", "产假有多少天"],
)
def test_out_of_domain_declined(rb: RuleBook, q: str) -> None:
    case = ask(rb, q)
    assert case.declined and not case.no_rule


@pytest.mark.parametrize(
    "q", ["主题党日必须周五开吗", "党员每年必须读几本书", "思想汇报必须手写吗"]
)
def test_no_national_rule(rb: RuleBook, q: str) -> None:
    case = ask(rb, q)
    assert case.no_rule
    assert "没有" in case.text() and "规定" in case.text()


def test_other_level_not_answered_with_branch_rule(rb: RuleBook) -> None:
    case = ask(rb, "党的全国代表大会几年开一次")
    assert "5" in case.text() or "五" in case.text()
    assert all(p.rule_id is None for p in case.parts)
    odd = ask(rb, "省委常委会议事规则是怎样的")
    assert odd.declined


def test_plain_question_keeps_rule_answer(rb: RuleBook) -> None:
    case = ask(rb, "支委会多久开一次")
    assert case.parts[0].rule_id is not None
    assert rb.answer("支委会多久开一次").rule.id == case.parts[0].rule_id  # type: ignore[union-attr]


def test_json_shape(rb: RuleBook) -> None:
    d = case_dict(ask(rb, "应到40人实到33人，他得了17票，算当选吗"))
    json.dumps(d, ensure_ascii=False)
    for key in ("answered", "rule_id", "answer", "source", "confidence", "suggestions"):
        assert key in d
    assert d["calc"]["result"] == "当选"
    assert d["calc"]["inputs"]["votes"] == 17
    assert d["parts"] and d["no_rule"] is False


@pytest.mark.parametrize(
    "q, figure",
    [
        ("去年八月二十号支部大会接收的预备党员，预备期哪天满", "2026-08-20"),
        ("前年5月2日支部大会通过的预备党员，又延长了半年预备期，延长后到哪天", "2025-11-02"),
        ("预备期本来2027年3月3日满，支部决定延长半年，延到哪天", "2027-09-03"),
        ("党总支2025年4月1日选举产生，这一届到哪天", "2028-04-01"),
        ("乡镇党委2022年6月6日换届，这届到哪天期满", "2027-06-06"),
        ("党委今年9月1日收到支部报来的转正决议，最晚哪天前要审批", "2026-12-01"),
    ],
)
def test_date_wordings(rb: RuleBook, q: str, figure: str) -> None:
    case = ask(rb, q)
    assert case.calc is not None and case.calc.complete, case.text()
    assert figure in case.text()


def test_vote_quorum_is_half_not_four_fifths(rb: RuleBook) -> None:
    case = ask(rb, "有表决权的党员30人，开会来了14个，能表决吗")
    assert case.calc is not None and case.calc.kind == "vote_quorum"
    assert case.text().startswith("不")
    assert "15" in case.text()


def test_dues_yearly_total(rb: RuleBook) -> None:
    case = ask(rb, "税后月薪六千，党费一年一共交多少")
    assert "90" in case.text() and "1080" in case.text()


def test_claim_checked_against_the_entry_figure() -> None:
    from bot.rules.case import claim_from_entry

    assert (claim_from_entry("留党察看最长能到三年吧", "留党察看最长不超过两年。察看期间……") or "").startswith("不对")
    assert (claim_from_entry("介绍人有一个就行吧", "要有2名正式党员作入党介绍人。") or "").startswith("不对")
    assert (claim_from_entry("选举时到会过半就有效吧", "到会人数超过应到会人数的五分之四，会议有效。") or "").startswith("不对")
    assert (claim_from_entry("预备期一年对吧", "预备期为1年，从支部大会通过之日算起。") or "").startswith("对，")
    assert claim_from_entry("预备党员要交党费吧", "预备党员从支部大会通过之日起交纳党费。") is None


def test_claim_figure_found_in_the_claim_sentence_and_checked_against_a_bound() -> None:
    from bot.rules.case import claim_from_entry

    # the figure sits before the cue clause (…两年的都补上，我们直接收了就行吧)
    got = claim_from_entry("两年没交党费，想一次把两年的都补上，我们直接收了就行吧", "补交的时间一般不得超过6个月。")
    assert (got or "").startswith("不对")
    got = claim_from_entry("欠了3个月党费，补交了就行吧", "补交的时间一般不得超过6个月。")
    assert (got or "").startswith("对，")
    # a sum under the bar the entry states in a later sentence
    rule = "自愿多交党费不设上限。一次自愿多交1000元以上的，全部上缴中央。"
    assert (claim_from_entry("想多交500块党费，听说自愿多交的都要上缴中央，是吧", rule) or "").startswith("不对：一次")
    assert claim_from_entry("想多交2000块党费，听说要上缴中央，是吧", rule) is None


def test_claim_naming_the_contrasting_term() -> None:
    from bot.rules.case import contrast_claim

    rule = "对党员的纪律处分，须经支部大会讨论决定，报党的基层委员会批准。"
    assert (contrast_claim("给个警告，支委会研究定了就行吧", rule) or "").startswith("不对：对党员的纪律处分")
    assert contrast_claim("支部大会讨论决定就行吧", rule) is None
    assert contrast_claim("退党报上级备案就行吧", "党员要求退党的，报上级党组织备案（是备案，不是批准）。") is None


def test_claim_waiving_a_step_the_entry_requires() -> None:
    from bot.rules.case import waived_claim

    rule = "预备期满，须经支部大会讨论通过，报上级党委审批。"
    assert (waived_claim("预备党员转正不用开支部大会吧", rule) or "").startswith("不对：预备期满")
    assert waived_claim("退党不用报上级批准吧", "党员要求退党的，报上级党组织备案，不需要批准。") is None
    assert waived_claim("不用再找他谈话了吧", rule) is None


def test_claim_that_a_meeting_may_go_ahead_with_too_few_present() -> None:
    from bot.rules.case import _attendance, attendance_claim

    rule = "支委会一般每月召开1次。须有半数以上委员到会方可进行。"
    q = "支委会5个人，书记和组织委员到了，另外三个出差了，决定有效吧？"
    assert _attendance(q) == (2, 5)
    assert (attendance_claim(q, rule) or "").startswith("不对：须有半数以上委员到会")
    assert attendance_claim("支委会5个人，到了4个，可以开会了吧", rule) is None
    assert _attendance("支委会开会有效吧") is None


def test_claim_the_entry_denies() -> None:
    from bot.rules.case import denied_claim

    rule = "高校实行党委领导下的校长负责制。重大问题不是校长办公会说了算，党委也不只是监督保障。"
    got = denied_claim("我们学校重大事情还是校长办公会说了算，对吧", rule)
    assert (got or "").startswith("不对：重大问题不是校长办公会说了算")
    assert denied_claim("重大事情不是校长办公会说了算吧", rule) is None  # the claim says the same
    assert denied_claim("党委书记要参加校长办公会吧", rule) is None  # nothing denied is claimed


def test_claimed_frequency_against_the_entry_frequency() -> None:
    from bot.rules.case import _interval, claim_from_entry

    assert _interval("三年搞一次") == 36
    assert _interval("一年两次") == 6
    assert _interval("每季度") == 3
    assert _interval("预备期1年") is None
    rule = "党支部一般每年开展1次民主评议党员。程序：……"
    assert (claim_from_entry("民主评议党员三年搞一次就行吧", rule) or "").startswith("不对：党支部一般每年")
    assert (claim_from_entry("民主评议党员每年一次就行吧", rule) or "").startswith("对，")
    assert (claim_from_entry("民主评议应该每季度搞一次吧", rule) or "").startswith("不对")


def test_how_often_is_not_how_long() -> None:
    from bot.rules.case import claim_from_entry

    rule = "党支部每半年对入党积极分子考察一次。培养教育满一年以上的，才能考虑列为发展对象。"
    assert not (claim_from_entry("积极分子培养满半年就可以吧", rule) or "").startswith("对，")


def test_check_claim_takes_the_topic_named_first() -> None:
    from bot.rules.case import check_claim

    got = check_claim("支委会一个季度开一次就行了吧？反正党员大会也是一季度一次")
    assert got is not None and got[0].startswith("不对") and "每月" in got[0]


def test_check_claim_looks_next_to_the_claim_not_back_in_the_story() -> None:
    from bot.rules.case import check_claim

    # 党总支 and 7名 are in the story; the claim (有人说必须差额) is about neither
    assert check_claim("机关党总支下月换届，上级批复设7名委员。筹备组排候选人，有人说必须差额。候选人最少几个？") is None
    # a bare “可以吗？” leans on the sentence before it
    got = check_claim("预备党员表现不好，支委想给他延长3个月预备期。延长3个月可以吗？")
    assert got is not None and got[0].startswith("不对")
    # a month in the story is not the claimed figure
    got = check_claim("老马今年4月去外地打工，七个多月没参加组织生活。有人说超过6个月就算自行脱党，要除名。")
    assert got is not None and got[0].startswith("对，")
    # illness is a 正当理由: the table does not judge, the entry explains
    assert check_claim("老马今年4月住院，七个多月没参加组织生活。有人说超过6个月就算自行脱党，要除名。") is None


def test_check_claim_falls_through_to_an_entry_that_can_judge() -> None:
    from bot.rules.case import check_claim

    # 支部…人数 matches the 支部-size row first, which cannot judge this claim
    got = check_claim("发展党员支部大会表决，赞成票超过到会人数一半就行吧？")
    assert got is not None and got[0].startswith("不对") and "应到会" in got[0]


def test_claim_contradicted_by_the_entry_in_a_few_words(rb: RuleBook) -> None:
    assert ask(rb, "预备党员也能当入党介绍人吧？").text().startswith("不对")
    assert ask(rb, "党员退党要报上级批准，对吧？").text().startswith("不对")


def test_check_claim_obligation_versus_permission() -> None:
    from bot.rules.case import check_claim

    # at most once a year is the rule: “twice a year is required” is wrong, “once a year will do” right
    assert (check_claim("组织生活会应该是每半年开一次吧") or ("",))[0].startswith("不对")
    assert (check_claim("组织生活会一年开一次就行吧") or ("",))[0].startswith("对，")
    # a range: 延长预备期 half a year to one year
    assert (check_claim("延长3个月预备期可以吗") or ("",))[0].startswith("不对")
    assert (check_claim("延长8个月预备期可以吗") or ("",))[0].startswith("对，")
    # a fraction
    assert (check_claim("选举时到会超过三分之二就可以开始选了吧") or ("",))[0].startswith("不对")
    # 学生党员 pay a fixed 0.2元, not a share of what they live on
    assert (check_claim("学生党员按生活费的0.5%收党费，可以吧") or ("",))[0].startswith("不对")
    assert (check_claim("学生党员每月交0.2元党费，对吧") or ("",))[0].startswith("对，")
    # 有人说 states a claim too
    assert (check_claim("有人说连续三个月不交党费就算自动脱党") or ("",))[0].startswith("不对")
    # 没有 is not 有
    assert (check_claim("留党察看期间的党员没有选举权吧") or ("",))[0].startswith("对，")
    assert (check_claim("留党察看的党员照样有选举权，没问题吧") or ("",))[0].startswith("不对")


def test_several_parts_lead_with_the_first_verdict_or_figure(rb: RuleBook) -> None:
    case = ask(rb, "支部有8名正式党员，需要设支部委员会吗？支委会多久开一次？")
    assert len(case.parts) == 2
    first_line = case.text().split("\n")[0]
    assert not first_line.startswith("①")
    assert first_line == case.parts[0].text().split("\n")[0]
    # the second part asks about a rule, not about the first part's figures
    assert case.parts[1].calc is None and "每月" in case.parts[1].text()
    assert "两个月" not in case.parts[1].text()  # no detail sentence on a word the answer says in digits


def test_a_follow_up_the_calculation_answers_is_not_split_off(rb: RuleBook) -> None:
    case = ask(rb, "支部有8名正式党员，需要设支部委员会吗？设几个委员合适？")
    assert len(case.parts) == 1
    assert case.text().startswith("应当设立") and "3至5人" in case.text()


def test_several_parts_lead_with_the_correction(rb: RuleBook) -> None:
    case = ask(rb, "公司党委是2021年选的，基层党委任期不是3年吗？那今年该换届了吧？")
    assert len(case.parts) == 2
    assert case.text().startswith("不对")
    assert case.text().count("不对：党的基层委员会") == 1


def test_follow_up_calculation_takes_the_figures_from_the_question_before(rb: RuleBook) -> None:
    case = ask(rb, "老张退休了，养老金6200。他的组织关系在社区吗？党费每月交多少？")
    assert len(case.parts) == 2
    assert case.parts[1].calc is not None and "62" in case.parts[1].text()


def test_dues_question_without_the_word_dues_is_not_foreign() -> None:
    from bot.rules.case import out_of_domain

    assert not out_of_domain("有个党员工资条上税后是3012.6元，这种按哪个比例交？")
    assert not out_of_domain("扣完五险一金和个税一万出头，是不是要按2%交？")
    assert out_of_domain("工资6800，工会会费是不是也按0.5%交？")
    assert out_of_domain("今年退休人员基本养老金涨了多少？")
    # a foreign 多少 clause is not rescued by a party clause after it
    assert out_of_domain("老党员住院了，医保报销比例是多少，党组织能帮忙吗？")
    assert not out_of_domain("扣了个税和社保以后是6000，党费交多少？")


def test_foreign_question_in_a_party_story_declined_and_the_reverse(rb: RuleBook) -> None:
    assert ask(rb, "我们离退休支部的老党员住院了，城乡居民医保报销比例是多少？").declined
    case = ask(rb, "村里今年修路、土地确权事情多，村党组织换届想往后推，最多能推多久？")
    assert not case.declined
    assert "1年" in case.text()


def test_unstated_measure() -> None:
    from bot.rules.case import _unstated_measure

    assert _unstated_measure("入党申请书最少要写多少字", "入党申请书要写明入党动机和对党的认识。") == "字数"
    assert _unstated_measure("入党申请书最少要写多少字", "一般不少于1500字。") is None
    assert _unstated_measure("谈心谈话每次至少谈多少分钟", "每年谈心谈话一般不少于1次。") == "每次的时长"
    assert _unstated_measure("党费每月5号之前必须交齐吗", "党员应当按月交纳党费。") == "具体日期"
    assert _unstated_measure("支委会多久开一次", "支委会一般每月召开1次。") is None
    assert _unstated_measure("心得体会每次要写几页", "党员要认真学习。") == "篇数、页数或张数"
    assert _unstated_measure("这规定在第几条", "见第十二条。") is None


@pytest.mark.parametrize(
    "q", ["支委和党员谈心谈话，每次至少谈多少分钟才算数？", "积极分子的思想汇报每篇要求多少字以上？"]
)
def test_no_national_rule_for_a_measure_no_entry_states(rb: RuleBook, q: str) -> None:
    case = ask(rb, q)
    assert case.no_rule
    assert case.text().startswith("没有统一规定")


def test_no_national_rule_for_a_measure_when_no_entry_matches(rb: RuleBook) -> None:
    case = ask(rb, "党员每个月要写几篇学习心得？")
    assert case.no_rule and case.text().startswith("没有统一规定")


def test_no_rule_table_needs_its_measure_in_the_question_not_the_story(rb: RuleBook) -> None:
    case = ask(rb, "有个预备党员组织生活缺了好几次，支委想给他延长3个月预备期，可以吗？")
    assert not case.no_rule
    assert case.text().startswith("不能")  # a question, not a claim: the calculator's verdict
    assert "半年" in case.text() and "1年" in case.text()


def test_verdict_from_entry_thresholds_and_modals() -> None:
    from bot.rules.case import verdict_from_entry

    rule = "有正式党员3人以上的，都应当成立党支部。党支部党员人数一般不超过50人。"
    assert verdict_from_entry("单位有4名正式党员，能建支部吗", rule) == "能"
    assert verdict_from_entry("9家企业合起来建一个联合支部行吗", "联合党支部覆盖的单位一般不超过5个。") == "不能"
    assert verdict_from_entry("预备党员能当入党介绍人吗", "预备党员不能当入党介绍人。") == "不能"
    assert verdict_from_entry("这种事要不要报批", "不需要报上级批准，支部自行决定。") == "不需要"
    assert verdict_from_entry("党费按月交对吧", "党员应当按月交纳党费。") is None  # a claim, not a yes/no


def test_verdict_takes_the_member_count_from_the_story() -> None:
    from bot.rules.case import verdict_from_entry

    rule = "有正式党员3人以上的，都应当成立党支部。党支部党员人数一般不超过50人。"
    story = "我们民企支部只有2个正式党员，另外1个是预备党员，能单独成立支部吗？"
    assert verdict_from_entry("能单独成立支部吗", rule, story=story) == "不能"
    assert verdict_from_entry("能单独成立支部吗", rule, story="一个单位有6名正式党员，能单独成立支部吗") == "能"
    assert verdict_from_entry("能单独成立支部吗", rule, story="甲单位2名党员，乙单位5名党员，能单独成立支部吗") is None


def test_asking_clause_takes_the_subject_before_a_bare_question() -> None:
    from bot.rules.case import asking_clause

    assert "书记" in asking_clause("书记调走了，支委商量直接推一个人当书记，这样行吗")
    # a procedural question that names no subject takes the clause naming it
    assert "信教" in asking_clause("她说信教是个人自由。对这种信教的党员，组织上应该怎么处理？")
    assert "信教" not in asking_clause("她说信教是个人自由。对这种党员，组织上要不要给处分？")
    assert asking_clause("支部有12个党员，支委会多久开一次") == "支委会多久开一次"


@pytest.mark.parametrize(
    "q", ["党员活动室最少要多大面积", "会议记录本必须用什么颜色", "支部每年必须组织几次参观学习"]
)
def test_more_no_rule_topics(rb: RuleBook, q: str) -> None:
    assert ask(rb, q).no_rule


def test_progressive_dues_claim_corrected(rb: RuleBook) -> None:
    text = ask(rb, "税后4500，党费是3000以内按0.5%、超过部分按1%算吧").text()
    assert text.startswith("不对") and "45" in text


def test_member_party_age_at_other_levels(rb: RuleBook) -> None:
    assert "5年" in ask(rb, "市委委员要有几年党龄").text()
    assert ask(rb, "延迟退休以后几岁能退休").declined


def test_split_topic() -> None:
    from bot.rules.case import split_topic

    assert split_topic("支委会多久开一次？") == ("支委会", "多久开一次")
    assert split_topic("警告处分影响提拔多久") == ("警告处分", "影响提拔多久")
    assert split_topic("预备党员算不算应到会人数") == ("预备党员", "算不算应到会人数")


@pytest.mark.parametrize(
    "q, second",
    [
        ("支委会多久开一次？还有党小组会呢？", "党小组会"),
        ("党课多久上一次？组织生活会呢", "组织生活会"),
        ("严重警告影响提拔多久？警告呢", "1年内"),
    ],
)
def test_followup_inherits_what_was_asked(rb: RuleBook, q: str, second: str) -> None:
    case = ask(rb, q)
    assert len(case.parts) == 2
    assert second in case.parts[1].text()
    assert case.parts[0].text() != case.parts[1].text()


def test_a_yes_no_question_that_needs_an_input_still_gets_the_rule_first() -> None:
    from datetime import date

    from bot.rules.case import answer_case
    from bot.rules.engine import load_rulebook

    case = answer_case(load_rulebook(), "今年任期届满了，事情太多，换届能不能推到明年", date(2026, 12, 4))
    assert "上级" in case.text() and "批准" in case.text()
