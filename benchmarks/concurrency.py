"""Does one slow request delay other users? 20 users ask at once while an admin teaches a
variant (a classifier refit), against replies to the same questions asked alone.

The real Application polls the local fake Bot API on 127.0.0.1. Rounds are interleaved
(alone, loaded, alone, loaded …) so machine noise hits both sides; the figure is each
round's slowest reply minus the median reply asked alone, and its median over rounds.
Target (issue 10): no reply waits more than 200 ms longer than alone.

Run: ``python -m benchmarks.concurrency [--rounds 5] [--users 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.bot import Clock, fast_limiter, make_settings, start_app, stop_app
from bot.feedback import log_question
from bot.rules.engine import NoAnswer
from fakebotapi import FakeTelegram
from handlers.common import App

QUESTIONS = ["支委会多久开一次", "退休党员党费怎么交", "预备期多长时间", "党员大会多久开一次",
             "支部书记任期几年", "三会一课是什么", "入党积极分子怎么确定", "流动党员怎么管理"]
ADMIN = 4242


async def _ask_all(fake: FakeTelegram, uids: list[int], texts: list[str]) -> list[float]:
    before = {u: len(fake.messages(u)) for u in uids}
    t0 = time.perf_counter()
    done: dict[int, float] = {}
    for uid, text in zip(uids, texts, strict=True):
        fake.send_text(uid, text, user=fake.user(uid))

    def check() -> bool:
        now = time.perf_counter()
        for u in uids:
            if u not in done and len(fake.messages(u)) > before[u]:
                done[u] = now - t0
        return len(done) == len(uids)

    await fake.wait_for(check, timeout=60)
    return [done[u] for u in uids]


async def _teach_button(fake: FakeTelegram, app: App, n: int) -> tuple[int, str]:
    """A fresh unanswered question in the log, then /unanswered: the admin's first attach
    button (the question is logged directly, so the setup does not depend on the matcher)."""
    db = app.bot_data.db
    question = f"第{n}轮：我们支部那个会到底多久开一回"
    log_question(db, question, NoAnswer(question, 0.1))
    before = len(fake.messages(ADMIN))
    fake.send_text(ADMIN, "/unanswered", user=fake.user(ADMIN))
    msgs = await fake.wait_for_messages(ADMIN, before + 2)
    for m in reversed(msgs):
        for data in m.callback_data:
            if data.startswith("ua:"):
                return m.message_id, data
    raise RuntimeError("no attach button")


def _taught(fake: FakeTelegram, message_id: int) -> bool:
    """The 归类 result replaced the /unanswered item (the press itself is answered at once)."""
    return "立即生效" in (fake.message(ADMIN, message_id).text or "")


async def run(rounds: int, users: int) -> None:
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="dangwu-conc-") as tmp:
        settings = make_settings(fake.base_url, fake.base_file_url, fake.token, Path(tmp) / "b.db")
        settings = settings.__class__(**{**settings.__dict__, "admin_ids": frozenset({ADMIN})})
        clock = Clock(datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
        app = await start_app(settings, clock, limiter=fast_limiter(), polling=True)
        fake.make_user("管理员", user_id=ADMIN)
        uids = [5000 + i for i in range(users)]
        for u in uids:
            fake.make_user(f"用户{u}", user_id=u)
        texts = [QUESTIONS[i % len(QUESTIONS)] for i in range(users)]
        alone_medians, extras, burst_only = [], [], []
        for r in range(rounds):
            alone = [(await _ask_all(fake, [u], [t]))[0] for u, t in zip(uids[:8], texts[:8], strict=True)]
            alone_medians.append(statistics.median(alone))
            burst_only.append(max(await _ask_all(fake, uids, texts)) - statistics.median(alone))
            message_id, data = await _teach_button(fake, app, r)
            fake.press_button(ADMIN, message_id, data, user=fake.user(ADMIN))
            loaded = await _ask_all(fake, uids, texts)
            extras.append(max(loaded) - statistics.median(alone))
            await fake.wait_for(functools.partial(_taught, fake, message_id), timeout=60)
        await stop_app(app)
    await fake.stop()
    load = os.getloadavg()
    print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"alone: median reply {statistics.median(alone_medians) * 1000:.0f} ms")
    print(
        f"{users} users at once, no teaching: slowest reply minus alone, per round "
        + ", ".join(f"{e * 1000:.0f}" for e in burst_only)
        + f" ms; median {statistics.median(burst_only) * 1000:.0f} ms"
    )
    print(
        f"{users} users at once + an admin teaching: slowest reply minus alone, per round "
        + ", ".join(f"{e * 1000:.0f}" for e in extras)
        + f" ms; median {statistics.median(extras) * 1000:.0f} ms (target ≤ 200 ms)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--users", type=int, default=20)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run(args.rounds, args.users))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
