"""The ``dangwu`` command: run the bot, chat in the console, and script every core feature.

Each sub-command is a thin shell over a core function so the CLI, the console chat and the
Telegram handlers behave the same.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.config import ConfigError, Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _json_line(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# --- section: rules (ask) ---------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.rules.case import answer_case, case_dict
    from bot.rules.engine import load_rulebook

    book = load_rulebook(db_path=settings.db_path)
    today = datetime.now(settings.tz).date()
    if args.question == "-":
        for line in sys.stdin:
            q = line.strip()
            if not q:
                continue
            _json_line(case_dict(answer_case(book, q, today)))
        return 0
    case = answer_case(book, args.question, today)
    if args.json:
        _json_line(case_dict(case))
    else:
        from bot.app.views.ask import render_case

        print(render_case(case).plain())
    return 0


def cmd_rules_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import open_db
    from bot.rules.engine import export_overrides

    db = open_db(settings.db_path)
    written = export_overrides(db, args.out)
    print(f"已导出 {written} 条用户补充问法 → {args.out}")
    return 0


def cmd_rules_warm(args: argparse.Namespace, settings: Settings) -> int:
    """Build the start-up caches (segmenter dictionary, rules index and classifier) ahead of the
    first start, so that start is as fast as every later one; ``make`` runs it after installing."""
    import time

    from bot.rules.engine import load_rulebook

    t0 = time.perf_counter()
    book = load_rulebook()
    book.answer("支委会多久开一次")
    print(f"知识库已就绪：{len(book.rules)} 条规则（{time.perf_counter() - t0:.1f} 秒）")
    return 0


def cmd_commands(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app.commands import markdown_table

    print(markdown_table())
    return 0


# --- section: chat / run ------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app.console import run_console

    return run_console(settings)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print(
            "未设置 TELEGRAM_BOT_TOKEN，进入本地控制台对话（同一套功能）。"
            "要运行 Telegram 机器人，请在 .env 中设置 TELEGRAM_BOT_TOKEN=<BotFather 给的令牌>。",
            file=sys.stderr,
        )
        return cmd_chat(args, settings)
    if not settings.token_ok:
        print("TELEGRAM_BOT_TOKEN 格式不对（应为 数字:字母串，见 @BotFather），请检查 .env。", file=sys.stderr)
        return 2
    try:
        from handlers.app import run_polling
    except ImportError:
        print("Telegram 前端尚未安装，进入本地控制台对话。", file=sys.stderr)
        return cmd_chat(args, settings)
    return run_polling(settings)


# --- section: corpus / search (ingest, search) ------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import open_db
    from bot.fanwen.corpus import (
        CorpusError,
        ensure_bundled,
        ingest_paths,
        list_sources,
        remove_source,
    )

    db = open_db(settings.db_path)
    if args.list:
        for src in list_sources(db):
            print(f"#{src.id}\t{src.origin}\t{src.paragraphs} 段\t{src.name}\t{src.imported_at}")
        return 0
    if args.remove is not None:
        try:
            removed = remove_source(db, args.remove)
        except CorpusError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"已删除来源 #{args.remove}（{removed} 段）")
        return 0
    if not args.paths:
        print("请给出要导入的文件或文件夹，例如：dangwu ingest ~/范文", file=sys.stderr)
        return 2
    ensure_bundled(db)
    from tqdm import tqdm

    bar = tqdm(total=0, unit="个文件", file=sys.stderr, disable=None, dynamic_ncols=True)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name[:30], refresh=False)
        bar.update(1)

    try:
        summary = ingest_paths(db, args.paths, progress=progress)
    finally:
        bar.close()
    if args.json:
        _json_line(summary.to_dict())
    else:
        print(summary.text())
    if summary.files == 0:
        print("没有找到可导入的文件（支持 .txt .docx .md .pdf）", file=sys.stderr)
        return 1
    return 1 if summary.failed == summary.files else 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import open_db
    from bot.fanwen.corpus import ensure_bundled
    from bot.fanwen.search import SearchResponse, search

    db = open_db(settings.db_path)
    ensure_bundled(db)

    def run(query: str) -> SearchResponse:
        return search(
            db, query, kind=args.kind, source=args.source, limit=args.limit, offset=args.offset
        )

    def show(resp: SearchResponse) -> None:
        if args.json:
            _json_line(resp.to_list())
            return
        for i, r in enumerate(resp.results, resp.offset + 1):
            where = f" {r.heading}" if r.heading else ""
            print(f"{i}. 【{r.kind}】{where}\n{r.text}\n   —— {r.source} #{r.id}  ({r.score:.2f})")
        if resp.message:
            print(resp.message)
        elif resp.results:
            print(f"共约 {resp.total} 段相关")

    if args.query == "-":
        for line in sys.stdin:
            show(run(line.strip()))
        return 0
    show(run(args.query))
    return 0


# --- section: schedule / reminders (schedule, remind) -----------------------------------


def cmd_schedule_next(args: argparse.Namespace, settings: Settings) -> int:
    from bot.meetings.schedule import RuleError, next_dates, parse_rule, parse_start

    try:
        rule = parse_rule(args.rule)
        start = parse_start(args.start, settings.tz)
    except RuleError as exc:
        print(exc, file=sys.stderr)
        return 2
    occurrences = next_dates(rule, start, args.count)
    if args.json:
        print(json.dumps([o.as_dict() for o in occurrences], ensure_ascii=False, indent=2))
        return 0
    if rule.skip_warning:
        print(rule.skip_warning, file=sys.stderr)
    for occ in occurrences:
        print(occ.line())
    return 0


def cmd_schedule_ics(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from bot.meetings.schedule import (
        DEFAULT_LEADS,
        RuleError,
        parse_leads,
        parse_rule,
        parse_start,
        to_ics,
    )

    try:
        rule = parse_rule(args.rule)
        leads = parse_leads(args.leads) if args.leads else None
        start = parse_start(args.start, settings.tz)
    except RuleError as exc:
        print(exc, file=sys.stderr)
        return 2
    data = to_ics(
        rule, start, args.count, name=args.name, leads=leads or DEFAULT_LEADS, tz_name=settings.tz_name
    )
    if args.out == "-":
        sys.stdout.buffer.write(data)
        return 0
    Path(args.out).write_bytes(data)
    print(f"已导出 {args.count} 个日期（{args.name}）→ {args.out}")
    return 0


def cmd_schedule_add(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.db import open_db
    from bot.meetings.reminders import chat_today, render_schedule, save_schedule
    from bot.meetings.schedule import RuleError

    db = open_db(settings.db_path)
    try:
        saved = save_schedule(db, args.chat_id, args.kind, args.rule, leads=args.leads)
    except RuleError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(render_schedule(saved, chat_today(db, args.chat_id, datetime.now(UTC))))
    return 0


def cmd_schedule_list(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.db import open_db
    from bot.meetings.reminders import chat_today, render_schedules

    db = open_db(settings.db_path)
    today = chat_today(db, args.chat_id, datetime.now(UTC))
    print(render_schedules(db, args.chat_id, today, args.count))
    return 0


def cmd_remind_due(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.db import open_db
    from bot.meetings.reminders import due

    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            print(f"时间格式不对：{args.at}（应为 \"YYYY-MM-DD HH:MM\"）", file=sys.stderr)
            return 2
        now = at if at.tzinfo else at.replace(tzinfo=settings.tz)
    else:
        now = datetime.now(UTC)
    if not Path(settings.db_path).exists():
        print(f"数据库不存在：{settings.db_path}（还没有任何日程）", file=sys.stderr)
        return 1
    items = due(open_db(settings.db_path), now, include_skipped=args.all)
    if args.json:
        _json_line(
            [
                {
                    "chat_id": r.chat_id,
                    "kind": r.kind,
                    "occurrence": r.occurrence.isoformat(),
                    "lead": r.lead.key,
                    "fire_at": r.fire_at.isoformat(),
                    "skip_reason": r.skip_reason,
                    "text": r.render(now),
                }
                for r in items
            ]
        )
        return 0
    local = now.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    if not items:
        print(f"{local} 没有要发送的提醒。")
        return 0
    print(f"{local} 将发送 {sum(1 for r in items if not r.skip_reason)} 条提醒（只看不发）：")
    for r in items:
        status = f"跳过：{r.skip_reason}" if r.skip_reason else r.lead.label
        print(f"{r.chat_id}\t{r.kind}\t{r.occurrence.isoformat()}\t{status}")
        if args.text and not r.skip_reason:
            print("    " + r.render(now).replace("\n", "\n    "))
    return 0



# --- section: timelines (timeline, huanjie) -----------------------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式不对：{text}（应为 YYYY-MM-DD）") from None


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    from bot.meetings.timeline import TimelineError, parse_stage, plan, render, to_json

    done_steps: dict[str, date] = {}
    try:
        for item in args.done or []:
            name, sep, value = item.partition("=")
            if not sep:
                raise TimelineError(f"--done 应写成 步骤=日期，如 公示=2026-09-30：{item}")
            done_steps[name] = _iso_date(value)
        today = args.today or date.today()
        steps = plan(args.stage, args.date, done_steps=done_steps, gongshi_days=args.gongshi,
                     today=today, extension_months=args.extend)
    except (TimelineError, argparse.ArgumentTypeError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        _json_line(to_json(steps))
    else:
        print(render(args.name or parse_stage(args.stage), steps, today))
    return 0


def cmd_huanjie(args: argparse.Namespace, settings: Settings) -> int:
    from bot.meetings.huanjie import HuanjieError, due, parse_elected, render

    try:
        result = due(parse_elected(args.date), args.org, today=args.today or date.today())
    except HuanjieError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        _json_line(result.as_dict())
    else:
        print(render(result))
    return 0


# --- section: ledger (三会一课台账) ------------------------------------------------------


def _ledger_today(settings: Settings) -> date:
    from datetime import datetime

    return datetime.now(settings.tz).date()


def cmd_ledger(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import open_db
    from bot.meetings import ledger

    db = open_db(settings.db_path)
    chat = args.chat
    try:
        if args.ledger_command == "add":
            m = ledger.record(db, chat, args.kind, args.date, topic=args.topic,
                              expected=args.expected, present=args.present, chair=args.chair)
            if args.json:
                _json_line(m.as_dict())
            else:
                print(f"已记录 #{m.id} {m.day.isoformat()} {m.kind} {m.topic or ''}".rstrip())
        elif args.ledger_command == "list":
            year = args.year or _ledger_today(settings).year
            meetings = ledger.list_meetings(db, chat, year)
            if args.json:
                _json_line([m.as_dict() for m in meetings])
            elif not meetings:
                print(f"{year}年没有记录。")
            for m in [] if args.json else meetings:
                print(f"#{m.id}\t{m.day.isoformat()}\t{m.kind}\t{m.attendance}\t"
                      f"{m.chair or ''}\t{m.topic or ''}")
        elif args.ledger_command == "gaps":
            at = args.at or _ledger_today(settings)
            found = ledger.gaps(db, chat, at, kinds=args.kind or None)
            if args.json:
                _json_line([g.as_dict() for g in found])
            else:
                for g in found:
                    print(f"{g.kind}\t{g.period}\t{g.status}\t{g.due.isoformat()}")
        elif args.ledger_command == "kind":
            ledger.set_kind_enabled(db, chat, args.kind, args.state == "on")
            print("、".join(ledger.enabled_kinds(db, chat)) or "（不检查任何会议）")
        else:  # export
            from pathlib import Path

            meetings = ledger.list_meetings(db, chat, args.year)
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            base = out / f"三会一课台账-{args.year}-{chat}"
            docx_path, xlsx_path = base.with_suffix(".docx"), base.with_suffix(".xlsx")
            docx_path.write_bytes(ledger.export_docx(meetings, f"{args.year}年三会一课台账"))
            xlsx_path.write_bytes(ledger.export_xlsx(meetings))
            print(f"{len(meetings)} 条记录 → {docx_path}  {xlsx_path}")
    except ledger.LedgerError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dangwu",
        description="党务助手：党内法规问答、范文段落检索、主题党日提醒。",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("run", help="运行 Telegram 机器人（无令牌时进入控制台对话）")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("chat", help="本地控制台对话（交互或管道输入，每行一条消息）")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("commands", help="聊天命令一览（Markdown 表格，README 由此生成）")
    s.set_defaults(func=cmd_commands)

    s = sub.add_parser("ask", help="问一个党务规定问题")
    s.add_argument("question", help="问题；'-' 表示从标准输入逐行读取（输出 JSON Lines）")
    s.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("rules", help="知识库维护")
    rsub = s.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    r = rsub.add_parser("export", help="把管理员补充的问法导出为 YAML 供审核")
    r.add_argument("-o", "--out", default="knowledge/rules/overrides.yaml")
    r.set_defaults(func=cmd_rules_export)
    r = rsub.add_parser("warm", help="预先建好启动缓存（分词词典、规则索引），首次启动也快")
    r.set_defaults(func=cmd_rules_warm)

    # --- parser: corpus / search ---
    s = sub.add_parser("ingest", help="导入范文文件或文件夹（.txt .docx .md .pdf）")
    s.add_argument("paths", nargs="*", metavar="PATH", help="文件或文件夹，可多个")
    s.add_argument("--json", action="store_true", help="以 JSON 输出导入汇总")
    s.add_argument("--list", action="store_true", help="列出已导入的来源文件")
    s.add_argument("--remove", type=int, metavar="ID", help="删除一个来源文件及其段落")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("search", help="检索范文段落")
    s.add_argument("query", help="关键词；'-' 表示从标准输入逐行读取")
    s.add_argument("--kind", help="段落类型：开头 主要做法 存在问题 原因分析 整改措施 下一步打算 结尾")
    s.add_argument("--source", help="来源：编号、文件名或 bundled/import/upload")
    s.add_argument("--limit", type=int, default=5, help="返回几段（默认 5）")
    s.add_argument("--offset", type=int, default=0, help="跳过前几段（翻页）")
    s.add_argument("--json", action="store_true", help="输出 JSON 列表（每个查询一行）")
    s.set_defaults(func=cmd_search)


    # --- parser: schedule / reminders ---
    s = sub.add_parser("schedule", help="会议日程：规则换算日期、导出日历、按群设置")
    ssub = s.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    r = ssub.add_parser("next", help="按规则列出接下来的日期（含节假日调整）")
    r.add_argument("rule", help='规则，如 "每月第一个周五，遇节假日顺延"')
    r.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD（默认今天）")
    r.add_argument("--count", type=int, default=12, help="列出几个日期（默认 12）")
    r.add_argument("--json", action="store_true", help="输出 JSON 列表")
    r.set_defaults(func=cmd_schedule_next)
    r = ssub.add_parser("ics", help="导出 .ics 日历文件（含提醒）")
    r.add_argument("rule")
    r.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD（默认今天）")
    r.add_argument("--count", type=int, default=12)
    r.add_argument("--name", default="主题党日", help="日历里显示的名称（默认 主题党日）")
    r.add_argument("--leads", help='提醒时间，如 "提前3天 9:00，当天 8:00"（默认即此）')
    r.add_argument("-o", "--out", default="-", help="输出文件（默认标准输出）")
    r.set_defaults(func=cmd_schedule_ics)
    r = ssub.add_parser("add", help="为某个群设置（或修改）一类会议的日程")
    r.add_argument("chat_id", type=int)
    r.add_argument("kind", help="主题党日 / 支委会 / 党员大会 / 党小组会 / 党课 / 组织生活会 / 自定义")
    r.add_argument("rule")
    r.add_argument("--leads", help='提醒时间，如 "提前3天 9:00，当天 8:00"')
    r.set_defaults(func=cmd_schedule_add)
    r = ssub.add_parser("list", help="列出某个群的全部日程")
    r.add_argument("chat_id", type=int)
    r.add_argument("--count", type=int, default=3)
    r.set_defaults(func=cmd_schedule_list)

    s = sub.add_parser("remind", help="会议提醒")
    rsub2 = s.add_subparsers(dest="remind_command", metavar="ACTION", required=True)
    r = rsub2.add_parser("due", help="列出某一时刻应发送的提醒（只看不发，读 DANGWU_DB）")
    r.add_argument("--at", help='时间 "YYYY-MM-DD HH:MM"（DANGWU_TZ 本地时间，默认现在）')
    r.add_argument("--all", action="store_true", help="也列出将记为跳过的提醒")
    r.add_argument("--text", action="store_true", help="显示提醒全文")
    r.add_argument("--json", action="store_true", help="输出 JSON 列表")
    r.set_defaults(func=cmd_remind_due)

    # --- parser: timelines ---
    s = sub.add_parser("timeline", help="发展党员时间线：从某一步的日期推算后续步骤、时限和建议日期")
    s.add_argument("stage", help="阶段：申请 / 积极分子 / 发展对象 / 预备党员 / 转正")
    s.add_argument("date", type=_iso_date, help="该阶段的日期 YYYY-MM-DD")
    s.add_argument("--done", action="append", metavar="步骤=日期", help="已办步骤，可多次，如 公示=2026-09-30")
    s.add_argument("--gongshi", type=int, help="公示工作日数（默认按细则）")
    s.add_argument("--extend", type=int, metavar="月", help="延长预备期月数（6–12）")
    s.add_argument("--name", help="显示的姓名，如 小王")
    s.add_argument("--today", type=_iso_date, help="按这一天判断是否超期（默认今天）")
    s.add_argument("--json", action="store_true", help="输出一个 JSON 列表")
    s.set_defaults(func=cmd_timeline)

    s = sub.add_parser("huanjie", help="换届：按上次选举日期和组织类型算届满时间与提醒")
    s.add_argument("date", help="上次选举日期，如 2023-06 或 2023-06-15")
    s.add_argument("org", help="党支部 / 党总支 / 村（社区） / 基层党委")
    s.add_argument("--today", type=_iso_date, help="按这一天判断状态（默认今天）")
    s.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    s.set_defaults(func=cmd_huanjie)

    # --- parser: ledger ---
    s = sub.add_parser("ledger", help="三会一课台账：记录、列表、缺漏检查、导出")
    lsub = s.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    r = lsub.add_parser("add", help="记一次已开的会")
    r.add_argument("kind", help="支委会 / 党员大会 / 党小组会 / 党课 / 主题党日 / 组织生活会 / 民主评议")
    r.add_argument("date", type=_iso_date, help="开会日期 YYYY-MM-DD")
    r.add_argument("--topic", help="议题")
    r.add_argument("--expected", type=int, help="应到人数")
    r.add_argument("--present", type=int, help="实到人数")
    r.add_argument("--chair", help="主持人")
    r.add_argument("--json", action="store_true", help="输出 JSON 对象")
    r = lsub.add_parser("list", help="列出某年的记录")
    r.add_argument("--year", type=int, help="年份（默认今年）")
    r.add_argument("--json", action="store_true", help="输出 JSON 列表")
    r = lsub.add_parser("gaps", help="按条例周期列出缺漏（本年及上一周期）")
    r.add_argument("--at", type=_iso_date, help="按这一天检查（群的本地日期，默认今天）")
    r.add_argument("--kind", action="append", help="只查这类会议，可多次")
    r.add_argument("--json", action="store_true", help="输出一个 JSON 列表")
    r = lsub.add_parser("kind", help="设置本支部有没有某类会议（如不足7人没有支委会）")
    r.add_argument("kind")
    r.add_argument("state", choices=["on", "off"])
    r = lsub.add_parser("export", help="导出 .docx 和 .xlsx")
    r.add_argument("--year", type=int, required=True)
    r.add_argument("-o", "--out", default=".", help="输出文件夹（默认当前文件夹）")
    for r in lsub.choices.values():
        r.add_argument("--chat", type=int, required=True, help="群或用户的 chat id")
        r.set_defaults(func=cmd_ledger)

    return p


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and hasattr(signal, "SIGPIPE"):  # `dangwu search ... | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2
    func: Handler = args.func
    return func(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
