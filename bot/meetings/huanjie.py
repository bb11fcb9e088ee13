"""换届 due dates: from the last election and the kind of organisation, the term end and reminders.

Terms and the one-year extension come from ``knowledge/facts/huanjie.yaml``: 党支部/党总支 3 years,
村和社区党组织 5, 基层党委 5; 延期或提前不超过1年，须报上级党组织批准. An election known only to the
month (``2023-06``) is taken as the 1st of that month; the due month is what matters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlite_utils import Database

from bot.db import write
from bot.facts.store import fact

#: Canonical kinds → the fact holding the term.
KINDS = {"党支部": "huanjie.term.branch", "党总支": "huanjie.term.branch",
         "村/社区党组织": "huanjie.term.village", "基层党委": "huanjie.term.committee"}
KIND_HELP = "可用：党支部、党总支、村/社区党组织、基层党委（如“支部”“总支”“村党委”“党委”）。"


class HuanjieError(ValueError):
    """An unknown organisation kind or an unreadable date; the message is for the user."""


@dataclass(frozen=True)
class Reminder:
    when: date
    label: str
    prepare: tuple[str, ...]


@dataclass(frozen=True)
class Huanjie:
    org: str
    elected: date
    term_years: int
    due: date  # 任期届满
    earliest: date  # 提前换届最早（须上级批准）
    latest: date  # 延期换届最晚（须上级批准）
    reminders: tuple[Reminder, ...]
    status: str  # 'ok' | 'soon' | 'due' (the due month) | 'overdue' | 'late' (past the +1 year)
    basis: tuple[str, ...]

    @property
    def due_month(self) -> str:
        return f"{self.due.year}-{self.due.month:02d}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "elected": self.elected.isoformat(),
            "term_years": self.term_years,
            "due": self.due.isoformat(),
            "due_month": self.due_month,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "status": self.status,
            "reminders": [
                {"date": r.when.isoformat(), "label": r.label, "prepare": list(r.prepare)}
                for r in self.reminders
            ],
            "basis": list(self.basis),
        }


def _clean(text: str) -> str:
    from bot.text import to_simplified

    return re.sub(r"[\s·\-/、]+", "", to_simplified(unicodedata.normalize("NFKC", text or "")))


def parse_kind(text: str) -> str:
    """党支部 / 党总支 / 村/社区党组织 / 基层党委 from the usual spellings."""
    s = _clean(text)
    if not s:
        raise HuanjieError("请写明组织类型。" + KIND_HELP)
    if "村" in s or "社区" in s:
        return "村/社区党组织"
    if "总支" in s:
        return "党总支"
    if "支部" in s or s in {"支委", "支委会"}:
        return "党支部"
    if "党委" in s or "基层委员会" in s:
        return "基层党委"
    raise HuanjieError(f"不认识的组织类型“{text}”。" + KIND_HELP)


def term(org_kind: str) -> int:
    """Years of one term for an organisation kind (any accepted spelling)."""
    return int(fact(KINDS[parse_kind(org_kind)]).value)


def parse_elected(text: str) -> date:
    """``2023-06-15``, ``2023-06``, ``2023年6月`` or ``2023年6月15日``; a month alone is its 1st."""
    s = unicodedata.normalize("NFKC", text or "").strip()
    m = re.fullmatch(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?|月)?", s)
    if not m:
        raise HuanjieError(f"日期格式不对：{text}（如 2023-06 或 2023-06-15）")
    try:
        return date(int(m[1]), int(m[2]), int(m[3] or 1))
    except ValueError:
        raise HuanjieError(f"没有这一天：{text}") from None


def _prepare() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    margin = round(float(fact("huanjie.candidates.margin").value) * 100)
    num, den = fact("huanjie.quorum").value
    return (
        ("向上级党组织请示换届，报批选举方案（委员名额、候选人预备人选、选举办法）",
         "征求党员意见，起草工作报告"),
        (f"上级批复后确定候选人预备人选，差额不少于{margin}%",
         "核对有选举权的党员名单，发出会议通知"),
        (f"召开党员大会：有选举权的到会人数超过应到会人数的{num}/{den}方可选举",
         "选举结果（书记、副书记）报上级党组织批准"),
    )


def due(elected: date, org_kind: str, *, today: date | None = None) -> Huanjie:
    """The term end, the ±1-year window (上级批准) and reminders 3 months and 1 month ahead."""
    kind = parse_kind(org_kind)
    term_fact = fact(KINDS[kind])
    adjust = fact("huanjie.adjust.max_years")
    years = int(term_fact.value)
    end = elected + relativedelta(years=years)
    window = relativedelta(years=int(adjust.value))
    first_of_month = end.replace(day=1)
    p3, p1, p0 = _prepare()
    reminders = (
        Reminder(end - relativedelta(months=3), "届满前3个月", p3),
        Reminder(end - relativedelta(months=1), "届满前1个月", p1),
        Reminder(first_of_month, "届满当月", p0),
    )
    today = today or date.today()
    latest = end + window
    if today > latest:
        status = "late"
    elif (today.year, today.month) > (end.year, end.month):
        status = "overdue"
    elif today >= first_of_month:
        status = "due"
    elif today >= reminders[0].when:
        status = "soon"
    else:
        status = "ok"
    basis = (term_fact.citation, adjust.citation, fact("huanjie.candidates.margin").citation)
    return Huanjie(kind, elected, years, end, end - window, latest, reminders, status, basis)


_STATUS_LINE = {
    "ok": "",
    "soon": "已进入换届准备期",
    "due": "本月届满，请按期换届",
    "overdue": "任期已满：未经上级批准延期的，应尽快换届",
    "late": "已超过延期上限1年，请立即向上级党组织报告",
}


def render(h: Huanjie) -> str:
    """A phone-sized block: term, due month, the ±1-year window and what to prepare when."""
    lines = [
        f"{h.org} · 上次选举 {h.elected.isoformat()} · 任期{h.term_years}年",
        f"届满：{h.due.year}年{h.due.month}月（{h.due.isoformat()}）",
        f"延期或提前须报上级批准，最多1年：最晚 {h.latest.isoformat()}",
    ]
    if _STATUS_LINE[h.status]:
        lines.append("！" + _STATUS_LINE[h.status])
    for r in h.reminders:
        lines.append(f"· {r.when.isoformat()} {r.label}")
        lines.extend(f"  {item}" for item in r.prepare)
    lines.append("依据：" + h.basis[0])
    return "\n".join(lines)


# --- the chat's own term, for reminders ----------------------------------------------------


def save(db: Database, chat_id: int, elected: date, org_kind: str) -> None:
    """Remember the chat's organisation and last election (one per chat; a new one replaces)."""
    with write(db):
        db.execute(
            """INSERT INTO huanjie (chat_id, org_kind, elected) VALUES (?, ?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET org_kind = excluded.org_kind,
                   elected = excluded.elected, updated_at = datetime('now')""",
            [chat_id, org_kind, elected.isoformat()],
        )


def saved(db: Database, chat_id: int) -> tuple[date, str] | None:
    row = db.execute("SELECT elected, org_kind FROM huanjie WHERE chat_id = ?", [chat_id]).fetchone()
    return (date.fromisoformat(row[0]), str(row[1])) if row else None
