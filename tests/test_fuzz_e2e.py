"""Seeded fuzz through the local fake Bot API: hostile and random input of every kind.

The process must never die, every private message must get a reply that is not the
apology, no exception text may reach a user, and Telegram would reject no call (the harness
fixture fails the test on any handler exception or rejected call).
"""

from __future__ import annotations

import asyncio
import io
import random
import time
import zipfile

from tests.test_bot_e2e import ADMIN, Harness, _user, bot  # noqa: F401 — the fixture

SEED = 20261204
APOLOGY = "处理这条消息时出错了"
COMMANDS = ["/start", "/help", "/ask", "/fanwen", "/fw", "/partyday", "/dangri", "/schedule",
            "/schedules", "/ics", "/tz", "/draft", "/org", "/title", "/unanswered", "/stats",
            "/sources", "/nosuch"]
SPECIALS = ["<b>", "</i>", "&amp;", "&", "<a href='x'>", "*_`[", "\\", "${}", "%s%d", "\x00",
            "\u200b", "\u200f", "\u202e", "\ufeff", "👍🏽", "🇨🇳", "🧑‍🤝‍🧑", "︵", "ᅟ", "\U0001f600" * 5]
WORDS = ["党费", "支委会", "三会一课", "存在问题", "每月", "off", "第一个周五", "15日", "退休",
         "预备期", "Europe", "乌鲁木齐", "-1", "0", "99999999999999999999", "word", "text"]
JUNK_CALLBACKS = ["sc:a:-1", "fw:p:", "d:x:0", "r:", "fb:+:", "ua:0:x.y", "src:y:abc", ":::",
                  "x" * 64, "ft:+:99999999999999999999", "d:w:1", "ex:", "fw:last:1"]


def _random_text(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:  # random code points, including astral and unassigned ones
        return "".join(chr(rng.choice([rng.randrange(0x20, 0x3000), rng.randrange(0x4E00, 0x9FFF),
                                       rng.randrange(0x1F300, 0x1FAFF)])) for _ in range(rng.randrange(1, 60)))
    if kind == 1:
        return "".join(rng.choice(SPECIALS + WORDS) for _ in range(rng.randrange(1, 12)))
    if kind == 2:  # long texts (Telegram itself caps a message at 4096; the bot must not care)
        return rng.choice(WORDS) * rng.randrange(2_000, 25_000)
    if kind == 3:
        return f"{rng.choice(COMMANDS)} " + " ".join(rng.choice(SPECIALS + WORDS) for _ in range(rng.randrange(0, 6)))
    if kind == 4:
        return rng.choice(COMMANDS) + rng.choice(["", "@other_bot", "@", " " * 3, "\n" + "x" * 300])
    return rng.choice(WORDS) + rng.choice(["？", "?", "吗", "。。。", ""])


def _junk_document(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.randrange(7)
    if kind == 0:
        return "bin.docx", bytes(rng.randrange(256) for _ in range(2048))
    if kind == 1:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "not a word file")
        return "zip.docx", buf.getvalue()
    if kind == 2:
        return "empty.txt", b""
    if kind == 3:
        return "gbk.txt", "一、存在问题\n三会一课不规范。".encode("gbk")
    if kind == 4:
        return "utf16.txt", "二、整改措施\n严格落实制度。".encode("utf-16")
    if kind == 5:
        return "big.txt", b"x" * (6 * 1024 * 1024)
    return "bad.pdf", b"%PDF-1.4 broken"


async def test_fuzz_never_crashes_and_always_answers(bot: Harness) -> None:  # noqa: F811
    rng = random.Random(SEED)
    fake = bot.fake
    users = [_user(fake, 5000 + i, f"用户{i}") for i in range(6)]
    admin = _user(fake, ADMIN, "管理员")
    group = fake.make_chat("group")
    fake.set_chat_admins(group.id, [admin.id])
    private_sent: dict[int, int] = {}
    tried = 0
    slowest = 0.0
    for _round in range(11):
        batch_start = time.monotonic()
        before = {u.id: len(fake.messages(u.id)) for u in [*users, admin]}
        expected = dict.fromkeys(before, 0)
        for _ in range(20):  # private texts and commands
            u = rng.choice([*users, admin])
            fake.send_text(u.id, _random_text(rng), user=u)
            expected[u.id] += 1
            tried += 1
        for _ in range(3):  # group messages from admins and non-admins
            fake.send_text(group.id, _random_text(rng), user=rng.choice([admin, users[0]]))
            tried += 1
        for _ in range(3):  # garbage inline queries and offsets
            fake.inline_query(rng.choice(users), _random_text(rng)[:256], rng.choice(["", "-5", "abc", "999999", "20"]))
            tried += 1
        u = rng.choice([admin, users[1]])
        name, data = _junk_document(rng)
        fake.send_document(u.id, u, name, data)
        expected[u.id] += 1
        tried += 1
        last = fake.last_message(users[2].id)
        if last is not None:
            for data_ in rng.sample(JUNK_CALLBACKS, 3):
                fake.press_button(users[2].id, last.message_id, data_, user=users[2], check=False)
                tried += 1
        for uid, n in expected.items():
            if n:
                want = before[uid] + n
                def arrived(uid: int = uid, want: int = want) -> bool | None:
                    return len(fake.messages(uid)) >= want or None

                await fake.wait_for(arrived, timeout=30)
        slowest = max(slowest, time.monotonic() - batch_start)
        private_sent.update({uid: private_sent.get(uid, 0) + n for uid, n in expected.items()})
    await asyncio.sleep(0.5)
    everything = [m.text or "" for u in [*users, admin] for m in fake.messages(u.id)]
    assert not any(APOLOGY in t for t in everything)
    assert not any(w in t for t in everything for w in ("Traceback", "Error:", "Exception"))
    # still alive and answering
    reply_count = len(fake.messages(users[0].id))
    fake.send_text(users[0].id, "/start", user=users[0])
    await fake.wait_for(lambda: len(fake.messages(users[0].id)) > reply_count or None)
    assert tried >= 300
    print(f"fuzz: {tried} inputs, slowest batch {slowest:.2f}s")
