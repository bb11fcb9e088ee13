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
- A phrase that names a period but not the day (每季度一次, 每年12月下旬) raises
  :class:`AmbiguousRule`, a RuleError that carries 2–4 concrete phrases to offer as buttons.
- Lunar rules (每月农历初一, 每年农历正月初八) are converted with ``lunardate`` (lunar years
  1900–2099); the holiday policy then applies to the solar date like for any other rule. A
  monthly lunar rule includes leap months (闰月 has its own 初一 and 十五, and the branch meets
  every lunar month); a yearly one (正月初八) uses the regular month only, never the leap one.
  A lunar month without a 三十 has no date that month (skipped, as 31日 is in short months).
- Phrases relative to today (12月20日 without a year, 下周五, 每两个月) are fixed when parsed:
  the canonical form is absolute (2026年12月20日, 每逢双月), so re-parsing it later gives the
  same dates.
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
from lunardate import LunarDate

from bot.config import DEFAULT_TZ
from bot.text import cn_int

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_RR_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_RR_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CN_ORDINAL = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)
QUARTER_MID_MONTHS = (2, 5, 8, 11)
QUARTER_LAST_MONTHS = (3, 6, 9, 12)
ODD_MONTHS = (1, 3, 5, 7, 9, 11)
EVEN_MONTHS = (2, 4, 6, 8, 10, 12)
#: Named month sets, phrase first: these phrases are how the rule is shown and stored.
MONTH_SET_PHRASES = {
    QUARTER_FIRST_MONTHS: "每季度首月",
    QUARTER_MID_MONTHS: "每季度第二个月",
    QUARTER_LAST_MONTHS: "每季度末月",
    ODD_MONTHS: "每逢单月",
    EVEN_MONTHS: "每逢双月",
}
#: The 旬 of a month: 上旬 1–10日, 中旬 11–20日, 下旬 21日–月底.
XUN_FIRST_DAY = {"上": 1, "中": 11, "下": 21}
LUNAR_MONTH_NAMES = (
    "正月",
    "二月",
    "三月",
    "四月",
    "五月",
    "六月",
    "七月",
    "八月",
    "九月",
    "十月",
    "冬月",
    "腊月",
)
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
    "每季度末月15日、每季度最后一个月的最后一个周四",
    "每年7月1日、每年12月第二个周五、每年1月和7月第一个周五",
    "每年12月下旬第一个工作日",
    "每逢单月第一个周五、每逢双月15日、每两个月第一个周五",
    "每月农历初一、每月农历十五、每年农历正月初八",
    "单次：2026年12月20日、12月20日、2026-12-20、下周五",
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


class AmbiguousRule(RuleError):
    """A phrase that names the period but not the day (每季度一次, 每年12月下旬).

    ``question`` asks which month/day; ``options`` are 2–4 concrete phrases, each accepted by
    :func:`parse_rule`, for the front end to offer as buttons. ``str(exc)`` is the question
    followed by the options, for front ends without buttons.
    """

    def __init__(self, question: str, options: Sequence[str]) -> None:
        self.question = question
        self.options: tuple[str, ...] = tuple(options)
        super().__init__(question + "\n" + "\n".join(f"· {o}" for o in self.options))


class _NeedsToday(Exception):
    """Internal: the phrase is relative to today (12月20日, 下周五, 每两个月)."""


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
    except Exception:  # noqa: BLE001 — an unsupported year or locale must not break scheduling
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
    (nth 1..5, -1 = last; nth None with ``weekly``), ``workday_nth`` (the Nth official working
    day of the month counted from day ``workday_from``, -1 = last), ``lunar_day`` (1..30 of
    every lunar month, leap months included, or of lunar month ``lunar_month`` only) or
    ``once`` (a single date). ``months`` limits the months (empty = every month).
    """

    months: tuple[int, ...] = ()
    weekly: bool = False
    monthday: int | None = None
    weekday: int | None = None
    nth: int | None = None
    workday_nth: int | None = None
    workday_from: int = 1  # 11 = 中旬, 21 = 下旬 (with workday_nth > 0)
    lunar_day: int | None = None
    lunar_month: int | None = None  # with lunar_day: a yearly lunar rule (never the leap month)
    once: date | None = None

    @property
    def period_phrase(self) -> str:
        if self.weekly:
            return "每周"
        if self.once is not None:
            return ""
        if self.lunar_day is not None:
            return "每月" if self.lunar_month is None else "每年"
        if not self.months:
            return "每月"
        if self.months in MONTH_SET_PHRASES:
            return MONTH_SET_PHRASES[self.months]
        return "每年" + "、".join(f"{m}月" for m in self.months)

    @property
    def months_note(self) -> str:
        """Which months a named month set means, for 单月/双月/季度末月/季度第二个月 ('' otherwise;
        每季度首月 is left as it always was shown)."""
        if self.months in MONTH_SET_PHRASES and self.months != QUARTER_FIRST_MONTHS:
            return "、".join(str(m) for m in self.months) + "月"
        return ""

    @property
    def day_phrase(self) -> str:
        """The day selector in words: 15日, 第一个周五, 最后一个工作日, 农历十五."""
        if self.weekly and self.weekday is not None:
            return WEEKDAY_NAMES[self.weekday][1:]
        if self.once is not None:
            return f"{self.once.year}年{self.once.month}月{self.once.day}日"
        if self.lunar_day is not None:
            month = "" if self.lunar_month is None else LUNAR_MONTH_NAMES[self.lunar_month - 1]
            return f"农历{month}{lunar_day_name(self.lunar_day)}"
        if self.workday_nth is not None:
            xun = {v: k for k, v in XUN_FIRST_DAY.items()}.get(self.workday_from, "")
            prefix = f"{xun}旬" if self.workday_from > 1 else ""
            return prefix + (
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
        """True when some months have no such day (5th weekday, 29–31日, a late working day,
        农历三十)."""
        return (
            (self.monthday or 0) >= 29
            or self.nth == 5
            or (self.workday_nth or 0) > 16
            or self.lunar_day == 30
        ) and not self.weekly

    @property
    def rrule_text(self) -> str:
        """RFC 5545 RRULE for reference. Working-day rules are written as Mon–Fri + BYSETPOS;
        the official calendar (holidays, 调休 weekend workdays) is applied on top of it. Lunar
        rules use RFC 7529 ``RSCALE=CHINESE``; a single date is a YEARLY rule ending that day."""
        if self.once is not None:
            d = self.once
            return f"FREQ=YEARLY;UNTIL={d:%Y%m%d};BYMONTH={d.month};BYMONTHDAY={d.day}"
        if self.lunar_day is not None:
            if self.lunar_month is None:
                return f"RSCALE=CHINESE;FREQ=MONTHLY;BYMONTHDAY={self.lunar_day}"
            return (
                f"RSCALE=CHINESE;FREQ=YEARLY;BYMONTH={self.lunar_month};BYMONTHDAY={self.lunar_day}"
            )
        freq = "WEEKLY" if self.weekly else "YEARLY" if len(self.months) == 1 else "MONTHLY"
        parts = [f"FREQ={freq}"]
        if self.months:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.months))
        if self.weekly and self.weekday is not None:
            parts.append(f"BYDAY={_RR_CODES[self.weekday]}")
        elif self.workday_nth is not None:
            if self.workday_from > 1:
                days = ",".join(str(d) for d in range(self.workday_from, 32))
                parts.append(f"BYMONTHDAY={days}")
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

    def _wording(self, phrase: str) -> str:
        rec = self.recurrence
        out = phrase
        if rec.workday_nth is None and not (
            rec.once is not None and self.policy is HolidayPolicy.KEEP
        ):
            out += "，" + POLICY_PHRASES[self.policy]
        if self.meeting_time is not None:
            out += f" {self.meeting_time:%H:%M}"
        return out

    @property
    def canonical(self) -> str:
        """Normalised wording; parsing it again gives the same rule (stored in the database)."""
        return self._wording(self.recurrence.phrase)

    def describe(self) -> str:
        """The rule as shown back to the user: the canonical wording, plus what a short phrase
        leaves implicit (which months 每逢双月 means, that a lunar rule includes 闰月, …).
        Equal to :attr:`canonical` for the plain monthly/weekly/yearly forms."""
        rec = self.recurrence
        notes: list[str] = []
        if rec.months_note:
            notes.append(rec.months_note)
        if rec.once is not None:
            notes.append("单次")
        if rec.lunar_day is not None:
            notes.append("按农历，含闰月" if rec.lunar_month is None else "按农历，闰月不重复")
        if rec.workday_nth is not None and rec.workday_from > 1:
            notes.append(f"从{rec.workday_from}日起算")
        if not notes:
            return self.canonical
        return self._wording(f"{rec.phrase}（{'；'.join(notes)}）")

    @property
    def rrule_text(self) -> str:
        return self.recurrence.rrule_text

    @property
    def skip_warning(self) -> str:
        """A line to show when some months have no date under this rule ('' otherwise)."""
        if not self.recurrence.may_skip:
            return ""
        if self.recurrence.lunar_month is not None:
            return f"注意：有的年份没有{self.recurrence.day_phrase}，这些年份不安排。"
        return f"注意：有的月份没有{self.recurrence.day_phrase}，这些月份不安排。"


_NUM = r"(?:[0-9]{1,2}|[零〇一二两三四五六七八九十廿]{1,4})"
_WD = r"[一二三四五六日1-7]"
_PERIOD = (
    r"(?P<p_month>每月)"
    r"|(?P<p_quarter>每季度(?:第一个月|第1个月|首月|第一月|头一个月|首个月))"
    r"|(?P<p_qmid>每季度(?:第二个月|第2个月|中间月|中间一个月|第二月))"
    r"|(?P<p_qlast>每季度(?:最后一个月|最后1个月|最后一月|末月|末一个月|末个月|最末一个月"
    r"|第三个月|第3个月|第三月|尾月))"
    r"|(?P<p_qany>每季度)"
    rf"|每年(?P<p_year>{_NUM}(?:\+{_NUM})*)月"
    r"|(?P<p_odd>(?:每逢|逢|每)?(?:单月|单数月|奇数月))"
    r"|(?P<p_even>(?:每逢|逢|每)?(?:双月|双数月|偶数月))"
    r"|(?P<p_bi>每两个月|每2个月|每隔一个月|每隔1个月|隔月)"
)
_DAY = (
    rf"(?P<d_xun>[上中下])旬第(?P<d_xn>{_NUM})个?工作日|"
    rf"(?P<d_md>{_NUM})日"
    r"|(?P<d_lastday>最后一天|最后1天|月底|月末)"
    rf"|第(?P<d_nth>{_NUM})个?周(?P<d_wd>{_WD})"
    rf"|最后[一1]?个?周(?P<d_lwd>{_WD})"
    rf"|第(?P<d_wn>{_NUM})个?工作日"
    r"|(?P<d_lwn>最后[一1]?个?工作日)"
)
_CORE_RE = re.compile(rf"(?:{_PERIOD})(?:{_DAY})")
_WEEKLY_RE = re.compile(rf"每周(?P<w>{_WD})")
#: 每年1月、7月 / 每年一月和七月 → 每年1+7月 (before punctuation is dropped)
_MONTH_LIST_RE = re.compile(rf"每年((?:{_NUM}月?(?:、|,|和|及|与|/|跟))+{_NUM})月")
_LDAY = r"(?P<ld>初[一二三四五六七八九十]|[一二三四五六七八九十廿卅]{1,3}|[0-9]{1,2})日?"
_LMON = r"(?P<lm>正|元|冬|腊|臘|[一二三四五六七八九十]{1,3}|[0-9]{1,2})月"
_LUNAR_MONTHLY_RE = re.compile(
    rf"(?:每月农历|农历每月|每农历月|每个农历月){_LDAY}|每月{_LDAY.replace('ld', 'ld2')}农历"
)
_LUNAR_YEARLY_RE = re.compile(rf"(?:每年农历|农历每年){_LMON}{_LDAY}")
#: 每月初一 / 每月十五 without 农历 or 日: solar or lunar? (每月十五日 stays solar)
_LUNAR_OR_SOLAR_RE = re.compile(r"每月(?P<ld>初[一二三四五六七八九十]|十五|二十|廿[一-九]|三十)")
_ONCE_RE = re.compile(
    rf"(?:(?P<y>[0-9]{{4}}|[零〇一二三四五六七八九]{{4}})年)?(?P<m>{_NUM})月(?P<d>{_NUM})日"
    r"(?:一次|单次|这一次)?"
)
_ISO_DATE_RE = re.compile(r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
_REL_WEEK_RE = re.compile(rf"(?P<wk>下下|下个?|本|这个?|这)(?:周|星期)(?P<wd>{_WD})")
_ASK_PERIOD_RE = re.compile(
    rf"(?P<per>每月|每季度|每年|每年{_NUM}(?:\+{_NUM})*月|每两个月|每2个月|每隔一个月|隔月|每半年"
    r"|每逢单月|每逢双月|单月|双月)"
    r"(?:(?:召开|举行|开展|开|进行)?(?:一|1)次(?:会议?)?)?"
)
_ASK_XUN_RE = re.compile(rf"(?P<per>每月|每年{_NUM}(?:\+{_NUM})*月)(?P<x>[上中下])旬(?:一次)?")
_ASK_QDAY_RE = re.compile(rf"每季度(?P<d>{_NUM})日")
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
    ("阴历", "农历"),
    ("旧历", "农历"),
)


def _cn(n: int) -> str:
    return _CN_ORDINAL.get(n) or str(cn2an.an2cn(n))


_CN_DIGITS = "一二三四五六七八九十"


def lunar_day_name(day: int) -> str:
    """1 → 初一, 15 → 十五, 20 → 二十, 23 → 廿三, 30 → 三十."""
    if day <= 10:
        return "初" + _CN_DIGITS[day - 1]
    if day < 20:
        return "十" + _CN_DIGITS[day - 11]
    if day in (20, 30):
        return _CN_DIGITS[day // 10 - 1] + "十"
    return "廿" + _CN_DIGITS[day - 21]


def _lunar_day(text: str) -> int:
    if text.startswith("初"):
        day = _CN_DIGITS.index(text[1]) + 1
    else:
        day = _num(text.replace("卅", "三十"))
    if not 1 <= day <= 30:
        raise RuleError(f"农历每月只有初一到三十，没有“{text}”。")
    return day


def _lunar_month(text: str) -> int:
    named = {"正": 1, "元": 1, "冬": 11, "腊": 12, "臘": 12}
    month = named.get(text) or _num(text)
    if not 1 <= month <= 12:
        raise RuleError(f"农历月份应为正月到腊月，收到“{text}月”。")
    return month


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


def _today() -> date:
    """Today in the default time zone (Asia/Shanghai)."""
    return datetime.now(UTC).astimezone(zone(DEFAULT_TZ)).date()


def _months_of(m: re.Match[str]) -> tuple[tuple[int, ...], str]:
    """The month set a period names, and 'any' for a bare 每季度 / 'bi' for 每两个月."""
    if m.group("p_quarter"):
        return QUARTER_FIRST_MONTHS, ""
    if m.group("p_qmid"):
        return QUARTER_MID_MONTHS, ""
    if m.group("p_qlast"):
        return QUARTER_LAST_MONTHS, ""
    if m.group("p_qany"):
        return QUARTER_FIRST_MONTHS, "any"
    if m.group("p_odd"):
        return ODD_MONTHS, ""
    if m.group("p_even"):
        return EVEN_MONTHS, ""
    if m.group("p_bi"):
        return (), "bi"
    if m.group("p_year"):
        return _year_months(m.group("p_year")), ""
    return (), ""


def _year_months(text: str) -> tuple[int, ...]:
    months = []
    for part in text.split("+"):
        month = _num(part)
        if not 1 <= month <= 12:
            raise RuleError(f"月份应在 1–12 之间，收到“{part}月”。")
        months.append(month)
    return tuple(sorted(set(months)))


def _day_selector(m: re.Match[str], months: tuple[int, ...]) -> Recurrence:
    if m.group("d_md"):
        return Recurrence(months=months, monthday=_monthday(_num(m.group("d_md")), months))
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
    if m.group("d_xun"):
        return _xun_workday(m, months)
    return Recurrence(months=months, workday_nth=-1)


def _monthday(day: int, months: tuple[int, ...]) -> int:
    """``day`` when it exists in at least one of ``months`` (any month when none are named; 29
    counts for February because of leap years), so a rule that could never fire is refused
    when it is written; the error names the months when some were named."""
    if not 1 <= day <= _max_day(months or range(1, 13)):
        if months:
            raise RuleError(f"{'、'.join(f'{x}月' for x in months)}没有{day}日，请检查日期。")
        raise RuleError(f"一个月最多31天，没有{day}日，请检查日期。")
    return day


def _xun_workday(m: re.Match[str], months: tuple[int, ...]) -> Recurrence:
    """上旬/中旬/下旬第N个工作日: the Nth working day counted from the 旬's first day (1, 11,
    21). 上旬 starts on day 1, ``workday_from``'s default, so 上旬第一个工作日 is the same rule
    as 第一个工作日."""
    n = _num(m.group("d_xn"))
    if not 1 <= n <= 5:
        raise RuleError("一旬里请写第一到第五个工作日，如“下旬第一个工作日”。")
    return Recurrence(months=months, workday_nth=n, workday_from=XUN_FIRST_DAY[m.group("d_xun")])


def _quarter_any(rec: Recurrence) -> Recurrence:
    """每季度 + a day: counted from the quarter's start (第一个周五 → 首月) or end (最后一个周四 →
    末月). A day of the month (每季度15日) does not say which month: ask."""
    from_end = (rec.monthday or 0) < 0 or (rec.nth or 0) < 0 or (rec.workday_nth or 0) < 0
    if from_end:
        return replace(rec, months=QUARTER_LAST_MONTHS)
    if rec.monthday is not None:
        raise AmbiguousRule(
            f"“每季度{rec.monthday}日”是季度里哪个月的{rec.monthday}日？请选一个：",
            (f"每季度首月{rec.monthday}日", f"每季度末月{rec.monthday}日"),
        )
    if rec.nth == 5 or rec.workday_from > 1:
        day = rec.day_phrase
        raise AmbiguousRule(
            f"“每季度{day}”是季度里哪个月的？请选一个：",
            (f"每季度首月{day}", f"每季度末月{day}"),
        )
    return rec  # 第N个周X / 第N个工作日 of the quarter: in its first month (N ≤ 4)


def _bimonthly(rec: Recurrence, today: date | None) -> Recurrence:
    """每两个月: every other month from the first month whose date is still ahead (today
    included): 单月 (1,3,…,11) or 双月 (2,4,…,12), so the stored rule needs no start date."""
    if today is None:
        raise _NeedsToday
    monthly = replace(rec, months=())
    for year in (today.year, today.year + 1):
        for d in _originals_in_year(monthly, year):
            if d >= today:
                return replace(rec, months=ODD_MONTHS if d.month % 2 else EVEN_MONTHS)
    raise RuleError("找不到下一次的日期，请写“每逢单月…”或“每逢双月…”。")  # pragma: no cover


def _lunar(s: str) -> Recurrence | None:
    if "闰" in s:
        raise RuleError("暂不支持按闰月定的规则；“每月农历初一”已包含闰月。")
    m = _LUNAR_MONTHLY_RE.fullmatch(s)
    if m:
        return Recurrence(lunar_day=_lunar_day(m.group("ld") or m.group("ld2")))
    m = _LUNAR_YEARLY_RE.fullmatch(s)
    if m:
        return Recurrence(
            lunar_day=_lunar_day(m.group("ld")), lunar_month=_lunar_month(m.group("lm"))
        )
    m = _LUNAR_OR_SOLAR_RE.fullmatch(s)
    if m:
        day = _lunar_day(m.group("ld"))
        raise AmbiguousRule(
            f"“{s}”是农历{lunar_day_name(day)}还是公历{day}日？请选一个：",
            (f"每月农历{lunar_day_name(day)}", f"每月{day}日"),
        )
    return None


def _one_off(s: str, today: date | None) -> Recurrence | None:
    m = _ONCE_RE.fullmatch(s)
    if m:
        return _once_on_date(m, today)
    m = _REL_WEEK_RE.fullmatch(s)
    if m:
        return _once_in_week(m, today)
    return None


def _once_on_date(m: re.Match[str], today: date | None) -> Recurrence:
    """[2026年]12月18日 (仅一次): the written year, else the next such day from today."""
    month, day = _num(m.group("m")), _num(m.group("d"))
    if not 1 <= month <= 12:
        raise RuleError(f"月份应在 1–12 之间，收到“{m.group('m')}月”。")
    if m.group("y"):
        year = _num_year(m.group("y"))
        try:
            return Recurrence(once=date(year, month, day))
        except ValueError:
            raise RuleError(f"{year}年{month}月没有{day}日，请检查日期。") from None
    if today is None:
        raise _NeedsToday
    return Recurrence(once=_next_month_day(month, day, today))


def _next_month_day(month: int, day: int, today: date) -> date:
    """The first ``month``/``day`` on or after ``today``. Looks up to 8 years ahead so that
    2月29日 finds the next leap year, while a day no year has (4月31日) is refused at once."""
    for year in range(today.year, today.year + 9):
        try:
            d = date(year, month, day)
        except ValueError:
            if day > _max_day([month]):
                raise RuleError(f"{month}月没有{day}日，请检查日期。") from None
            continue
        if d >= today:
            return d
    raise RuleError(f"{month}月没有{day}日，请检查日期。")  # pragma: no cover


def _once_in_week(m: re.Match[str], today: date | None) -> Recurrence:
    """本周三 / 下周三 / 下下周三 (仅一次): a day of this week that has passed is an error
    rather than silently next week's, since the user said 本周."""
    if today is None:
        raise _NeedsToday
    d = _weekday_in_week(today, m.group("wk"), m.group("wd"))
    if d < today:
        raise RuleError(f"本周{WEEKDAY_NAMES[d.weekday()][1:]}（{_md(d)}）已经过去了。")
    return Recurrence(once=d)


def _weekday_in_week(today: date, wk: str | None, wd: str) -> date:
    """The weekday ``wd`` of the week ``wk`` names, counted from this week's Monday: 下/下个 one
    week on, 下下 two, anything else (本, 这, nothing) this week."""
    weeks = {"下下": 2, "下": 1, "下个": 1}.get(wk or "", 0)
    return today - timedelta(today.weekday()) + timedelta(weeks * 7 + _weekday(wd))


def _num_year(text: str) -> int:
    year = cn_int(text)
    if year is None:
        raise RuleError(f"年份没看懂：{text}")
    return year


def _ask_back(s: str) -> None:
    """Raise AmbiguousRule for a period without a day (每季度一次, 每年12月下旬)."""
    m = _ASK_XUN_RE.fullmatch(s)
    if m:
        per = _period_words(m.group("per"))
        x = m.group("x")
        first = XUN_FIRST_DAY[x]
        last_option = {"上": f"{per}10日", "中": f"{per}20日", "下": f"{per}最后一个工作日"}[x]
        first_workday = f"{per}第一个工作日" if x == "上" else f"{per}{x}旬第一个工作日"
        raise AmbiguousRule(
            f"“{s}”是{x}旬（{first}日–{'月底' if x == '下' else f'{first + 9}日'}）的哪一天？请选一个：",
            (f"{per}{first}日", first_workday, f"{per}{first + 4}日", last_option),
        )
    m = _ASK_QDAY_RE.fullmatch(s)
    if m:
        day = _num(m.group("d"))
        raise AmbiguousRule(
            f"“每季度{day}日”是季度里哪个月的{day}日？请选一个：",
            (f"每季度首月{day}日", f"每季度末月{day}日"),
        )
    m = _ASK_PERIOD_RE.fullmatch(s)
    if not m:
        return
    per = m.group("per")
    options: tuple[str, ...]
    if per == "每季度":
        options = (
            "每季度首月第一个周五",
            "每季度首月10日",
            "每季度末月15日",
            "每季度末月最后一个周四",
        )
        question = "每季度开一次：在季度的哪个月、哪一天？请选一个，或直接写出："
    elif per == "每年" or per == "每半年":
        first_p = "每年1月、7月" if per == "每半年" else "每年7月"
        other = "每年6月、12月" if per == "每半年" else "每年12月"
        options = (f"{first_p}1日", f"{first_p}第一个周五", f"{other}最后一个工作日")
        question = f"{per}开一次：在哪个月、哪一天？请选一个，或直接写出："
    elif per.startswith("每年"):
        p = _period_words(per)
        options = (f"{p}第一个周五", f"{p}15日", f"{p}最后一个工作日")
        question = f"{p}开一次：在这个月的哪一天？请选一个，或直接写出："
    elif per == "每月":
        options = ("每月第一个周五", "每月15日", "每月最后一个工作日", "每月农历初一")
        question = "每月开一次：在哪一天？请选一个，或直接写出："
    else:
        odd_even = {
            "每逢单月": ("每逢单月",),
            "单月": ("每逢单月",),
            "每逢双月": ("每逢双月",),
            "双月": ("每逢双月",),
        }.get(per, ("每逢单月", "每逢双月"))
        options = tuple(f"{p}{d}" for p in odd_even for d in ("第一个周五", "15日"))
        question = "隔一个月开一次：单月还是双月，哪一天？请选一个，或直接写出："
    raise AmbiguousRule(question, options)


def _period_words(per: str) -> str:
    """每年12+6月 → 每年6月、12月 (the period as a rule phrase shows it)."""
    if per.startswith("每年") and per.endswith("月"):
        return Recurrence(months=_year_months(per[2:-1]), monthday=1).period_phrase
    return per


def _core(s: str, today: date | None) -> Recurrence:
    m = _WEEKLY_RE.fullmatch(s)
    if m:
        return Recurrence(weekly=True, weekday=_weekday(m.group("w")))
    m = _CORE_RE.fullmatch(s)
    if m:
        months, special = _months_of(m)
        rec = _day_selector(m, months)
        if special == "any":
            return _quarter_any(rec)
        if special == "bi":
            return _bimonthly(rec, today)
        return rec
    rec2 = _lunar(s) or _one_off(s, today)
    if rec2 is not None:
        return rec2
    _ask_back(s)
    raise RuleError("")


def parse_rule(
    text: str,
    default_policy: HolidayPolicy = HolidayPolicy.POSTPONE,
    *,
    today: date | None = None,
) -> Rule:
    """Parse a Chinese rule phrase. Raises RuleError (Chinese message with examples) if unknown,
    AmbiguousRule (a RuleError with ``options``) when the phrase does not say which day.

    The holiday policy written in the phrase wins over ``default_policy``; working-day rules
    never need shifting, so their policy is always 不调整; a single date keeps its day unless
    the phrase says 顺延/提前 (the user picked that day). ``today`` (default: today in
    Asia/Shanghai) fixes phrases relative to it: 12月20日 → the next one, 下周五, 每两个月.
    """
    try:
        return _parse_rule(text, default_policy, today)
    except _NeedsToday:
        return _parse_rule(text, default_policy, _today())


def _iso_to_words(m: re.Match[str]) -> str:
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"


@lru_cache(maxsize=4096)
def _parse_rule(text: str, default_policy: HolidayPolicy, today: date | None) -> Rule:
    raw = (text or "").strip()
    if not raw:
        raise RuleError(f"请写出会议日期规则。\n{RULE_HELP}")
    # 2026-12-20 → 2026年12月20日, before spaces go (2026-12-20 14:30 must not run together)
    s = _ISO_DATE_RE.sub(_iso_to_words, unicodedata.normalize("NFKC", raw))
    s = _normalize(s)
    s, policy = _extract_policy(s)
    s, meeting_time = _extract_time(s)
    s = _MONTH_LIST_RE.sub(lambda m: "每年" + "+".join(re.findall(_NUM, m.group(1))) + "月", s)
    s = re.sub(r"[,;。、()（）\-—~·:]", "", s)
    s = re.sub(r"(?:举行|召开|开展|开会|进行|活动)$", "", s)
    try:
        rec = _core(s, today)
    except (AmbiguousRule, _NeedsToday):
        raise
    except RuleError as exc:
        detail = str(exc)
        raise RuleError(detail or f"无法识别“{raw}”。\n{RULE_HELP}") from None
    if rec.workday_nth is not None or (rec.once is not None and policy is None):
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
    if rec.once is not None:
        return (rec.once,) if rec.once.year == year else ()
    if rec.lunar_day is not None:
        return _lunar_in_year(rec.lunar_day, rec.lunar_month, year)
    base = [dt.date() for dt in rec.base_rrule(date(year, 1, 1), date(year, 12, 31))]
    if rec.workday_nth is None:
        return tuple(base)
    out = []
    for first in base:
        length = pycalendar.monthrange(first.year, first.month)[1]
        days = [first + timedelta(i) for i in range(length)]
        work = [d for d in days if d.day >= rec.workday_from and day_info(d).workday]
        n = rec.workday_nth
        if n < 0 and work:
            out.append(work[-1])
        elif 0 < n <= len(work):
            out.append(work[n - 1])
    return tuple(out)


def _lunar_in_year(day: int, month: int | None, year: int) -> tuple[date, ...]:
    """Solar dates in ``year`` of lunar day ``day`` of every lunar month (leap months included)
    or of lunar month ``month`` (regular month only). Lunar years outside 1900–2099: none."""
    out: list[date] = []
    for lunar_year in (year - 1, year):  # a lunar year starts in late January or February
        if not 1900 <= lunar_year <= 2099:
            continue
        leap = LunarDate.leap_month_for_year(lunar_year)
        for m in (month,) if month is not None else range(1, 13):
            for is_leap in (False, True) if (month is None and leap == m) else (False,):
                try:
                    solar: date = LunarDate(lunar_year, m, day, is_leap).to_solar_date()
                except ValueError:  # a 小月 has no 三十
                    continue
                if solar.year == year:
                    out.append(solar)
    return tuple(sorted(out))


@lru_cache(maxsize=65536)
def _missing_months(rec: Recurrence, year: int) -> tuple[int, ...]:
    """Months of the rule in this year that have no date (no 5th Friday, no 31st, …)."""
    if rec.weekly or rec.once is not None or rec.lunar_day is not None:
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
    if policy is HolidayPolicy.KEEP and rec.once is not None:
        return Occurrence(original, original, False, f"当天为{why}", not info.official)
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
    last_year = start.year + MAX_YEARS_AHEAD
    if rec.once is not None:
        last_year = min(last_year, rec.once.year + 1)
    for year in range(scan_from.year, last_year):
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


# --- moving one occurrence ---------------------------------------------------------------------

MOVE_HELP = (
    "可以这样说：本月改到15号、这次改到12月18日、本次推迟到下周三、下个月改到20日、"
    "12月4日那次改到12月8日（规则本身不变，只调整这一次）。"
)
_MOVE_VERB = (
    r"改期到|改期至|改期为|改到|改在|改为|改成|改至|调整到|调整为|调整至|调到|调至|调为|"
    r"推迟到|推迟至|推后到|延后到|延后至|延期到|延期至|延迟到|顺延到|顺延至|"
    r"提前到|提前至|挪到|移到|换到|放到|定在|定到|定为"
)
_MOVE_RE = re.compile(
    r"(?P<which>本月|这个月|这月|当月|下个月|下月|本次|这次|此次|这一次|下次|下一次|最近一次"
    rf"|(?:(?P<wy>[0-9]{{4}})年)?(?P<wm>{_NUM})月(?P<wd>{_NUM})日(?:那次|这次|那一次)?"
    rf"|(?:(?P<my>[0-9]{{4}})年)?(?P<mm>{_NUM})月份?(?:那次|这次|那一次)?)?"
    rf"(?P<kind>[^0-9]{{0,12}}?)(?:时间|日期)?(?:{_MOVE_VERB})(?P<new>.+?)"
    r"(?:举行|召开|开会|开|进行)?"
)
_NEW_DATE_RE = re.compile(
    rf"(?:(?:(?P<y>[0-9]{{4}})年)?(?P<m>{_NUM})月)?(?P<d>{_NUM})日"
    rf"|(?P<wk>下下|下个?|本|这个?)?周(?P<w>{_WD})"
    r"|(?P<rel>今天|明天|后天)"
)


@dataclass(frozen=True)
class Move:
    """One occurrence of a schedule moved to another day; the rule itself does not change.

    Which occurrence: ``original_date`` when the text names it (12月4日那次), else
    ``original_month`` (year, month) for 本月 / 下个月 / 12月, else the next one from today
    (这次 / 本次 / 下次, or nothing said). ``kind`` is the meeting name when the text gives one
    (本月主题党日改到15号 → 主题党日; '' otherwise). ``new_time`` when a time was said.
    """

    text: str
    new_date: date
    original_month: tuple[int, int] | None = None
    original_date: date | None = None
    kind: str = ""
    new_time: time | None = None

    @property
    def which(self) -> str:
        """The moved occurrence in words: 下一次, 2026年12月那次, 12月4日那次."""
        if self.original_date is not None:
            return f"{_md(self.original_date)}那次"
        if self.original_month is not None:
            return f"{self.original_month[0]}年{self.original_month[1]}月那次"
        return "下一次"

    def describe(self) -> str:
        """'2026年12月那次改到2026年12月15日（周二）' — to confirm back to the user."""
        when = fmt_date(self.new_date)
        if self.new_time is not None:
            when += f" {self.new_time:%H:%M}"
        return f"{self.kind}{self.which}改到{when}（规则不变，只调整这一次）"

    def target(self, rule: Rule, today: date) -> Occurrence | None:
        """The occurrence of ``rule`` this move applies to (None when there is none ahead)."""
        for occ in iter_occurrences(rule, today):
            if self.original_date is not None:
                if occ.original_date == self.original_date or occ.date == self.original_date:
                    return occ
                if min(occ.original_date, occ.date) > self.original_date:
                    return None
            elif self.original_month is not None:
                months = {
                    (occ.date.year, occ.date.month),
                    (occ.original_date.year, occ.original_date.month),
                }
                if self.original_month in months:
                    return occ
                if min(months) > self.original_month:
                    return None
            else:
                return occ
        return None


def _month_from(today: date, month: int, year: int | None = None) -> tuple[int, int]:
    """The month ``month`` this year, or next year when it has passed (a written year wins)."""
    if not 1 <= month <= 12:
        raise RuleError(f"月份应在 1–12 之间，收到“{month}月”。")
    if year is not None:
        return year, month
    return (today.year, month) if month >= today.month else (today.year + 1, month)


def _day_in(ym: tuple[int, int], day: int) -> date:
    try:
        return date(ym[0], ym[1], day)
    except ValueError:
        raise RuleError(f"{ym[0]}年{ym[1]}月没有{day}日，请检查日期。") from None


def parse_move(text: str, today: date) -> Move:
    """'本月改到15号', '这次改到12月18日', '本次推迟到下周三' → Move. Raises RuleError.

    The new day must not be before ``today``. A bare 15号 is in the named month (本月, 下个月,
    12月), otherwise the next 15th from today; 12月18日 without a year is the next one.
    """
    raw = (text or "").strip()
    s = _ISO_DATE_RE.sub(_iso_to_words, unicodedata.normalize("NFKC", raw))
    s = _normalize(s)
    s = re.sub(r"[,;。、()（）!！~·]", "", s)
    m = _MOVE_RE.fullmatch(s)
    if not raw or not m:
        raise RuleError(f"无法识别“{raw}”。\n{MOVE_HELP}")
    original_date, original_month = _moved_occurrence(m, today)
    new_text, new_time = _extract_time(m.group("new"))
    n = _NEW_DATE_RE.fullmatch(new_text)
    if not n:
        raise RuleError(f"没看懂新的日期“{m.group('new')}”。\n{MOVE_HELP}")
    new_date = _move_new_date(n, today, original_month, original_date)
    if new_date < today:
        raise RuleError(f"{fmt_date(new_date)}已经过去了，请写今天以后的日期。")
    kind = re.sub(r"^(?:那次|这次|的)|(?:那次|这次)$", "", m.group("kind") or "")
    if re.search(r"[0-9]|月|周[一二三四五六日]", kind):
        raise RuleError(f"无法识别“{raw}”。\n{MOVE_HELP}")
    return Move(raw, new_date, original_month, original_date, kind, new_time)


def _next_month(today: date) -> tuple[int, int]:
    """(year, month) of the month after ``today``'s."""
    nxt = today.replace(day=1) + timedelta(days=32)
    return nxt.year, nxt.month


def _moved_occurrence(
    m: re.Match[str], today: date
) -> tuple[date | None, tuple[int, int] | None]:
    """Which occurrence a move names, as ``(original_date, original_month)``: a date
    (12月4日那次), a month (12月 / 本月 / 下个月), or neither (这次, 下次, nothing said) for the
    next one. At most one is set; :meth:`Move.target` looks for it in that order."""
    which = m.group("which") or ""
    if m.group("wd"):
        ym = _month_from(today, _num(m.group("wm")), int(m.group("wy")) if m.group("wy") else None)
        return _day_in(ym, _num(m.group("wd"))), None
    if m.group("mm"):
        year = int(m.group("my")) if m.group("my") else None
        return None, _month_from(today, _num(m.group("mm")), year)
    if which in ("本月", "这个月", "这月", "当月"):
        return None, (today.year, today.month)
    if which in ("下个月", "下月"):
        return None, _next_month(today)
    return None, None


def _move_new_date(
    n: re.Match[str],
    today: date,
    original_month: tuple[int, int] | None,
    original_date: date | None,
) -> date:
    """The day an occurrence moves to: 今天/明天/后天, a weekday (周三 alone is the coming one,
    today included), or a day number (see :func:`_move_new_day`). Not yet checked against
    ``today``: the caller refuses a day in the past with the date in the message."""
    if n.group("rel"):
        return today + timedelta(days=("今天", "明天", "后天").index(n.group("rel")))
    if n.group("w"):
        new_date = _weekday_in_week(today, n.group("wk"), n.group("w"))
        if not n.group("wk") and new_date < today:  # 周三 alone: the coming one
            new_date += timedelta(days=7)
        return new_date
    return _move_new_day(
        _num(n.group("d")), n, today, original_month=original_month, original_date=original_date
    )


def _move_new_day(
    day: int,
    n: re.Match[str],
    today: date,
    *,
    original_month: tuple[int, int] | None,
    original_date: date | None,
) -> date:
    """A written day: 12月18日 is the next one (a written year wins); a bare 15号 falls in the
    moved occurrence's month when the text named one (本月, 下个月, 12月, 12月4日那次), else it
    is the next 15th from today."""
    if not 1 <= day <= 31:  # 0号 / 32号: a clear message, not date()'s ValueError
        raise RuleError(f"没有{day}号这一天，请检查日期。")
    if n.group("m"):
        year = int(n.group("y")) if n.group("y") else None
        new_date = _day_in(_month_from(today, _num(n.group("m")), year), day)
        if year is None and new_date < today:
            new_date = _day_in((new_date.year + 1, new_date.month), day)
        return new_date
    if original_month is not None:
        return _day_in(original_month, day)
    if original_date is not None:
        return _day_in((original_date.year, original_date.month), day)
    ym = (today.year, today.month)  # 这次改到15号: the next 15th from today
    if day > pycalendar.monthrange(*ym)[1] or date(*ym, day) < today:
        ym = _next_month(today)
    return _day_in(ym, day)


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
    head = f"{title}：{rule.describe()}" if title else rule.describe()
    lines = [head]
    for i, occ in enumerate(next_dates(rule, start, count), 1):
        line = f"{i}. {fmt_date(occ.date)}"
        if occ.note:
            line += f"——{occ.note}"
        lines.append(line)
    return "\n".join(lines)
