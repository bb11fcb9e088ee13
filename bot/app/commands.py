"""The command table and the button routes: one row per command, one route per button kind.

The help text, the Telegram command menus (private / group / admin scopes) and the README's
command table are generated from :data:`COMMANDS`; adding a command is one view function and
one row here.
"""

from __future__ import annotations

from bot.app import buttons
from bot.app.core import ButtonRoute, Command
from bot.app.views import admin, ask, calc, drafts, fanwen, fazhan, ledger, meetings, reminder

COMMANDS: tuple[Command, ...] = (
    Command("start", ask.start, "开始使用"),
    Command("help", ask.start, "使用说明和全部命令"),
    Command("ask", ask.ask, "问党务规定", usage="/ask 支委会多久开一次"),
    Command("fanwen", fanwen.fanwen, "搜范文段落，◀ ▶ 翻页，➕ 加入草稿", ("fw", "search"),
            usage="/fanwen 三会一课 存在问题"),
    Command("partyday", meetings.partyday, "设置/查看/停止主题党日", ("dangri",),
            usage="/partyday 每月第一个周五", manage=True),
    Command("schedule", meetings.schedule, "设置其他会议（支委会、党员大会…）",
            usage="/schedule 支委会 每月第一个工作日", manage=True),
    Command("gaiqi", reminder.gaiqi, "会议改期一次（规则不变）", usage="/gaiqi 主题党日 本月改到15号",
            manage=True),
    Command("schedules", meetings.schedules, "全部日程，添加/修改/停止，提醒时间"),
    Command("ics", meetings.ics, "导出日历文件（.ics）"),
    Command("tz", meetings.tz, "查看/设置时区", usage="/tz 乌鲁木齐", manage=True),
    Command("draft", drafts.draft, "草稿篮：排序、导出 Word 或文本", ("caogao",),
            usage="/draft，/draft text"),
    Command("org", drafts.org, "设置单位名称，用于填写范文", usage="/org 红星村党支部"),
    Command("title", drafts.title, "设置导出标题", usage="/title 2026年度述职报告"),
    Command("dangfei", calc.dangfei, "算党费：金额和身份", usage="/dangfei 7200 在职"),
    Command("renshu", calc.renshu, "算人数：到会、当选、表决、能否设支委会",
            usage="/renshu 应到40 实到33 得票17"),
    Command("huanjie", calc.huanjie, "换届时间：任期、到期月、准备事项，届满前提醒",
            usage="/huanjie 2023-03 支部", manage=True),
    Command("fazhan", fazhan.fazhan, "发展党员各步骤的期限，跟踪进度", usage="/fazhan 小王 积极分子 2026-05-01"),
    Command("jilu", ledger.jilu, "记入三会一课台账", usage="/jilu 支委会 今天 研究发展对象 应到7 实到6"),
    Command("taizhang", ledger.taizhang, "本年台账、缺开提醒、导出 Word/Excel；/taizhang 没有支委会",
            usage="/taizhang 2026 导出", manage=True),
    Command("unanswered", admin.unanswered_list, "未答问题，归到对应规定", admin=True, groups=False),
    Command("stats", admin.stats_view, "近30天使用统计", admin=True, groups=False),
    Command("sources", admin.sources, "导入的范文文件，可删除", admin=True, groups=False),
)

BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(buttons.RULE, ask.rule_button),
    ButtonRoute(buttons.FEEDBACK, ask.feedback_button),
    ButtonRoute(buttons.EXAMPLE, ask.example_button),
    ButtonRoute(buttons.CASE_OPTION, ask.case_option_button),
    ButtonRoute(buttons.FW_PAGE, fanwen.page_button),
    ButtonRoute(buttons.FW_KIND, fanwen.page_button),
    ButtonRoute(buttons.FW_LAST, fanwen.last_question_button),
    ButtonRoute(buttons.TEMPLATE_VOTE, drafts.template_vote),
    ButtonRoute(buttons.DRAFT_ADD, drafts.add_button),
    ButtonRoute(buttons.DRAFT_ITEM, drafts.basket_button),
    ButtonRoute(buttons.DRAFT_ACTION, drafts.basket_button),
    ButtonRoute(buttons.ATTACH, admin.attach_button, slow=True),  # teaching refits the matcher
    ButtonRoute(buttons.SOURCE, admin.source_button),
    ButtonRoute(buttons.SCHED_ADD, meetings.schedule_button, manage=True),
    ButtonRoute(buttons.SCHED_EDIT, meetings.schedule_button, manage=True),
    ButtonRoute(buttons.SCHED_SUGGESTED, meetings.schedule_button, manage=True),
    ButtonRoute(buttons.SCHED_STOP, meetings.schedule_button, manage=True),
    ButtonRoute(buttons.SCHED_PICK, meetings.pick_button, manage=True),
    ButtonRoute(buttons.LEADS_MENU, meetings.leads_menu, manage=True),
    ButtonRoute(buttons.LEADS, meetings.leads_button, manage=True),
    ButtonRoute(buttons.KIND_LEADS_MENU, meetings.kind_leads_button, manage=True),
    ButtonRoute(buttons.KIND_LEADS, meetings.kind_leads_button, manage=True),
    ButtonRoute(buttons.CALC_PICK, calc.pick_button),
    ButtonRoute(buttons.PERSON, fazhan.person_button),
    ButtonRoute(buttons.LEDGER_DELETE, ledger.ledger_button),
    ButtonRoute(buttons.LEDGER_EXPORT, ledger.ledger_button),
    ButtonRoute(buttons.REMINDER_HELD, reminder.held_button),
    ButtonRoute(buttons.ATTEND, reminder.attend_button),
    ButtonRoute(buttons.LEDGER_EDIT, ledger.edit_button),
    ButtonRoute(buttons.RESCHEDULE, reminder.reschedule_button, manage=True),
    ButtonRoute(buttons.RESCHEDULE_TO, reminder.reschedule_button, manage=True),
    ButtonRoute(buttons.CANCEL, reminder.cancel_button, manage=True),
    ButtonRoute(buttons.CANCEL_REASON, reminder.cancel_button, manage=True),
)


def markdown_table() -> str:
    """The README's command table, generated from :data:`COMMANDS` (a test keeps them equal)."""
    lines = ["| command | does | example |", "|---|---|---|"]
    for c in COMMANDS:
        names = " ".join(f"/{n}" for n in (c.name, *c.aliases))
        who = "（管理员）" if c.admin else "（群内仅管理员可修改）" if c.manage else ""
        lines.append(f"| {names} | {c.help}{who} | {c.usage or '/' + c.name} |")
    return "\n".join(lines)
