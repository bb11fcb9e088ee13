"""The ``dangwu`` command: run the bot, chat in the console, and script every core feature.

Each sub-command is a thin shell over a core function so the CLI, the console chat and the
Telegram handlers behave the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from bot.config import ConfigError, Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def _json_line(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# --- section: rules (ask) ---------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.rules import answer_dict, load_rulebook

    book = load_rulebook(db_path=settings.db_path)
    if args.question == "-":
        for line in sys.stdin:
            q = line.strip()
            if not q:
                continue
            _json_line(answer_dict(book.answer(q)))
        return 0
    result = book.answer(args.question)
    if args.json:
        _json_line(answer_dict(result))
    else:
        from bot.chat import render_answer

        print(render_answer(result).plain())
    return 0


def cmd_rules_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import open_db
    from bot.rules import export_overrides

    db = open_db(settings.db_path)
    written = export_overrides(db, args.out)
    print(f"已导出 {written} 条用户补充问法 → {args.out}")
    return 0


# --- section: chat / run ------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import run_console

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


# --- section: schedule / reminders (schedule, remind) -----------------------------------


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

    s = sub.add_parser("ask", help="问一个党务规定问题")
    s.add_argument("question", help="问题；'-' 表示从标准输入逐行读取（输出 JSON Lines）")
    s.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("rules", help="知识库维护")
    rsub = s.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    r = rsub.add_parser("export", help="把管理员补充的问法导出为 YAML 供审核")
    r.add_argument("-o", "--out", default="knowledge/rules/overrides.yaml")
    r.set_defaults(func=cmd_rules_export)

    # --- parser: corpus / search ---

    # --- parser: schedule / reminders ---

    return p


def main(argv: Sequence[str] | None = None) -> int:
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
