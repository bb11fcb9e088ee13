"""Calculator inputs from colloquial Chinese and the answer shapes they lead to: spoken money,
税前 with its deductions, months of 补交, relative and festival dates, 党龄, head counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.facts.extract import detect, normalize_numbers
from bot.rules.case import answer_case, calculate, out_of_domain
from bot.rules.engine import RuleBook, load_rulebook

TODAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def rb() -> RuleBook:
    return load_rulebook()


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("三块五", "3.5元"),
        ("五毛", "0.5元"),
        ("一块二毛", "1.2元"),
        ("3毛5", "0.35元"),
        ("1.5w", "15000"),
        ("6k3", "6300"),
        ("1998年七一那天", "1998年7月1日那天"),
        ("一万零二百", "10200"),
    ],
)
def test_spoken_money_and_dates(text: str, want: str) -> None:
    assert normalize_numbers(text) == want


# ---------------------------------------------------------------- dues


def _value(q: str) -> object:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.complete, q
    return calc.value


def test_traditional_characters_are_read() -> None:
    assert _value("稅後工資6k，每個月黨費交多少") == Decimal("90.00")


def test_gross_pay_minus_tax_and_insurance_is_the_base() -> None:
    calc = calculate("应发11000，五险一金个人缴1980，个税120，党费每月多少", TODAY)
    assert calc is not None and calc.complete
    assert calc.value == Decimal("133.50")  # (11000-1980-120)=8900 × 1.5%
    assert "8900" in calc.working


def test_gross_pay_without_deductions_asks_never_guesses() -> None:
    calc = calculate("我税前工资8000，党费交多少", TODAY)
    assert calc is not None and not calc.complete
    assert "个税" in calc.missing[0].question


def test_dues_question_without_the_word_dues() -> None:
    q = "应发9000，五险一金1600，个税50，是不是要按2%交？"
    assert not out_of_domain(q)
    assert _value(q) == Decimal("110.25")  # 7350 × 1.5%


def test_tax_question_stays_out_of_domain() -> None:
    assert out_of_domain("工资8000，个税交多少")


@pytest.mark.parametrize(
    ("q", "total"),
    [
        ("他税后每月6000，有3个月党费没交，补交一共多少", "270.00"),
        ("5到7月的党费欠着，她税后4000，一共补多少", "120.00"),
        ("学生党员前4个月党费没交，一次补上一共多少钱", "0.80"),
        ("退休金5200，半年党费没交，补交一共多少", "312.00"),
    ],
)
def test_months_of_makeup(q: str, total: str) -> None:
    assert _value(q) == Decimal(total)


def test_farmer_amount_set_by_the_branch() -> None:
    calc = calculate("我们支部定的农民党员每月交三毛，他欠了4个月要补上，一共多少", TODAY)
    assert calc is not None and calc.value == Decimal("1.20")


def test_quarter_income_means_self_employed_average() -> None:
    assert _value("老李跑货运，上季度一共纯收入一万二，每月党费多少") == Decimal("40.00")


def test_net_figure_wins_over_gross() -> None:
    req = detect("应发9800，到手7600，党费多少", TODAY)
    assert req is not None and req.inputs["amount"] == Decimal("7600")


# ---------------------------------------------------------------- dates


def test_extension_counts_from_the_admission_date_named_by_its_context() -> None:
    calc = calculate("2024年3月2日支部大会通过的预备党员，今年3月到期时延长预备期半年，哪天期满", TODAY)
    assert calc is not None and calc.value == date(2025, 9, 2)


def test_longest_extension_is_one_year() -> None:
    calc = calculate("2026年1月8日支部大会接收的预备党员，如果要延长预备期，最长到哪天", TODAY)
    assert calc is not None and calc.value == date(2028, 1, 8)


@pytest.mark.parametrize(
    ("q", "want"),
    [
        ("他2015年12月5日转为正式党员，党龄几年了", 10),
        ("2015年12月3日转正的，党龄满几年了", 11),
        ("1990年七一支部大会通过入党，1991年7月1日按期转正，党龄多少年", 35),
    ],
)
def test_party_age_in_years_from_full_membership(q: str, want: int) -> None:
    assert _value(q) == want


def test_party_age_anniversary_date() -> None:
    assert _value("1977年3月1日转正的老党员，党龄满50年是哪天") == date(2027, 3, 1)


def test_postponed_term_at_most_one_year(rb: RuleBook) -> None:
    calc = calculate("党总支2023年6月10日换的届，想报批延期换届，最迟能到哪天", TODAY)
    assert calc is not None and calc.value == date(2027, 6, 10)
    assert "1年" in calc.result


# ---------------------------------------------------------------- counts


def _calc(q: str) -> tuple[str, object, str]:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.complete, q
    return calc.kind, calc.value, calc.working


def test_expected_is_members_less_probationary_and_suspended() -> None:
    kind, ok, working = _calc("支部40名党员，其中3名预备党员，1名留党察看，选举时到了30个正式党员，有效吗")
    assert kind == "quorum" and ok is True  # 36 × 4/5 = 28.8 < 30
    assert "36" in working and "28.8" in working


def test_probationary_among_those_present_have_no_vote() -> None:
    kind, ok, working = _calc("支部一共30名党员，其中2个预备党员。换届来了25人，里面有3个预备党员，会议有效吗")
    assert kind == "quorum" and ok is False  # 28 × 4/5 = 22.4, 25-3 = 22
    assert "22.4" in working


def test_full_members_with_votes_are_the_expected() -> None:
    kind, ok, _w = _calc("我们支部20名正式党员（都有选举权），今天选举实到17人，能选吗")
    assert kind == "quorum" and ok is True


def test_election_before_committee_words() -> None:
    kind, ok, working = _calc("选支委，实到有选举权的41人，老李得了20票赞成，当选了吗")
    assert kind == "elected" and ok is False and "20.5" in working


def test_votes_written_as_zhang() -> None:
    kind, ok, _w = _calc("实到会有选举权的党员30名，候选人赞成票16张，能当选吗")
    assert kind == "elected" and ok is True


@pytest.mark.parametrize(
    ("q", "need"),
    [
        ("选举实到有选举权的31人，候选人至少几票才能当选", 16),
        ("换届大会到会40人，其中4个是预备党员，候选人最少得多少票才算当选", 19),
    ],
)
def test_votes_needed_to_be_elected(q: str, need: int) -> None:
    kind, value, _w = _calc(q)
    assert kind == "votes_needed" and value == need


def test_yes_needed_for_a_resolution() -> None:
    kind, value, _w = _calc("支部有表决权的党员29名，表决一件事至少要多少人赞成才算通过")
    assert kind == "yes_needed" and value == 15


def test_resolution_counts_against_expected_not_present() -> None:
    kind, ok, _w = _calc("讨论接收预备党员，有表决权的正式党员应到31人，实到20人，赞成15票，过半了吧，算通过吗")
    assert kind == "resolution" and ok is False  # 15 ≤ 15.5


def test_written_opinions_count_among_the_votes() -> None:
    kind, ok, working = _calc(
        "讨论接收预备党员，应到有表决权党员16名，实到11名，赞成7票；另外2名党员会前交了书面意见，都同意。通过了没有"
    )
    assert kind == "resolution" and ok is True and "9票" in working


def test_written_opinion_against_is_not_a_yes() -> None:
    kind, ok, _w = _calc(
        "讨论接收预备党员，应到有表决权党员16名，实到11名，赞成7票；另外2名党员交了书面意见，表示不同意。通过了吗"
    )
    assert kind == "resolution" and ok is False


def test_branch_needs_three_full_members() -> None:
    kind, ok, working = _calc("新成立的企业里有1个正式党员、2个预备党员，能单独成立党支部吗")
    assert kind == "org_form" and ok is False and "联合党支部" in working and "3人" in working


def test_committee_asked_with_yao_bu_yao() -> None:
    kind, ok, _w = _calc("我们支部5个正式党员加3个预备党员，要不要成立支委会")
    assert kind == "committee" and ok is False


def test_members_after_xian_zai_you() -> None:
    kind, ok, _w = _calc("我们支部党员现在有63个了，能不能成立党总支")
    assert kind == "org_form" and ok is True


def test_target_is_the_organisation_to_set_up_not_the_current_one(rb: RuleBook) -> None:
    case = answer_case(rb, "我们村党员120人，现在是村党总支，能不能成立村党委？需要谁批准？", TODAY)
    assert len(case.parts) == 1  # the approval follow-up is in the calculation's answer
    text = case.text()
    assert text.startswith("可以设基层党委") and "县级" in text


def test_committee_answer_covers_how_many_members(rb: RuleBook) -> None:
    case = answer_case(rb, "支部里有12名正式党员，需要设支部委员会吗？设几个委员合适？", TODAY)
    assert len(case.parts) == 1 and "3至5" in case.text()


def test_joint_branches_cover_at_most_five_units() -> None:
    kind, value, _w = _calc("开发区11家小企业，每家只有1个党员，要建联合党支部，至少得建几个联合党支部")
    assert kind == "joint_count" and value == 3


def test_project_branch_mentions_six_months() -> None:
    calc = calculate("为期一年的工程项目上有5个正式党员，能不能单独成立党支部", TODAY)
    assert calc is not None and calc.value is True
    assert any("6个月" in w for w in calc.warnings)


# ---------------------------------------------------------------- rough figures, given dues, months


@pytest.mark.parametrize(
    ("q", "rate"),
    [("税后五千出头，党费按几个点交", "1.5%"), ("每月到手八千多，党费大概交多少", "1.5%"), ("月薪到手一万多，党费按多少比例", "2%")],
)
def test_rough_base_inside_one_band_gives_the_rate(q: str, rate: str) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.complete and calc.result.startswith(f"按{rate}交")


def test_rough_base_across_two_bands_asks() -> None:
    calc = calculate("税后三千左右，党费交多少", TODAY)
    assert calc is not None and not calc.complete and calc.missing[0].field == "amount"


def test_separate_insurance_items_are_all_deducted() -> None:
    calc = calculate("应发8200，社保700，公积金1000，个税60，党费交多少", TODAY)
    assert calc is not None and calc.value == Decimal("96.60")  # 6440 × 1.5%


def test_annual_salary_uses_this_months_pay() -> None:
    calc = calculate("我是年薪制，年薪40万，这个月实际发了3.2万，党费多少", TODAY)
    assert calc is not None and calc.value == Decimal("640.00")


def test_stated_monthly_dues_times_months() -> None:
    calc = calculate("她每月交党费45元，有4个月没交，补交一共多少", TODAY)
    assert calc is not None and calc.value == Decimal("180.00")


def test_approval_deadline_after_the_branch_meeting() -> None:
    calc = calculate("支部大会2026年9月20日讨论通过转正，上级党委最晚什么时候批", TODAY)
    assert calc is not None and calc.value == date(2026, 12, 20)


def test_term_from_a_month_gives_a_month() -> None:
    calc = calculate("党支部2024年3月选出来的，什么时候换届", TODAY)
    assert calc is not None and calc.value == "2027-03" and "2027年3月" in calc.result


@pytest.mark.parametrize(
    ("q", "kind", "value"),
    [
        ("支部有选举权党员50人，实到41人，选举有效吗", "quorum", True),
        ("应到会有表决权的党员24人，至少到多少人才能开会表决", "vote_min", 12),
        ("应到会35人，实到30人，张三得了16票，当选吗", "elected", True),
    ],
)
def test_present_is_not_read_inside_ying_dao_hui(q: str, kind: str, value: object) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == kind and calc.value == value


def test_payment_every_quarter_is_not_arrears() -> None:
    calc = calculate("我税后6200，党费按季度交，一次交多少", TODAY)
    assert calc is not None and calc.value == Decimal("279.00")
    assert calc.result.startswith("一次交") and not any("脱党" in w for w in calc.warnings)


def test_relative_day_words() -> None:
    calc = calculate("前天支部大会通过了小李为预备党员，他预备期到哪天", TODAY)
    assert calc is not None and calc.value == date(2027, 12, 2)


def test_members_written_after_the_word_dangyuan() -> None:
    calc = calculate("支部党员38人，其中预备党员4人，这次选举要有多少人到会才有效", TODAY)
    assert calc is not None and calc.kind == "quorum_min" and calc.value == 28


@pytest.mark.parametrize(
    ("q", "ok"),
    [("差额选举，应选7名支委，候选人8个行不行", False), ("委员会应选5人，提名6个候选人够不够", True)],
)
def test_proposed_candidates_get_a_verdict(rb: RuleBook, q: str, ok: bool) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.value is ok
    assert answer_case(rb, q, TODAY).text().startswith("够" if ok else "不够")


def test_votes_needed_asked_as_chao_guo_duo_shao() -> None:
    calc = calculate("选举时实到36人，候选人得票要超过多少才当选", TODAY)
    assert calc is not None and calc.value == 19


def test_dues_start_is_the_branch_meeting_not_the_approval() -> None:
    calc = calculate("小张10月8日支部大会通过为预备党员，上级党委11月批的，党费从哪个月开始交", TODAY)
    assert calc is not None and calc.value == date(2026, 10, 8) and "10月" in calc.result


def test_dues_with_pay_also_states_the_start(rb: RuleBook) -> None:
    q = "小吴今年8月20号支部大会通过为预备党员，上级党委10月才批。他税后每月7000，党费从哪个月开始交？每月多少？"
    case = answer_case(rb, q, TODAY)
    assert len(case.parts) == 1
    assert case.text().startswith("每月 105.00 元") and "2026年8月" in case.text()


def test_quarter_months_are_the_base_period_not_arrears() -> None:
    calc = calculate("开网店的个体户党员，上季度三个月纯收入合计13500元，每月党费多少", TODAY)
    assert calc is not None and calc.value == Decimal("45.00")


def test_fixed_status_without_self_reference() -> None:
    calc = calculate("研究生党员一年党费一共交多少钱", TODAY)
    assert calc is not None and "2.40" in calc.result


def test_buzhu_is_an_allowance_not_arrears() -> None:
    from bot.facts.extract import _months_owed

    assert _months_owed("只有学校补助，3个月") is None


def test_follow_up_with_net_pay_is_a_dues_question() -> None:
    calc = calculate("他税后5500，每月多少", TODAY)
    assert calc is not None and calc.value == Decimal("82.50")


def test_votes_needed_asked_without_the_word_elected() -> None:
    calc = calculate("换届大会实到46人，其中2名预备党员，其余都有选举权，候选人至少得多少票？", TODAY)
    assert calc is not None and calc.kind == "votes_needed" and calc.value == 23


def test_units_each_with_members_pool_into_a_joint_branch() -> None:
    calc = calculate("4家小企业各有1名正式党员，能联合起来成立一个联合党支部吗？", TODAY)
    assert calc is not None and calc.kind == "joint" and calc.value is True


def test_committee_is_required_not_merely_allowed(rb: RuleBook) -> None:
    assert answer_case(rb, "支部有11名正式党员，要不要设支部委员会？", TODAY).text().startswith("应当设立")


def test_rough_base_half_a_unit_either_side() -> None:
    calc = calculate("我父亲退休了，退休金五千二左右，党费大概多少", TODAY)
    assert calc is not None and calc.complete and calc.result.startswith("按1%交")
    calc = calculate("退休金五千左右，党费大概多少", TODAY)
    assert calc is not None and not calc.complete  # 4500–5500 straddles the 5000 line


def test_quorum_without_expected_asks_for_it() -> None:
    calc = calculate("我们支部选举实到30人，有效吗", TODAY)
    assert calc is not None and calc.kind == "quorum" and [m.field for m in calc.missing] == ["expected"]


def test_activist_stage_is_not_read_as_ru_dang() -> None:
    calc = calculate("她是今年1月10日被确定为入党积极分子的，什么时候可以被列为发展对象？", TODAY)
    assert calc is not None and calc.inputs["rule"] == "candidate" and calc.value == date(2027, 1, 10)


@pytest.mark.parametrize(
    ("q", "opening"),
    [
        ("入党积极分子是2025年12月20日确定的，现在可以列为发展对象了吗", "不能"),
        ("入党积极分子是2025年11月20日确定的，现在可以列为发展对象了吗", "可以"),
        ("支部委员会2023年12月5日换届的，现在该换届了吗", "未到期"),
        ("支部委员会2023年11月5日换届的，现在该换届了吗", "是"),
    ],
)
def test_now_questions_get_the_verdict_first(rb: RuleBook, q: str, opening: str) -> None:
    assert answer_case(rb, q, TODAY).text().startswith(opening)


def test_discipline_date_asked_as_duo_jiu() -> None:
    calc = calculate("受到警告处分是2026年3月15日，多久以后能提拔", TODAY)
    assert calc is not None and calc.value == date(2027, 3, 15)


def test_annual_income_is_not_the_monthly_base() -> None:
    calc = calculate("税后年收入12万，每月党费交多少", TODAY)
    assert calc is not None and not calc.complete and calc.missing[0].field == "amount"


def test_probationary_inside_expected_are_taken_out() -> None:
    calc = calculate("选举应到40人，其中预备党员3人，实到30人，会议有效吗", TODAY)
    assert calc is not None and calc.kind == "quorum" and calc.value is True  # 37 × 4/5 = 29.6
    assert "29.6" in calc.working


@pytest.mark.parametrize(
    ("q", "opening"),
    [
        ("应到会有选举权的党员40人，实到34人。候选人得了18票，所以他落选了对吧？", "不对"),
        ("应到30人，实到25人，赞成16票，通过了吧？", "对"),
    ],
)
def test_a_stated_verdict_is_checked_against_the_calculation(rb: RuleBook, q: str, opening: str) -> None:
    text = answer_case(rb, q, TODAY).text()
    assert text.startswith(opening) and not text.startswith("对" if opening == "不对" else "不对")


def test_list_markers_are_not_amounts() -> None:
    req = detect("2）集团高管是年薪制，党费按什么基数算", TODAY)
    assert req is None or req.inputs.get("amount") is None


def test_union_fees_are_not_party_dues() -> None:
    assert detect("工会会费也按0.5%交吗？工资6800每月多少", TODAY) is None


def test_a_threshold_stated_as_a_rule_is_not_a_head_count() -> None:
    assert calculate("党员要过100人才能成立党总支对吧？", TODAY) is None


@pytest.mark.parametrize(
    ("q", "ok"),
    [
        ("支部36名党员，其中预备党员4名，选举那天有3个正式党员请假，其余都到了，会议有效吗", True),
        ("支部有正式党员30名，今天选举缺席7人，会议有效吗", False),
    ],
)
def test_absentees_give_those_present(q: str, ok: bool) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == "quorum" and calc.value is ok


def test_full_members_are_not_the_total() -> None:
    calc = calculate("支部有正式党员42人、预备党员6人，换届选举至少要到多少人", TODAY)
    assert calc is not None and calc.value == 34  # 42 × 4/5 = 33.6


def test_each_candidate_against_half_of_those_present() -> None:
    calc = calculate("选支委，实到有选举权的25人，老张得了12票、老李得了14票，谁当选了", TODAY)
    assert calc is not None and calc.value == "老李" and "老张不能当选" in calc.result


@pytest.mark.parametrize(
    ("q", "value"),
    [
        ("今年3月支部大会通过的预备党员，预备期什么时候满", "2027-03"),
        ("去年11月确定的入党积极分子，最早什么时候能列为发展对象", "2026-11"),
    ],
)
def test_a_month_gives_a_month(q: str, value: str) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.value == value


def test_party_age_from_a_month() -> None:
    calc = calculate("2019年6月转正的，到现在党龄几年", TODAY)
    assert calc is not None and calc.value == 7


def test_party_age_same_month_is_not_guessed() -> None:
    calc = calculate("2019年12月转正的，到现在党龄几年", TODAY)
    assert calc is None or not isinstance(calc.value, int)


@pytest.mark.parametrize(
    ("text", "want"),
    [("去年国庆节那天", "去年10月1日那天"), ("五一劳动节", "5月1日"), ("2020年八一", "2020年8月1日"), ("今年元旦", "今年1月1日")],
)
def test_festival_days(text: str, want: str) -> None:
    assert normalize_numbers(text) == want


def test_festival_date_in_a_calculation() -> None:
    calc = calculate("去年国庆节那天支部大会通过的预备党员，预备期到哪天", TODAY)
    assert calc is not None and calc.value == date(2026, 10, 1)


def test_reform_allowance_inside_the_pay_comes_off_the_base() -> None:
    calc = calculate("税后工资8000，其中包括500元通讯补贴，党费多少", TODAY)
    assert calc is not None and calc.value == Decimal("112.50") and "7500" in calc.working


def test_allowance_on_top_of_the_pay_is_left_out() -> None:
    calc = calculate("党员老王月工资税后9500，另外每月有1000元交通补贴，党费多少", TODAY)
    assert calc is not None and calc.value == Decimal("142.50")


@pytest.mark.parametrize(
    ("q", "working"),
    [
        ("支部党员33人，其中预备党员2人，有1名党员正在受留党察看处分，换届时到会有选举权的25人，选举有效吗", "应到30人的4/5是24"),
        ("支部一共40名党员，其中1人留党察看、3人是预备党员，换届到了30个有选举权的，有效不", "应到36人的4/5是28.8"),
        ("支部有党员27名（含预备党员2名），选举时实到22名正式党员，有效吗", "应到25人的4/5是20"),
    ],
)
def test_expected_from_varied_wording(q: str, working: str) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == "quorum" and working in calc.working


def test_written_opinion_told_at_length() -> None:
    q = "表决接收预备党员，应到有表决权的正式党员15名，实到12名，赞成7票，另有1名因病不能参会的党员事先递交书面意见表示赞成，通过了吗"
    calc = calculate(q, TODAY)
    assert calc is not None and calc.value is True and "8票" in calc.working


def test_vote_meeting_note_names_the_vote_not_the_election() -> None:
    calc = calculate("支部30名党员，其中预备党员3人，支部大会表决接收新党员，实到20人，赞成14票，通过吗", TODAY)
    assert calc is not None and "有表决权的27人" in calc.working


def test_threshold_mention_is_not_the_head_count() -> None:
    calc = calculate("党支部现有党员52名，超过50人了，要不要成立党总支", TODAY)
    assert calc is not None and "党员52人" in calc.working


def test_committee_after_probationary_members_convert() -> None:
    calc = calculate("支部有正式党员6名，明年有2名预备党员转正，到时候需要成立支委会吗", TODAY)
    assert calc is not None and calc.value is True


def test_two_members_cannot_form_a_branch_without_asking() -> None:
    calc = calculate("单位里就2个党员，能不能成立党支部", TODAY)
    assert calc is not None and calc.complete and calc.value is False


@pytest.mark.parametrize(
    ("text", "want"),
    [("4千8百", "4800"), ("9千9百9十9", "9999"), ("叁仟伍佰", "3500"), ("1万2", "12000")],
)
def test_digits_with_unit_characters(text: str, want: str) -> None:
    assert normalize_numbers(text) == want


@pytest.mark.parametrize(
    ("q", "start"),
    [("税后七八千，党费按几个点交", "按1.5%交"), ("我月入过万，党费按什么比例", "按2%交，每月 200.00 元以上")],
)
def test_spoken_ranges(q: str, start: str) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.result.startswith(start)


def test_a_graduate_with_pay_is_in_work() -> None:
    calc = calculate("小刘是大学生村官，每月工资税后3500，党费交多少？", TODAY)
    assert calc is not None and calc.value == Decimal("35.00")


def test_raised_pay_is_the_new_base() -> None:
    calc = calculate("他去年税后工资每月9800，今年1月涨到10200，党费交多少？", TODAY)
    assert calc is not None and calc.value == Decimal("204.00")
    assert any("新工资标准" in w for w in calc.warnings)


@pytest.mark.parametrize(
    ("q", "opening"),
    [
        ("入党申请书是2026年11月10日交的，现在支部还没谈话，超期了吗", "没有超期"),
        ("支部10月20日收到入党申请书，到现在还没找他谈话，超期没有", "是，已经超期"),
    ],
)
def test_deadline_questions_say_whether_it_has_passed(rb: RuleBook, q: str, opening: str) -> None:
    assert answer_case(rb, q, TODAY).text().startswith(opening)


@pytest.mark.parametrize(
    ("q", "opening", "figure"),
    [
        ("退休老党员张师傅养老金每月6000，我按在职的标准给他算的1.5%，一个月交90块，没毛病吧？", "不对", "60.00"),
        ("学生党员没工资，我们按每月生活费1500块的0.5%收，一个人交7块5，可以吧？", "不对", "0.20"),
        ("我税后6000，一个月交90块党费，对吧？", "对", "90.00"),
    ],
)
def test_a_stated_dues_amount_is_checked(rb: RuleBook, q: str, opening: str, figure: str) -> None:
    text = answer_case(rb, q, TODAY).text()
    assert text.startswith(opening + ("，" if opening == "不对" else "。")) and figure in text


def test_a_count_claimed_to_be_enough_is_checked(rb: RuleBook) -> None:
    q = "明天换届选举，应到会党员150人，我听说到会超过三分之二、也就是101个人就可以开始选举了吧？"
    text = answer_case(rb, q, TODAY).text()
    assert text.startswith("不对") and "4/5" in text and "121" in text


def test_seats_written_as_she_n_ming_weiyuan() -> None:
    calc = calculate("新一届委员会设7名委员，候选人最少得有几个？", TODAY)
    assert calc is not None and calc.value == 9


def test_a_stated_year_is_checked(rb: RuleBook) -> None:
    assert answer_case(rb, "我们党支部2023年选的，2026年该换届了吧？", TODAY).text().startswith("对")
    assert answer_case(rb, "我们社区党委2023年选的，2026年该换届了吧？", TODAY).text().startswith("不对")


@pytest.mark.parametrize(
    ("q", "ok"),
    [("预备党员表现一般，想延长预备期一年半，行不行？", False), ("给预备党员延长预备期半年可以吗？", True), ("延长3个月预备期可以吗", False)],
)
def test_extension_length_between_half_a_year_and_one_year(q: str, ok: bool) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == "extension_length" and calc.value is ok


@pytest.mark.parametrize(
    ("q", "ok"),
    [
        ("我们支委会5个人，这次开会书记和组织委员到了，另外三个出差了。开会做的决定就有效吧？", False),
        ("支委会7名委员，今天到了4个，开会研究的事情算数吗", True),
    ],
)
def test_committee_meeting_needs_half_its_members(rb: RuleBook, q: str, ok: bool) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == "committee_meeting" and calc.value is ok
    assert answer_case(rb, q, TODAY).text().startswith("能" if ok else "不")


def test_party_age_starts_on_the_stated_full_membership_day() -> None:
    calc = calculate("他2024年3月1日支部大会通过，延长半年预备期后2025年9月1日转正，党龄从哪天算起", TODAY)
    assert calc is not None and calc.value == date(2025, 9, 1) and calc.result.startswith("党龄起算日")


def test_org_form_says_how_many_are_missing() -> None:
    calc = calculate("党员45人，还差几个人可以成立党总支", TODAY)
    assert calc is not None and calc.value is False and "还差5人" in calc.result


@pytest.mark.parametrize(
    "q",
    ["应到会有选举权的党员45人，今天到场38人，选举有效吗", "有选举权党员45名，与会38名，选举能进行吗"],
)
def test_more_words_for_those_present(q: str) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.kind == "quorum" and calc.value is True and "36" in calc.working


@pytest.mark.parametrize(
    ("q", "value"),
    [
        ("上个月20号支部大会通过的预备党员，报上去了，党委最晚哪天要审批", date(2027, 2, 20)),
        ("这个月2号收到入党申请书，最晚哪天谈话", date(2027, 1, 2)),
    ],
)
def test_relative_month_days(q: str, value: date) -> None:
    calc = calculate(q, TODAY)
    assert calc is not None and calc.value == value


def test_each_members_dues_with_their_own_band() -> None:
    calc = calculate("老张退休金4200，老李退休金5600，俩人党费各交多少", TODAY)
    assert calc is not None and calc.complete
    assert calc.result == "老张每月 21.00 元；老李每月 56.00 元"


def test_a_little_over_is_within_a_tenth() -> None:
    calc = calculate("我一个月拿七千出头，扣完税的，党费大概多少？", TODAY)
    assert calc is not None and "7000–7700" in calc.working
