"""Chinese schedule phrases → recurrences → holiday-aware meeting dates, and .ics export.

Why it is built this way:

- Branches state their rules in words ("每月第一个周五，遇节假日顺延"). We accept a small, closed
  grammar and reject anything else with examples: a guessed meeting date is worse than an error.
- Base dates come from dateutil's ``rrule`` (RFC 5545 semantics), so a month without a fifth
  Friday simply has no date. We never invent one; the skipped months are reported on the next
  occurrence instead.
- Working days follow China's official calendar (chinese-calendar, including 调休 make-up
  workdays on weekends). For a year the State Council has not published yet (the notice usually
  appears in November), we fall back to weekends plus the statutory holidays computable by rule
  (the ``holidays`` package) and mark every such date 待国务院公布.
- The expensive parts are cached per (rule, year) and per day, because thousands of chats share
  the same few rules; a year of dates for every schedule must stay cheap.
"""

from __future__ import annotations

import calendar as pycalendar
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from itertools import islice
from typing import NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar
import cn2an
import holidays as pyholidays
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule
from icalendar import Alarm, Calendar, Event, Timezone

from bot.config import DEFAULT_TZ

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_RR_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_RR_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CN_ORDINAL = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)
#: How far ahead we look for occurrences before giving up (a 2月29日 rule needs 4 years per date).
MAX_YEARS_AHEAD = 120


class HolidayPolicy(StrEnum):
    """What to do when a meeting date falls on a day off."""

    POSTPONE = "顺延"  # next working day
    ADVANCE = "提前"  # previous working day
    KEEP = "不调整"


POLICY_PHRASES = {
    HolidayPolicy.POSTPONE: "遇节假日顺延",
    HolidayPolicy.ADVANCE: "遇节假日提前",
    HolidayPolicy.KEEP: "节假日不调整",
}

SUPPORTED_FORMS = (
    "每月15日（或 每月15号）",
    "每月第一个周五（周/星期/礼拜均可，第一至第五个）",
    "每月最后一个周四",
    "每月第三个工作日、每月最后一个工作日",
    "每季度首月10日、每季度首月第一个周三",
    "每年7月1日、每年12月第二个周五",
    "每周一",
)

RULE_HELP = (
    "支持的写法：\n"
    + "\n".join(f"· {form}" for form in SUPPORTED_FORMS)
    + "\n可在后面加“遇节假日顺延”“遇节假日提前”或“不调整”（默认顺延），"
    "也可加开会时间，如“14:30”“下午3点”。"
)


class RuleError(ValueError):
    """A phrase we do not understand; ``str(exc)`` is the Chinese message shown to the user."""


# --- China's working-day calendar ------------------------------------------------------------

_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class DayInfo:
    """One calendar day as the branch sees it."""

    workday: bool
    holiday: str | None  # name of the public holiday when the day is off because of it
    makeup: str | None  # name of the holiday when a weekend day is a 调休 make-up workday
    official: bool  # False: the year is not published yet, this is a rule-based estimate


@lru_cache(maxsize=1)
def official_years() -> frozenset[int]:
    """Years the installed chinese-calendar has official State Council data for."""
    return frozenset(d.year for d in chinese_calendar.constants.holidays)


def _cc_name(value: object) -> str:
    raw = str(getattr(value, "value", value))
    return _CC_NAMES.get(raw, raw)


@lru_cache(maxsize=256)
def _estimated_holidays(year: int) -> dict[date, str]:
    """Statutory holidays computable by rule, for years without official data (never raises)."""
    try:
        data = pyholidays.country_holidays("CN", years=year, language="zh_CN")
    except Exception:  # an unsupported year or locale must not break scheduling
        return {}
    return {d: re.sub(r"（.*?）|\(.*?\)", "", name).strip() or name for d, name in data.items()}


@lru_cache(maxsize=32768)
def day_info(d: date) -> DayInfo:
    """Working day or not, and why. Official data where published, an estimate elsewhere."""
    if d.year in official_years():
        makeup = chinese_calendar.constants.workdays.get(d)
        if makeup is not None:
            return DayInfo(True, None, _cc_name(makeup), True)
        holiday = chinese_calendar.constants.holidays.get(d)
        if holiday is not None:
            return DayInfo(False, _cc_name(holiday), None, True)
        return DayInfo(d.weekday() < 5, None, None, True)
    name = _estimated_holidays(d.year).get(d)
    if name:
        return DayInfo(False, name, None, False)
    return DayInfo(d.weekday() < 5, None, None, False)


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recurrence:
    """The date part of a rule, independent of holidays.

    Exactly one day selector is set: ``monthday`` (1..31, -1 = last day), ``weekday`` + ``nth``
    (nth 1..5, -1 = last; nth None with ``weekly``), or ``workday_nth`` (the Nth official working
    day of the month, -1 = last). ``months`` limits the months (empty = every month).
    """

    months: tuple[int, ...] = ()
    weekly: bool = False
    monthday: int | None = None
    weekday: int | None = None
    nth: int | None = None
    workday_nth: int | None = None

    @property
    def period_phrase(self) -> str:
        if self.weekly:
            return "每周"
        if not self.months:
            return "每月"
        if self.months == QUARTER_FIRST_MONTHS:
            return "每季度首月"
        return "每年" + "、".join(str(m) for m in self.months) + "月"

    @property
    def day_phrase(self) -> str:
        """The day selector in words: 15日, 第一个周五, 最后一个工作日."""
        if self.weekly and self.weekday is not None:
            return WEEKDAY_NAMES[self.weekday][1:]
        if self.workday_nth is not None:
            return (
                "最后一个工作日" if self.workday_nth < 0 else f"第{_cn(self.workday_nth)}个工作日"
            )
        if self.monthday is not None:
            return "最后一天" if self.monthday < 0 else f"{self.monthday}日"
        assert self.weekday is not None and self.nth is not None
        which = "最后一个" if self.nth < 0 else f"第{_cn(self.nth)}个"
        return which + WEEKDAY_NAMES[self.weekday]

    @property
    def phrase(self) -> str:
        return self.period_phrase + self.day_phrase

    @property
    def may_skip(self) -> bool:
        """True when some months have no such day (5th weekday, 29–31日, a late working day)."""
        return (
            (self.monthday or 0) >= 29 or self.nth == 5 or (self.workday_nth or 0) > 16
        ) and not self.weekly

    @property
    def rrule_text(self) -> str:
        """RFC 5545 RRULE for reference. Working-day rules are written as Mon–Fri + BYSETPOS;
        the official calendar (holidays, 调休 weekend workdays) is applied on top of it."""
        freq = "WEEKLY" if self.weekly else "YEARLY" if len(self.months) == 1 else "MONTHLY"
        parts = [f"FREQ={freq}"]
        if self.months:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.months))
        if self.weekly and self.weekday is not None:
            parts.append(f"BYDAY={_RR_CODES[self.weekday]}")
        elif self.workday_nth is not None:
            parts.append(f"BYDAY=MO,TU,WE,TH,FR;BYSETPOS={self.workday_nth}")
        elif self.monthday is not None:
            parts.append(f"BYMONTHDAY={self.monthday}")
        elif self.weekday is not None and self.nth is not None:
            parts.append(f"BYDAY={self.nth:+d}{_RR_CODES[self.weekday]}")
        return ";".join(parts)

    def base_rrule(self, start: date, until: date) -> rrule:
        """Base dates in [start, until]; for working-day rules, the first of each month."""
        dtstart = datetime.combine(start, time())
        end = datetime.combine(until, time())
        bymonth = self.months or None
        if self.weekly:
            return rrule(WEEKLY, dtstart=dtstart, until=end, byweekday=self.weekday)
        if self.workday_nth is not None:
            return rrule(MONTHLY, dtstart=dtstart, until=end, bymonth=bymonth, bymonthday=1)
        if self.monthday is not None:
            return rrule(
                MONTHLY, dtstart=dtstart, until=end, bymonth=bymonth, bymonthday=self.monthday
            )
        assert self.weekday is not None and self.nth is not None
        byweekday = _RR_WEEKDAYS[self.weekday](self.nth)
        return rrule(MONTHLY, dtstart=dtstart, until=end, bymonth=bymonth, byweekday=byweekday)


@dataclass(frozen=True)
class Rule:
    """A parsed schedule rule: recurrence + holiday policy (+ optional meeting time)."""

    text: str
    recurrence: Recurrence
    policy: HolidayPolicy
    meeting_time: time | None = None

    @property
    def canonical(self) -> str:
        """Normalised wording; parsing it again gives the same rule (stored in the database)."""
        out = self.recurrence.phrase
        if self.recurrence.workday_nth is None:
            out += "，" + POLICY_PHRASES[self.policy]
        if self.meeting_time is not None:
            out += f" {self.meeting_time:%H:%M}"
        return out

    @property
    def rrule_text(self) -> str:
        return self.recurrence.rrule_text

    @property
    def skip_warning(self) -> str:
        """A line to show when some months have no date under this rule ('' otherwise)."""
        if not self.recurrence.may_skip:
            return ""
        return f"注意：有的月份没有{self.recurrence.day_phrase}，这些月份不安排。"


_NUM = r"(?:[0-9]{1,2}|[零〇一二两三四五六七八九十廿]{1,4})"
_WD = r"[一二三四五六日1-7]"
_PERIOD = (
    r"(?P<p_month>每月)"
    r"|(?P<p_quarter>每季度(?:第一个月|第1个月|首月|第一月|头一个月|首个月))"
    rf"|每年(?P<p_year>{_NUM})月"
)
_DAY = (
    rf"(?P<d_md>{_NUM})日"
    r"|(?P<d_lastday>最后一天|最后1天|月底|月末)"
    rf"|第(?P<d_nth>{_NUM})个?周(?P<d_wd>{_WD})"
    rf"|最后[一1]?个?周(?P<d_lwd>{_WD})"
    rf"|第(?P<d_wn>{_NUM})个?工作日"
    r"|(?P<d_lwn>最后[一1]?个?工作日)"
)
_CORE_RE = re.compile(rf"(?:{_PERIOD})(?:{_DAY})")
_WEEKLY_RE = re.compile(rf"每周(?P<w>{_WD})")
_POLICY_RE = re.compile(
    r"[,;。、]?\(?(?:如|若)?(?:遇到?|逢)?(?:法定)?(?:节假日|节日|假日|假期|休息日|放假|周末)?"
    r"(?:则|就)?(?P<kw>往后顺延|向后顺延|顺延|延后|推迟|后延|往前提前|向前提前|提前|"
    r"不调整|不顺延|不变|照常)"
    r"(?:至|到)?(?:下一个|下个|后一个|前一个|上一个|最近的?)?(?:工作日)?(?:举行|召开|进行|开展)?\)?"
)
_POLICY_WORDS = {
    "往后顺延": HolidayPolicy.POSTPONE,
    "向后顺延": HolidayPolicy.POSTPONE,
    "顺延": HolidayPolicy.POSTPONE,
    "延后": HolidayPolicy.POSTPONE,
    "推迟": HolidayPolicy.POSTPONE,
    "后延": HolidayPolicy.POSTPONE,
    "往前提前": HolidayPolicy.ADVANCE,
    "向前提前": HolidayPolicy.ADVANCE,
    "提前": HolidayPolicy.ADVANCE,
    "不调整": HolidayPolicy.KEEP,
    "不顺延": HolidayPolicy.KEEP,
    "不变": HolidayPolicy.KEEP,
    "照常": HolidayPolicy.KEEP,
}
_CLOCK_RE = re.compile(
    rf"(?P<ampm>上午|早上|中午|下午|晚上)?(?:(?P<h>[0-9]{{1,2}}):(?P<m>[0-9]{{2}})"
    rf"|(?P<h2>{_NUM})点(?:(?P<half>半)|(?P<m2>{_NUM})分?)?)"
)
_REPLACEMENTS = (
    ("星期", "周"),
    ("礼拜", "周"),
    ("每一个月", "每月"),
    ("每个月", "每月"),
    ("每个周", "每周"),
    ("每一个季度", "每季度"),
    ("每个季度", "每季度"),
    ("每一季度", "每季度"),
    ("号", "日"),
    ("周天", "周日"),
    ("周七", "周日"),
    ("的", ""),
    ("最後", "最后"),
    ("倒数第一个", "最后一个"),
)


def _cn(n: int) -> str:
    return _CN_ORDINAL.get(n) or str(cn2an.an2cn(n))


def _num(text: str) -> int:
    """Arabic or Chinese numerals (十五, 二十一, 廿三, 两) → int."""
    if text.isdigit():
        return int(text)
    try:
        return int(cn2an.cn2an(text.replace("廿", "二十"), "smart"))
    except (ValueError, KeyError) as exc:
        raise RuleError(f"无法识别数字“{text}”。\n{RULE_HELP}") from exc


def _weekday(ch: str) -> int:
    if ch.isdigit():
        return (int(ch) - 1) % 7
    return "一二三四五六日".index(ch)


def _clock(m: re.Match[str]) -> time:
    if m.group("h") is not None:
        hour, minute = int(m.group("h")), int(m.group("m"))
    else:
        hour = _num(m.group("h2"))
        minute = 30 if m.group("half") else (_num(m.group("m2")) if m.group("m2") else 0)
    ampm = m.group("ampm")
    if (ampm in ("下午", "晚上") and hour < 12) or (ampm == "中午" and hour < 6):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise RuleError(f"时间“{m.group(0)}”不对，请写成 24 小时制，如 14:30。")
    return time(hour, minute)


def parse_clock(text: str) -> time:
    """'9:00', '09:00', '下午3点', '上午9点半', '18点30分' → time. Raises RuleError."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    m = _CLOCK_RE.fullmatch(s)
    if not m:
        raise RuleError(f"无法识别时间“{text}”，请写成 24 小时制，如 09:00、14:30。")
    return _clock(m)


def _normalize(text: str) -> str:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    for old, new in _REPLACEMENTS:
        s = s.replace(old, new)
    return s


def _extract_policy(s: str) -> tuple[str, HolidayPolicy | None]:
    found = {_POLICY_WORDS[m.group("kw")] for m in _POLICY_RE.finditer(s)}
    if len(found) > 1:
        raise RuleError("节假日处理写了两种（顺延/提前/不调整只能选一种），请重新输入。")
    return _POLICY_RE.sub("", s), (found.pop() if found else None)


def _extract_time(s: str) -> tuple[str, time | None]:
    matches = list(_CLOCK_RE.finditer(s))
    if not matches:
        return s, None
    if len(matches) > 1:
        raise RuleError("开会时间只能写一个，如“14:30”。")
    m = matches[0]
    return s[: m.start()] + s[m.end() :], _clock(m)


def _max_day(months: Sequence[int]) -> int:
    """The largest day-of-month that exists in at least one of the months (leap years count)."""
    return max(29 if m == 2 else pycalendar.monthrange(2001, m)[1] for m in months)


def _core(s: str) -> Recurrence:
    m = _WEEKLY_RE.fullmatch(s)
    if m:
        return Recurrence(weekly=True, weekday=_weekday(m.group("w")))
    m = _CORE_RE.fullmatch(s)
    if not m:
        raise RuleError("")
    months: tuple[int, ...] = ()
    if m.group("p_quarter"):
        months = QUARTER_FIRST_MONTHS
    elif m.group("p_year"):
        month = _num(m.group("p_year"))
        if not 1 <= month <= 12:
            raise RuleError(f"月份应在 1–12 之间，收到“{m.group('p_year')}月”。")
        months = (month,)
    if m.group("d_md"):
        day = _num(m.group("d_md"))
        if not 1 <= day <= _max_day(months or range(1, 13)):
            if months:
                raise RuleError(f"{'、'.join(f'{x}月' for x in months)}没有{day}日，请检查日期。")
            raise RuleError(f"一个月最多31天，没有{day}日，请检查日期。")
        return Recurrence(months=months, monthday=day)
    if m.group("d_lastday"):
        return Recurrence(months=months, monthday=-1)
    if m.group("d_nth"):
        nth = _num(m.group("d_nth"))
        if not 1 <= nth <= 5:
            raise RuleError("一个月里同一个星期几最多有 5 个，请写第一到第五个，或“最后一个”。")
        return Recurrence(months=months, weekday=_weekday(m.group("d_wd")), nth=nth)
    if m.group("d_lwd"):
        return Recurrence(months=months, weekday=_weekday(m.group("d_lwd")), nth=-1)
    if m.group("d_wn"):
        n = _num(m.group("d_wn"))
        if not 1 <= n <= 23:
            raise RuleError("一个月最多约 23 个工作日，请写第 1 到第 23 个，或“最后一个工作日”。")
        return Recurrence(months=months, workday_nth=n)
    return Recurrence(months=months, workday_nth=-1)


@lru_cache(maxsize=4096)
def parse_rule(text: str, default_policy: HolidayPolicy = HolidayPolicy.POSTPONE) -> Rule:
    """Parse a Chinese rule phrase. Raises RuleError (Chinese message with examples) if unknown.

    The holiday policy written in the phrase wins over ``default_policy``; working-day rules
    never need shifting, so their policy is always 不调整.
    """
    raw = (text or "").strip()
    if not raw:
        raise RuleError(f"请写出会议日期规则。\n{RULE_HELP}")
    s = _normalize(raw)
    s, policy = _extract_policy(s)
    s, meeting_time = _extract_time(s)
    s = re.sub(r"[,;。、()（）\-—~·:]", "", s)
    s = re.sub(r"(?:举行|召开|开展|开会|进行|活动)$", "", s)
    try:
        rec = _core(s)
    except RuleError as exc:
        detail = str(exc)
        raise RuleError(detail or f"无法识别“{raw}”。\n{RULE_HELP}") from None
    if rec.workday_nth is not None:
        policy = HolidayPolicy.KEEP
    return Rule(raw, rec, policy or default_policy, meeting_time)


# --- occurrences -------------------------------------------------------------------------------


def fmt_date(d: date) -> str:
    """2026年1月4日（周日）"""
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAY_NAMES[d.weekday()]}）"


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


_Date = date  # the Occurrence.date field shadows the type inside the class body


@dataclass(frozen=True)
class Occurrence:
    """One meeting date with the story behind it."""

    date: _Date
    original_date: _Date  # the rule's date before holiday shifting
    shifted: bool
    reason: str  # why it moved, or a holiday note when it did not ('' when nothing to say)
    provisional: bool  # the holiday calendar for its year is not published yet
    skipped: tuple[str, ...] = ()  # months just before this one that have no date, '2026年2月'
    skip_note: str = ""

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]

    @property
    def provisional_note(self) -> str:
        if not self.provisional:
            return ""
        years = sorted({self.original_date.year, self.date.year} - official_years())
        label = "、".join(f"{y}年" for y in years) or f"{self.date.year}年"
        return f"{label}节假日安排待国务院公布，日期可能调整"

    @property
    def note(self) -> str:
        """Everything worth saying about this date, one line ('' when nothing)."""
        parts = [p for p in (self.reason, self.skip_note, self.provisional_note) if p]
        return "；".join(parts)

    def line(self) -> str:
        """'2026-01-04 周日  原定…' — the CLI's one line per date."""
        return f"{self.date.isoformat()} {self.weekday}" + (f"  {self.note}" if self.note else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "weekday": self.weekday,
            "original_date": self.original_date.isoformat(),
            "shifted": self.shifted,
            "reason": self.reason,
            "provisional": self.provisional,
            "skipped_months": list(self.skipped),
            "note": self.note,
        }


@lru_cache(maxsize=65536)
def _originals_in_year(rec: Recurrence, year: int) -> tuple[date, ...]:
    """The rule's base dates in one year (before holiday shifting)."""
    base = [dt.date() for dt in rec.base_rrule(date(year, 1, 1), date(year, 12, 31))]
    if rec.workday_nth is None:
        return tuple(base)
    out = []
    for first in base:
        length = pycalendar.monthrange(first.year, first.month)[1]
        days = [first + timedelta(i) for i in range(length)]
        work = [d for d in days if day_info(d).workday]
        n = rec.workday_nth
        if n < 0 and work:
            out.append(work[-1])
        elif 0 < n <= len(work):
            out.append(work[n - 1])
    return tuple(out)


@lru_cache(maxsize=65536)
def _missing_months(rec: Recurrence, year: int) -> tuple[int, ...]:
    """Months of the rule in this year that have no date (no 5th Friday, no 31st, …)."""
    if rec.weekly:
        return ()
    present = {d.month for d in _originals_in_year(rec, year)}
    return tuple(m for m in (rec.months or range(1, 13)) if m not in present)


@lru_cache(maxsize=131072)
def _resolve(rec: Recurrence, policy: HolidayPolicy, original: date) -> Occurrence:
    info = day_info(original)
    if rec.workday_nth is not None:
        return Occurrence(original, original, False, "", not info.official)
    # A rule that names a weekend day (第一个周六) means that weekend day: only a public
    # holiday moves it, an ordinary weekend does not.
    weekend_target = rec.weekday is not None and rec.weekday >= 5
    off = not info.workday and (info.holiday is not None or not weekend_target)
    if not off:
        note = ""
        if info.makeup and original.weekday() >= 5:
            note = f"当天为{info.makeup}调休上班日"
        return Occurrence(original, original, False, note, not info.official)
    why = f"{info.holiday}假期" if info.holiday else "周末"
    if policy is HolidayPolicy.KEEP:
        return Occurrence(
            original, original, False, f"当天为{why}，按规则不调整", not info.official
        )
    step = timedelta(days=1 if policy is HolidayPolicy.POSTPONE else -1)
    d = original
    for _ in range(60):
        d += step
        target = day_info(d)
        if target.workday:
            break
    else:  # pragma: no cover - no calendar has 60 days off in a row
        raise RuntimeError(f"no working day near {original}")
    reason = f"原定{_md(original)}（{WEEKDAY_NAMES[original.weekday()]}）逢{why}，{policy.value}"
    if target.makeup and d.weekday() >= 5:
        reason += f"；{_md(d)}（{WEEKDAY_NAMES[d.weekday()]}）为调休上班日"
    return Occurrence(d, original, True, reason, not (info.official and target.official))


def resolve(rule: Rule, original: date) -> Occurrence:
    """The actual meeting date for one of the rule's base dates."""
    return _resolve(rule.recurrence, rule.policy, original)


def _month_list(labels: Sequence[str]) -> str:
    """'2026年2月', '2026年3月', '2027年1月' → '2026年2月、3月、2027年1月' (year said once)."""
    out: list[str] = []
    last_year = ""
    for label in labels:
        year, month = label.split("年", 1)
        out.append(month if year == last_year else label)
        last_year = year
    return "、".join(out)


def iter_occurrences(rule: Rule, start: date) -> Iterator[Occurrence]:
    """Meeting dates on or after ``start``, in order, holiday-shifted.

    Base dates slightly before ``start`` are looked at too, because 顺延 can carry them past it.
    Two base dates shifted onto the same day become one meeting (noted). Months without a date
    are attached to the next occurrence as ``skipped``.
    """
    rec = rule.recurrence
    scan_from = start - timedelta(days=31)
    first_month = (start.year, start.month)
    pending: Occurrence | None = None
    skipped: list[str] = []
    for year in range(scan_from.year, start.year + MAX_YEARS_AHEAD):
        missing = _missing_months(rec, year)
        for original in _originals_in_year(rec, year):
            while missing and missing[0] < original.month:
                if (year, missing[0]) >= first_month:
                    skipped.append(f"{year}年{missing[0]}月")
                missing = missing[1:]
            if original < scan_from:
                continue
            occ = _resolve(rec, rule.policy, original)
            if occ.date < start:
                continue
            if skipped:
                note = f"{_month_list(skipped)}没有{rec.day_phrase}，已跳过"
                occ = replace(occ, skipped=tuple(skipped), skip_note=note)
                skipped = []
            if pending is not None and occ.date <= pending.date:
                merged = f"{_md(occ.original_date)}那次也调整到这天，合并为一次"
                reason = f"{pending.reason}；{merged}" if pending.reason else merged
                pending = replace(pending, reason=reason)
                continue
            if pending is not None:
                yield pending
            pending = occ
        skipped.extend(f"{year}年{m}月" for m in missing if (year, m) >= first_month)
    if pending is not None:
        yield pending


def parse_start(text: str | None, tz: ZoneInfo) -> date:
    """A start date 'YYYY-MM-DD' (None/empty: today in ``tz``). Raises RuleError."""
    if not text:
        return datetime.now(UTC).astimezone(tz).date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise RuleError(f"日期格式不对：{text}（应为 YYYY-MM-DD）") from exc


def next_dates(rule: Rule | str, start: date, count: int) -> list[Occurrence]:
    """The next ``count`` meeting dates on or after ``start`` (a str rule is parsed first)."""
    if isinstance(rule, str):
        rule = parse_rule(rule)
    return list(islice(iter_occurrences(rule, start), max(count, 0)))


# --- lead times --------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Lead:
    """When to remind: ``days`` before the meeting date at local time ``at``."""

    days: int
    at: time

    @cached_property
    def key(self) -> str:
        """Stable text key, part of the reminders_sent UNIQUE key: '3d@09:00'."""
        return f"{self.days}d@{self.at.hour:02d}:{self.at.minute:02d}"

    @property
    def label(self) -> str:
        when = {0: "当天", 1: "前一天"}.get(self.days, f"提前{self.days}天")
        return f"{when} {self.at:%H:%M}"

    @classmethod
    def from_key(cls, key: str) -> Lead:
        return _lead_from_key(key)


@lru_cache(maxsize=1024)
def _lead_from_key(key: str) -> Lead:
    m = re.fullmatch(r"(\d{1,2})d@(\d{1,2}):(\d{2})", key.strip())
    if not m:
        raise RuleError(f"提醒时间格式不对：{key!r}")
    return Lead(int(m.group(1)), time(int(m.group(2)), int(m.group(3))))


#: 3 days before at 09:00 and on the day at 08:00, local time of the chat.
DEFAULT_LEADS: tuple[Lead, ...] = (Lead(3, time(9, 0)), Lead(0, time(8, 0)))
MAX_LEADS = 5
MAX_LEAD_DAYS = 30

_LEAD_RE = re.compile(
    rf"(?:(?:提前|前)?(?P<n>{_NUM})天前?|(?P<today>当天|当日)|(?P<prev>前一天|前一日|头一天))"
    r"(?P<clock>.+)"
)


def parse_leads(text: str) -> tuple[Lead, ...]:
    """'提前3天 9:00，当天 8:00' or '3d@09:00,0d@08:00' → leads, earliest first."""
    items = [
        p for p in re.split(r"[,;、\n]", unicodedata.normalize("NFKC", text or "")) if p.strip()
    ]
    if not items:
        raise RuleError("请写提醒时间，如：提前3天 9:00，当天 8:00")
    leads: set[Lead] = set()
    for item in items:
        s = re.sub(r"\s+", "", item)
        if re.fullmatch(r"\d{1,2}d@\d{1,2}:\d{2}", s):
            lead = Lead.from_key(s)
        else:
            m = _LEAD_RE.fullmatch(s)
            if not m:
                raise RuleError(f"无法识别提醒时间“{item.strip()}”。示例：提前3天 9:00，当天 8:00")
            days = 0 if m.group("today") else 1 if m.group("prev") else _num(m.group("n"))
            lead = Lead(days, parse_clock(m.group("clock")))
        if not 0 <= lead.days <= MAX_LEAD_DAYS:
            raise RuleError(f"最多提前 {MAX_LEAD_DAYS} 天提醒。")
        leads.add(lead)
    if len(leads) > MAX_LEADS:
        raise RuleError(f"提醒最多设 {MAX_LEADS} 个。")
    return tuple(sorted(leads, key=lambda x: (-x.days, x.at)))


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """ZoneInfo for a chat's time zone; unknown or empty → the default (Asia/Shanghai)."""
    try:
        return ZoneInfo(name or DEFAULT_TZ)
    except (ValueError, KeyError):
        return ZoneInfo(DEFAULT_TZ)


def fire_at(meeting: date, lead: Lead, tz: ZoneInfo) -> datetime:
    """The UTC instant of a reminder: ``lead.days`` before ``meeting`` at ``lead.at`` in ``tz``."""
    local = datetime.combine(meeting - timedelta(days=lead.days), lead.at, tzinfo=tz)
    return local.astimezone(UTC)


# --- .ics export -------------------------------------------------------------------------------


def event_uid(scope: str, name: str, original: date) -> str:
    """Stable UID: the same branch + meeting kind + base date gives the same UID, so importing
    again updates the event (also when a holiday moved it) instead of adding a duplicate."""
    digest = hashlib.sha1(f"{scope}|{name}|{original.isoformat()}".encode()).hexdigest()[:24]
    return f"{digest}@dangwu"


class IcsEntry(NamedTuple):
    """One schedule in an .ics file."""

    rule: Rule
    name: str  # summary, e.g. 主题党日
    leads: Sequence[Lead] = DEFAULT_LEADS
    scope: str = "local"  # part of the UID: e.g. 'chat-100123'
    hint: str = ""  # preparation line added to the description


def to_ics(
    rule: Rule | str,
    start: date,
    count: int = 12,
    *,
    name: str = "主题党日",
    leads: Sequence[Lead] = DEFAULT_LEADS,
    tz_name: str = DEFAULT_TZ,
    scope: str = "local",
    hint: str = "",
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar file with the next ``count`` meetings of one rule (see :func:`to_ics_many`)."""
    if isinstance(rule, str):
        rule = parse_rule(rule)
    entry = IcsEntry(rule, name, leads, scope, hint)
    return to_ics_many([entry], start, count, tz_name=tz_name, stamp=stamp)


def to_ics_many(
    entries: Sequence[IcsEntry | tuple[Rule, str, Sequence[Lead], str, str]],
    start: date,
    count: int = 12,
    *,
    tz_name: str = DEFAULT_TZ,
    stamp: datetime | None = None,
) -> bytes:
    """An iCalendar file with the next ``count`` meetings of each entry, one VALARM per lead.

    Without a meeting time the events are all-day (the rule fixes the date, not the hour); with
    one they start at that time with DTSTART;TZID=<tz_name>. The VTIMEZONE for ``tz_name`` is
    always included (X-WR-TIMEZONE too). Alarm triggers are relative to the event start and
    equal the chat's lead times (3 days before 09:00 → -P2DT15H on an all-day event). UIDs are
    stable (:func:`event_uid`), so importing a newer file updates events instead of doubling them.
    """
    tz = zone(tz_name)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", "-//dangwu//党务助手//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "、".join(IcsEntry(*e).name for e in entries) or "党务日程")
    cal.add("x-wr-timezone", tz.key)
    events: list[tuple[date, Event]] = []
    for raw in entries:
        entry = IcsEntry(*raw)
        for occ in next_dates(entry.rule, start, count):
            events.append((occ.date, _ics_event(entry, occ, tz, stamp)))
    last = max((d for d, _ in events), default=start)
    cal.add_component(
        Timezone.from_tzid(
            tz.key, first_date=start - timedelta(days=1), last_date=last + timedelta(days=366)
        )
    )
    for _, event in sorted(events, key=lambda x: x[0]):
        cal.add_component(event)
    return cal.to_ical()


def _ics_event(entry: IcsEntry, occ: Occurrence, tz: ZoneInfo, stamp: datetime) -> Event:
    rule = entry.rule
    ev = Event()
    ev.add("uid", event_uid(entry.scope, entry.name, occ.original_date))
    ev.add("dtstamp", stamp)
    ev.add("summary", entry.name)
    if rule.meeting_time is not None:
        begin = datetime.combine(occ.date, rule.meeting_time, tzinfo=tz)
        ev.add("dtstart", begin)
        ev.add("dtend", begin + timedelta(hours=2))
        base = datetime.combine(occ.date, rule.meeting_time)
    else:
        ev.add("dtstart", occ.date)
        ev.add("dtend", occ.date + timedelta(days=1))
        ev.add("transp", "TRANSPARENT")
        base = datetime.combine(occ.date, time())
    ev.add("description", "\n".join(p for p in (rule.canonical, occ.note, entry.hint) if p))
    for lead in entry.leads:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{entry.name}：{fmt_date(occ.date)}")
        local = datetime.combine(occ.date - timedelta(days=lead.days), lead.at)
        alarm.add("trigger", local - base)
        ev.add_component(alarm)
    return ev


# --- text for users ------------------------------------------------------------------------------


def render_next_dates(rule: Rule | str, start: date, count: int = 6, *, title: str = "") -> str:
    """Plain Chinese text: the rule, then one numbered line per upcoming date with its notes."""
    if isinstance(rule, str):
        rule = parse_rule(rule)
    head = f"{title}：{rule.canonical}" if title else rule.canonical
    lines = [head]
    for i, occ in enumerate(next_dates(rule, start, count), 1):
        line = f"{i}. {fmt_date(occ.date)}"
        if occ.note:
            line += f"——{occ.note}"
        lines.append(line)
    return "\n".join(lines)
