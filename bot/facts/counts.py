"""Head counts against the rules: 支委会, which organisation, election quorum, who is elected,
whether a resolution passes, how many candidates. Exact integer arithmetic: “超过” is strictly
more (33 of 40 exceeds 4/5; 36 of 45 does not), “以上” includes the number itself."""

from __future__ import annotations

from fractions import Fraction

from bot.facts.calc import Calc, Missing, num
from bot.facts.store import fact

ORG_TARGETS = ("党支部", "联合党支部", "党总支", "基层党委", "支委会")


def _frac(value: object) -> Fraction:
    if isinstance(value, list):
        return Fraction(int(value[0]), int(value[1]))
    return Fraction(str(value))


def _bad(calc: Calc, field: str, n: int | None, question: str) -> bool:
    """Adds a Missing for an absent or negative count; True when one was added."""
    if n is None or n < 0:
        calc.missing.append(Missing(field, question))
        return True
    return False


def committee(full: int | None, probationary: int | None = None) -> Calc:
    """Can a branch set up a 支部委员会? Only 正式党员 count (≥7)."""
    calc = Calc(kind="committee", inputs={"full": full, "probationary": probationary})
    if _bad(calc, "full", full, "支部有几名正式党员（预备党员不算）？"):
        return calc
    assert full is not None
    f = fact("org.committee.min_full")
    need = int(f.value)
    calc.cite(f.citation)
    extra = f"（预备党员{probationary}人不计）" if probationary else ""
    if full >= need:
        calc.value = True
        calc.result = "应当设立支委会"
        calc.working = f"正式党员{full}人{extra}，达到{need}人，应当设立支部委员会（委员3至5人，一般不超过7人）"
    else:
        calc.value = False
        calc.result = "不设支委会，设书记1名，必要时设副书记1名"
        calc.working = f"正式党员{full}人{extra}，不足{need}人，还差{need - full}名正式党员"
        if probationary and full + probationary >= need:
            calc.warnings.append(f"预备党员转正后正式党员达到{need}人，就应当设立支委会。")
    if full < int(fact("org.branch.min_full").value):
        calc.warnings.append("正式党员不足3人，不能单独成立党支部，应成立联合党支部。")
        calc.cite(fact("org.joint_branch").citation)
    return calc


def org_form(
    members: int | None,
    full: int | None = None,
    target: str | None = None,
    village: bool = False,
    project: bool = False,
) -> Calc:
    """Which organisation fits: 联合党支部 (<3 正式), 党支部, 党总支 (≥50), 基层党委 (≥100).

    ``members`` counts all members (the 50/100 thresholds say 党员); ``full`` the 正式党员, needed
    only near the 3-member line. ``target`` answers “能成立党总支吗” directly.
    """
    calc = Calc(kind="org_form", inputs={"members": members, "full": full, "target": target})
    if _bad(calc, "members", members, "一共有多少名党员（含预备党员）？"):
        return calc
    assert members is not None
    branch_min = int(fact("org.branch.min_full").value)
    gen = fact("org.general_branch.min")
    base = fact("org.base_committee.min")
    gen_min, base_min = int(gen.value), int(base.value)
    few = members < branch_min and full is None  # even if all were 正式党员, fewer than 3
    if few:
        full = members
    if members < 10 and full is None and target in (None, "党支部", "联合党支部"):
        calc.missing.append(Missing("full", "其中正式党员几人？"))
        return calc
    if full is not None and full < branch_min:
        form = "联合党支部"
        why = f"{'党员只有' if few else '正式党员'}{full}人，正式党员不足{branch_min}人"
        calc.cite(fact("org.joint_branch").citation)
    elif members >= base_min:
        form = "基层党委"
        why = f"党员{members}人，达到{base_min}人"
        calc.cite(base.citation)
    elif members >= gen_min:
        form = "党总支"
        why = f"党员{members}人，达到{gen_min}人、不足{base_min}人"
        calc.cite(gen.citation)
    else:
        form = "党支部"
        why = f"党员{members}人，不足{gen_min}人"
        if full is not None:
            why = f"正式党员{full}人，达到{branch_min}人（党员不足{gen_min}人）"
        calc.cite(fact("org.branch.min_full").citation)
    _org_verdict(calc, form, target, gen_min, base_min)
    calc.working = why + f"，一般设{form}"
    _org_notes(calc, form, village=village, project=project)
    return calc


def _org_verdict(calc: Calc, form: str, target: str | None, gen_min: int, base_min: int) -> None:
    """能成立党总支吗: the organisation asked about against the one the head count gives."""
    rank = {"联合党支部": 0, "党支部": 1, "党总支": 2, "基层党委": 3}
    if target in rank and target != form:
        ok = rank[target] < rank[form] and target != "联合党支部"
        calc.value = ok
        if ok:
            calc.result = f"可以设{target}（人数已够设{form}）"
            return
        calc.result = f"按人数一般设{form}，不够设{target}"
        below = {"党总支": (gen_min, "党总支"), "基层党委": (base_min, "党委")}.get(str(target))
        members = calc.inputs.get("members")
        if below and isinstance(members, int) and members < below[0]:
            calc.result += f"，还差{below[0] - members}人"
        if below:
            calc.warnings.append(f"不足{below[0]}人因工作需要，经上级党组织批准也可以设立{below[1]}。")
    elif target:
        calc.value = True
        calc.result = f"可以设{form}"
    else:
        calc.value = form
        calc.result = f"按人数一般设{form}"


def _org_notes(calc: Calc, form: str, *, village: bool, project: bool) -> None:
    """The approval and the special cases: a 6-month project, a village's own 党委."""
    if project and form != "联合党支部":
        p = fact("org.project_branch")
        calc.warnings.append(f"为期{p.value}个月以上的工程、工作项目等，符合条件的应当成立党支部。")
        calc.cite(p.citation)
    if village and form == "基层党委":
        v = fact("org.village_committee")
        calc.warnings.append(
            f"村党员{v.value}人以上，根据工作需要，经县级地方党委批准，可以成立党的基层委员会。"
        )
        calc.cite(v.citation)
    calc.warnings.append("成立党组织都要经上级党组织批准；机关、村、企业各有条例，口径相近。")


def quorum(expected: int | None, present: int | None) -> Calc:
    """Election meeting valid? 有选举权的到会人数 must exceed 4/5 of 应到会人数 (strictly)."""
    calc = Calc(kind="quorum", inputs={"expected": expected, "present": present})
    _bad(calc, "expected", expected, "应到会有选举权的党员是多少人？")
    _bad(calc, "present", present, "实际到会的有选举权党员是多少人？")
    if calc.missing:
        return calc
    assert expected is not None and present is not None
    f = fact("election.quorum")
    share = _frac(f.value)
    line = expected * share
    need = int(line) + 1  # smallest integer strictly above the line
    calc.cite(f.citation)
    calc.cite(fact("election.voting_rights").citation)
    if present > expected:
        calc.warnings.append("实到人数多于应到人数，请核对。")
    ok = present > line
    calc.value = ok
    verdict = "超过" if ok else ("等于，不超过" if present == line else "不到")
    calc.result = "会议有效，可以选举" if ok else "会议无效，不能进行选举"
    calc.working = (
        f"应到{expected}人的{share.numerator}/{share.denominator}是{num(_dec(line))}，"
        f"实到{present}人{verdict}，至少要到{need}人"
    )
    if present == line:
        calc.warnings.append("条例要求“超过”4/5；正好等于有不同说法，请向上级组织部门确认。")
    calc.warnings.append("应到人数只算有选举权的正式党员：预备党员、留党察看期间的党员不算。")
    return calc


def _dec(x: Fraction) -> float | int:
    return int(x) if x.denominator == 1 else float(x)


def elected(votes: int | None, present: int | None, expected: int | None = None) -> Calc:
    """Elected? 赞成票 must exceed half of 实到会有选举权的人数 (基层组织)."""
    calc = Calc(kind="elected", inputs={"votes": votes, "present": present, "expected": expected})
    _bad(calc, "votes", votes, "他得了多少张赞成票？")
    _bad(calc, "present", present, "实际到会的有选举权党员是多少人？")
    if calc.missing:
        return calc
    assert votes is not None and present is not None
    f = fact("election.elected")
    calc.cite(f.citation)
    half = Fraction(present, 2)
    ok = votes > half
    calc.value = ok
    if ok:
        calc.result = "当选"
        calc.working = f"实到会有选举权的{present}人，一半是{num(_dec(half))}，{votes}票超过半数，当选"
    else:
        calc.result = "不能当选"
        how = "等于半数" if votes == half else "没有超过半数"
        calc.working = f"实到会有选举权的{present}人，一半是{num(_dec(half))}，{votes}票{how}，不能当选"
    if votes > present:
        calc.warnings.append("票数多于实到人数，请核对。")
    if ok:
        calc.warnings.append("超过半数的人多于应选名额时，按得票多少取足名额。")
    if expected is not None:
        q = quorum(expected, present)
        if q.complete and q.value is False:
            calc.warnings.append(f"但会议本身无效：{q.working}。")
            for c in q.citations:
                calc.cite(c)
    return calc


def resolution(
    yes: int | None, expected: int | None, present: int | None = None, written: int = 0
) -> Calc:
    """党员大会表决: 赞成 must exceed half of 应到会有表决权的党员 (not of those present).

    ``written``: absent members' 书面意见 in favour, handed in before the meeting; they count
    among the votes (发展党员工作细则) but not among those present."""
    calc = Calc(
        kind="resolution",
        inputs={"yes": yes, "expected": expected, "present": present, "written": written},
    )
    _bad(calc, "yes", yes, "赞成的有多少人？")
    _bad(calc, "expected", expected, "应到会有表决权的正式党员是多少人？")
    if calc.missing:
        return calc
    assert yes is not None and expected is not None
    f = fact("org.branch_meeting.pass")
    calc.cite(f.citation)
    half = Fraction(expected, 2)
    if present is not None and Fraction(present) < half:
        calc.value = False
        calc.result = "不能表决：到会不足半数"
        calc.working = (
            f"应到{expected}人的一半是{num(_dec(half))}，实到{present}人不足半数，不能进行表决"
        )
        return calc
    total = yes + written
    ok = total > half
    calc.value = ok
    calc.result = "通过" if ok else "未通过"
    how = (
        "超过半数，通过"
        if ok
        else ("等于半数，未通过" if total == half else "没有超过半数，未通过")
    )
    votes = f"赞成{total}票（到会{yes}票＋书面意见{written}票）" if written else f"赞成{yes}人"
    calc.working = f"应到{expected}人的一半是{num(_dec(half))}，{votes}{how}"
    if written:
        calc.cite(fact("election.written_opinion").citation)
    calc.warnings.append("基数是应到会有表决权的正式党员，不是实到人数；预备党员没有表决权。")
    return calc


def candidates(seats: int | None, proposed: int | None = None) -> Calc:
    """Least number of 委员候选人 for ``seats``: 差额不少于应选人数的20%, rounded up; with
    ``proposed`` candidates, whether that many is enough."""
    calc = Calc(kind="candidates", inputs={"seats": seats, "proposed": proposed})
    if _bad(calc, "seats", seats, "这次应选几名委员？"):
        return calc
    assert seats is not None
    f = fact("election.candidate_margin")
    calc.cite(f.citation)
    margin = Fraction(str(f.value)) * seats
    extra = -(-margin.numerator // margin.denominator)  # ceiling
    calc.value = seats + extra
    calc.result = f"候选人至少 {seats + extra} 人"
    calc.working = (
        f"{seats} × 20% = {num(_dec(margin))}，差额至少{extra}人，{seats}+{extra}={seats + extra}"
    )
    if proposed is not None:
        ok = proposed >= seats + extra
        calc.value = ok
        calc.result = (
            f"够：候选人至少 {seats + extra} 人，{proposed}人符合差额要求"
            if ok
            else f"不够：候选人至少 {seats + extra} 人，{proposed}人达不到差额20%的要求"
        )
    return calc


def quorum_needed(expected: int | None) -> Calc:
    """The fewest voters present for a valid election: strictly more than 4/5 of 应到."""
    calc = Calc(kind="quorum_min", inputs={"expected": expected})
    if _bad(calc, "expected", expected, "应到会有选举权的党员是多少人？"):
        return calc
    assert expected is not None
    f = fact("election.quorum")
    share = _frac(f.value)
    line = expected * share
    need = int(line) + 1
    calc.cite(f.citation)
    calc.value = need
    calc.result = f"至少要到 {need} 人"
    calc.working = (
        f"应到{expected}人的{share.numerator}/{share.denominator}是{num(_dec(line))}，"
        f"有选举权的到会人数须超过{num(_dec(line))}，即至少{need}人"
    )
    calc.warnings.append("应到人数只算有选举权的正式党员：预备党员、留党察看期间的党员不算。")
    return calc


def attend_needed(expected: int | None) -> Calc:
    """党员大会表决: at least half of those with a vote must attend."""
    calc = Calc(kind="vote_min", inputs={"expected": expected})
    if _bad(calc, "expected", expected, "应到会有表决权的正式党员是多少人？"):
        return calc
    assert expected is not None
    f = fact("org.branch_meeting.quorum")
    calc.cite(f.citation)
    half = Fraction(expected, 2)
    need = -(-half.numerator // half.denominator)
    calc.value = need
    calc.result = f"至少要到 {need} 人才能表决"
    calc.working = (
        f"应到{expected}人的一半是{num(_dec(half))}，须有半数以上有表决权的党员到会，即至少{need}人；"
        f"赞成票还须超过{num(_dec(half))}人"
    )
    return calc


def vote_quorum(expected: int | None, present: int | None) -> Calc:
    """党员大会 deciding by vote: at least half of those with a vote must be present."""
    calc = Calc(kind="vote_quorum", inputs={"expected": expected, "present": present})
    _bad(calc, "expected", expected, "应到会有表决权的正式党员是多少人？")
    _bad(calc, "present", present, "实际到会的有表决权党员是多少人？")
    if calc.missing:
        return calc
    assert expected is not None and present is not None
    f = fact("org.branch_meeting.quorum")
    calc.cite(f.citation)
    half = Fraction(expected, 2)
    need = -(-half.numerator // half.denominator)
    ok = Fraction(present) >= half
    calc.value = ok
    calc.result = "可以表决" if ok else "不能表决：到会不足半数"
    calc.working = (
        f"应到{expected}人的半数是{num(_dec(half))}，须有半数以上有表决权的党员到会（至少{need}人），"
        f"实到{present}人{'够' if ok else '不够'}；赞成票还须超过应到会人数的半数"
    )
    return calc


def joint(units: list[int]) -> Calc:
    """Several small units pooling their 正式党员 into one 联合党支部."""
    calc = Calc(kind="joint", inputs={"units": units})
    if not units:
        calc.missing.append(Missing("units", "每个单位各有几名正式党员？"))
        return calc
    need = int(fact("org.branch.min_full").value)
    total = sum(units)
    f = fact("org.joint_branch")
    calc.cite(f.citation)
    calc.cite(fact("org.branch.min_full").citation)
    parts = "+".join(str(u) for u in units)
    small = [u for u in units if u < need]
    if total >= need and len(units) <= 5:
        calc.value = True
        calc.result = "可以，成立联合党支部"
        calc.working = (
            f"正式党员{parts}={total}人，达到{need}人；"
            + (f"各单位不足{need}人不能单独成立，" if small else "")
            + "可按地域相邻、行业相近的原则联合成立联合党支部（一般不超过5个单位）"
        )
    else:
        calc.value = False
        calc.result = "不能，人数或单位数不符合"
        why = f"合计{total}人，不足{need}人" if total < need else f"{len(units)}个单位，超过5个"
        calc.working = f"正式党员{parts}人，{why}"
    calc.warnings.append("成立联合党支部要经上级党组织批准。")
    return calc


def votes_needed(present: int | None, probationary_present: int = 0) -> Calc:
    """The fewest yes-votes to be elected: more than half of 实到会有选举权的人数."""
    calc = Calc(kind="votes_needed", inputs={"present": present, "probationary": probationary_present})
    if _bad(calc, "present", present, "实际到会的有选举权党员是多少人？"):
        return calc
    assert present is not None
    voters = present - probationary_present
    f = fact("election.elected")
    calc.cite(f.citation)
    half = Fraction(voters, 2)
    need = int(half) + 1
    calc.value = need
    calc.result = f"至少要 {need} 票才能当选"
    head = (
        f"到会{present}人减去没有选举权的预备党员{probationary_present}人，有选举权的实到{voters}人，"
        if probationary_present
        else f"有选举权的实到{voters}人，"
    )
    calc.working = head + f"一半是{num(_dec(half))}，赞成票须超过半数，即至少{need}票"
    if probationary_present:
        calc.cite(fact("election.voting_rights").citation)
    return calc


def yes_needed(expected: int | None) -> Calc:
    """The fewest yes-votes for a 党员大会 resolution: more than half of 应到会有表决权的党员."""
    calc = Calc(kind="yes_needed", inputs={"expected": expected})
    if _bad(calc, "expected", expected, "应到会有表决权的正式党员是多少人？"):
        return calc
    assert expected is not None
    f = fact("org.branch_meeting.pass")
    calc.cite(f.citation)
    half = Fraction(expected, 2)
    need = int(half) + 1
    calc.value = need
    calc.result = f"至少要 {need} 人赞成才能通过"
    calc.working = (
        f"有表决权的{expected}人的一半是{num(_dec(half))}，赞成票须超过应到会人数的半数，即至少{need}票（{need}人）；"
        f"到会也须过半数"
    )
    return calc


def joint_count(units: int | None) -> Calc:
    """How many 联合党支部 ``units`` small units need at least: one covers 一般不超过5个单位."""
    calc = Calc(kind="joint_count", inputs={"units": units})
    if _bad(calc, "units", units, "一共有几个单位？"):
        return calc
    assert units is not None
    f = fact("org.joint_branch")
    calc.cite(f.citation)
    cover = 5
    need = -(-units // cover)
    calc.value = need
    calc.result = f"至少建 {need} 个联合党支部"
    calc.working = (
        f"联合党支部覆盖单位一般不超过{cover}个：{units}个单位 ÷ {cover}，向上取整为{need}个；"
        f"每个联合党支部正式党员须达到{int(fact('org.branch.min_full').value)}人"
    )
    calc.warnings.append("成立联合党支部要经上级党组织批准，按地域相邻、行业相近、规模适当、便于管理的原则组建。")
    return calc


def elected_each(votes: list[tuple[str, int]], present: int | None) -> Calc:
    """Several candidates' yes-votes against half of 实到会有选举权的人数: who is elected."""
    calc = Calc(kind="elected_each", inputs={"votes": votes, "present": present})
    if _bad(calc, "present", present, "实际到会的有选举权党员是多少人？"):
        return calc
    assert present is not None
    calc.cite(fact("election.elected").citation)
    half = Fraction(present, 2)
    won = [name for name, n in votes if n > half]
    lost = [name for name, n in votes if n <= half]
    calc.value = "、".join(won)
    calc.result = (f"{'、'.join(won)}当选" if won else "都没有当选") + (
        f"；{'、'.join(lost)}不能当选" if won and lost else ""
    )
    each = "，".join(f"{name}{n}票{'超过' if n > half else '没有超过'}" for name, n in votes)
    calc.working = f"实到会有选举权的{present}人，一半是{num(_dec(half))}：{each}"
    if len(won) > 1:
        calc.warnings.append("超过半数的人多于应选名额时，按得票多少取足名额。")
    return calc


def committee_meeting(members: int | None, present: int | None) -> Calc:
    """支委会会议: at least half of the committee members (半数以上, 含本数) must attend."""
    calc = Calc(kind="committee_meeting", inputs={"members": members, "present": present})
    _bad(calc, "members", members, "支委会一共有几名委员？")
    _bad(calc, "present", present, "这次到会的委员有几人？")
    if calc.missing:
        return calc
    assert members is not None and present is not None
    f = fact("org.committee_meeting.quorum")
    calc.cite(f.citation)
    half = Fraction(members, 2)
    need = -(-half.numerator // half.denominator)
    ok = present >= half
    calc.value = ok
    calc.result = "会议有效，可以作决定" if ok else "不能：到会委员不到半数，会议不能进行"
    calc.working = (
        f"支委会{members}名委员，须有半数以上（至少{need}名）委员到会，"
        f"这次到了{present}名，{'够' if ok else '不够'}"
    )
    if not ok:
        calc.warnings.append("书记在场也不行，作出的决定无效；应另行召集，或提交党员大会讨论。")
    return calc


def extension_length(months: int | None) -> Calc:
    """延长预备期 of ``months``: no less than half a year, no more than one year."""
    calc = Calc(kind="extension_length", inputs={"months": months})
    if _bad(calc, "months", months, "打算延长多长时间？"):
        return calc
    assert months is not None
    f = fact("fazhan.extension.months")
    low, high = (int(v) for v in f.value)
    calc.cite(f.citation)
    ok = low <= months <= high
    calc.value = ok
    span = f"{months}个月" if months % 6 else ("半年" if months == 6 else f"{months // 12}年" if months % 12 == 0 else "1年半")
    calc.result = f"可以延长{span}" if ok else f"不能延长{span}"
    calc.working = f"延长预备期最短半年（{low}个月）、最长不超过1年（{high}个月），只能延长一次；{span}{'在' if ok else '不在'}这个范围内"
    return calc
