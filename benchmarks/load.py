"""Saturation and open-loop latency of the web message API, against a bare baseline app.

    .venv/bin/python benchmarks/load.py [--seconds 10] [--rounds 2] [--rate 300[,150,...]]
                                        [--open-loop-baseline] [--postgres URL]
                                        [--skip-saturation] [--skip-open-loop]

Needs ``wrk`` (``apt-get install -y wrk``) and ``taskset``; traffic goes to 127.0.0.1 only.

1. Starts the product (``uvicorn server:app``; SQLite, 1 worker, and with ``--postgres`` also
   PostgreSQL, 2 workers) and the baseline (``benchmarks/baseline_app.py``: a FastAPI endpoint
   parsing the same JSON and inserting one row) on the same database kind and worker count. The
   servers run on core 0 (``taskset -c 0``), the load generator on core 1.
2. 64 reps, each signed in with an active rehearsal; every request says a line into one of them
   (round robin) with a fresh ``client_message_id``.
3. Saturation: ``wrk -t1 -c64`` for ``--seconds``, product and baseline interleaved A B A B
   (``--rounds`` pairs); prints requests/s, p50 / p99 / max, errors, and the ratio.
4. Open loop: an asyncio client sends ``--rate`` lines a second on schedule for ``--seconds``
   (latency counted from the scheduled moment, so a stall is not hidden); prints p50 / p99 / max.
   Several rates (``--rate 300,150``) run one after the other; ``--open-loop-baseline`` runs each
   on the bare baseline too, which tells what the machine itself allows at that rate.
5. Checks in the database that every answered request made exactly one rep turn.

``--telegram`` loads the Telegram webhook instead: 64 linked Telegram users, each update a
text line (a fresh ``update_id``) posted with the secret header to ``/telegram/webhook``; the
replies go through the outbox to the fake Bot API of ``tests/channels/telegram`` (in this process,
on the client core). The baseline's ``/telegram/webhook`` parses the update and inserts one row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rep_lines import line, lua_table  # noqa: E402 - benchmarks/rep_lines.py
from sqlalchemy import func, select  # noqa: E402
from support import free_port, postgres_schema  # noqa: E402 - benchmarks/support.py

from bot.config import Settings  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.storage import Database, ProcessedMessage, Turn, store, upgrade  # noqa: E402

SCENARIO = "precision-parts-returns"
CHATS = 64
PASSWORD = "load-test-password"
SERVER_CORE, CLIENT_CORE = "0", "1"

WRK_SCRIPT = """
local chats = {%(chats)s}
local lines = {%(lines)s}
local counter = 0
local prefix = "%(prefix)s"  -- fresh for every run: a repeated id would be a (deduplicated) retry
wrk.method = "POST"
request = function()
  counter = counter + 1
  local chat = chats[(counter %% #chats) + 1]
  local text = lines[(counter %% #lines) + 1]
  local body = '{"text": "' .. text .. '", "client_message_id": "' .. prefix .. "-" .. counter .. '"}'
  return wrk.format("POST", "/api/sessions/" .. chat[1] .. "/messages",
    {["Content-Type"] = "application/json", ["Cookie"] = chat[2]}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%f, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, '
    .. '"timeout": %%d, "p50": %%d, "p99": %%d, "max": %%d}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


WRK_TELEGRAM = """
local chats = {%(chats)s}
local lines = {%(lines)s}
local counter = 0
local base = %(base)d
request = function()
  counter = counter + 1
  local chat = chats[(counter %% #chats) + 1]
  local id = base + counter
  local text = lines[(counter %% #lines) + 1]
  local body = '{"update_id": ' .. id .. ', "message": {"message_id": ' .. id .. ', "date": 1700000000, '
    .. '"chat": {"id": ' .. chat .. ', "type": "private"}, "from": {"id": ' .. chat .. ', "is_bot": false, '
    .. '"first_name": "Rep"}, "text": "' .. text .. '"}}'
  return wrk.format("POST", "/telegram/webhook",
    {["Content-Type"] = "application/json", ["X-Telegram-Bot-Api-Secret-Token"] = "%(secret)s"}, body)
end
""" + WRK_SCRIPT[WRK_SCRIPT.index("done = function") :]
TELEGRAM_SECRET = "load-test-webhook-secret"
TELEGRAM_BASE_ID = 7_000_000_000
_update_base = [0]


@dataclass
class Chat:
    session_id: str
    cookie: str


class Server:
    """``uvicorn APP`` pinned to the server core, on a free port of 127.0.0.1."""

    def __init__(self, app: str, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["taskset", "-c", SERVER_CORE, sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        command += ["--no-access-log"]
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{app} exited: {log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def prepare_product(url: str) -> list[tuple[str, str]]:
    """64 reps with a password and an active rehearsal each: (login, session id)."""
    upgrade(url)
    db = Database(url)
    try:
        services = build_services(db, Settings(database_url=url, demo_accounts=False))
        chats = []
        for n in range(CHATS):
            login = f"load{n}"
            account = services.accounts.create_user(login, PASSWORD, language="en")
            visit = services.rehearsals.start(
                account.id, SCENARIO, language="en", mode="practice", channel="web", seed=n
            )
            with store(db, write=True) as s:
                user = s.users.get(account.id)
                assert user is not None
                s.users.link_telegram(TELEGRAM_BASE_ID + n, user, chat_id=TELEGRAM_BASE_ID + n)
            chats.append((login, visit.session_id))
        return chats
    finally:
        db.dispose()


def sign_in(server: Server, chats: list[tuple[str, str]]) -> list[Chat]:
    signed = []
    for login, session_id in chats:
        response = httpx.post(f"{server.url}/api/auth/login", json={"login": login, "password": PASSWORD})
        response.raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in response.cookies.items())
        signed.append(Chat(session_id, cookie))
    return signed


def count_turns(url: str, channel: str = "web") -> tuple[int, int]:
    """(rep turns, processed messages of ``channel``) in the product database."""
    db = Database(url)
    try:
        with store(db) as s:
            turns = s.session.scalar(select(func.count()).select_from(Turn).where(Turn.speaker == "rep")) or 0
            claimed = (
                s.session.scalar(
                    select(func.count())
                    .select_from(ProcessedMessage)
                    .where(
                        ProcessedMessage.channel == channel,
                        # A Telegram turn is claimed as tg-update:<id>; other updates by the bare id.
                        ProcessedMessage.external_id.like("tg-update:%") if channel == "telegram" else True,
                    )
                )
                or 0
            )
            return int(turns), int(claimed)
    finally:
        db.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc: unlike
    throughput on a shared machine, the CPU a request costs hardly depends on the neighbours."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_wrk(
    server: Server, chats: list[Chat], seconds: int, folder: Path, *, telegram: bool = False
) -> dict[str, Any]:
    script = folder / f"load-{uuid.uuid4().hex[:6]}.lua"
    if telegram:  # update ids never repeat: a repeated one is a redelivery, answered from storage
        _update_base[0] += 10_000_000
        ids = ", ".join(str(TELEGRAM_BASE_ID + n) for n in range(len(chats)))
        script.write_text(
            WRK_TELEGRAM
            % {"chats": ids, "lines": lua_table(), "secret": TELEGRAM_SECRET, "base": _update_base[0]}
        )
    else:
        lua = ", ".join(f'{{"{c.session_id}", "{c.cookie}"}}' for c in chats)
        prefix = f"w{uuid.uuid4().hex[:12]}"
        script.write_text(WRK_SCRIPT % {"chats": lua, "lines": lua_table(), "prefix": prefix})
    command = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{CHATS}", f"-d{seconds}s", "--timeout", "10s"]
    cpu_before = cpu_seconds(server.process.pid)
    output = subprocess.run(
        [*command, "-s", str(script), server.url], capture_output=True, text=True, check=True
    ).stdout
    cpu = cpu_seconds(server.process.pid) - cpu_before
    line = next(part for part in output.splitlines() if part.startswith("WRK "))
    figures: dict[str, Any] = json.loads(line[4:])
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    figures["ok"] = figures["requests"] - figures["status"]
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["cpu_ms"] = 1000 * cpu / max(1, figures["requests"])
    return figures


def _telegram_request(host: str, n: int, chat: int, base: int) -> bytes:
    update = base + n
    body = json.dumps(
        {
            "update_id": update,
            "message": {
                "message_id": update,
                "date": 1700000000,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Rep"},
                "text": line(n),
            },
        }
    ).encode()
    head = (
        f"POST /telegram/webhook HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {TELEGRAM_SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _open_loop(
    server: Server, chats: list[Chat], rate: float, seconds: float, telegram_base: int = 0
) -> dict[str, Any]:
    """Send ``rate`` requests a second on schedule over keep-alive connections; latency from the
    scheduled moment. Raw HTTP/1.1 on asyncio streams: the client must not be the bottleneck.
    With ``telegram_base`` the requests are webhook updates (chat = the Telegram id in
    ``session_id``), and the result lists each update's (chat, scheduled wall-clock time)."""
    host, port = "127.0.0.1", server.port
    sent_at: list[tuple[int, float]] = []
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CHATS):
        pool.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    prefix = f"o{uuid.uuid4().hex[:8]}"
    by_second: dict[int, list[float]] = {}  # latencies by the second of the run they were due in

    async def one(n: int, due: float) -> None:
        nonlocal errors
        chat = chats[n % len(chats)]
        if telegram_base:
            request = _telegram_request(host, n, int(chat.session_id), telegram_base)
            sent_at.append((int(chat.session_id), time.time() - (time.perf_counter() - due)))
        else:
            body = json.dumps({"text": line(n), "client_message_id": f"{prefix}-{n}"}).encode()
            request = (
                f"POST /api/sessions/{chat.session_id}/messages HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/json\r\nCookie: {chat.cookie}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
        reader, writer = await pool.get()
        try:
            for attempt in (1, 2):
                try:
                    writer.write(request)
                    status_line = await reader.readline()
                    if not status_line and attempt == 1:
                        # The server closed this keep-alive connection while it was idle (uvicorn
                        # after 5 s; at low rates each of the 64 waits that long): nothing was
                        # read, so send again on a new one. The latency still counts from ``due``.
                        writer.close()
                        reader, writer = await asyncio.open_connection(host, port)
                        continue
                    break
                except ConnectionError:
                    if attempt == 2:
                        raise
                    reader, writer = await asyncio.open_connection(host, port)
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            status = int(status_line.split()[1])
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(time.perf_counter() - due)
            by_second.setdefault(int(due - began), []).append(time.perf_counter() - due)
        except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
            errors += 1
            reader, writer = await asyncio.open_connection(host, port)
        finally:
            pool.put_nowait((reader, writer))

    began = time.perf_counter()  # the schedule starts now (the connections are open)
    tasks = []
    total = int(rate * seconds)
    for n in range(total):
        due = began + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    ms = sorted(latency * 1000 for latency in latencies)
    return {
        "sent": total,
        "ok": statuses.get(200, 0),
        "statuses": statuses,
        "errors": errors + sum(v for k, v in statuses.items() if k != 200),
        "p50": statistics.median(ms) if ms else float("nan"),
        "p99": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else float("nan"),
        "max": ms[-1] if ms else float("nan"),
        "sent_at": sent_at,
        # The slowest request due in each second of the run: one stall, or a tail spread over it.
        "worst_by_second": [round(1000 * max(by_second.get(n, [0.0])), 1) for n in range(int(seconds))],
    }


def open_loop(
    server: Server, chats: list[Chat], rate: float, seconds: float, telegram_base: int = 0
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--_open-loop-child", server.url, str(rate), str(seconds)]
    command.append(str(telegram_base))
    payload = json.dumps([[c.session_id, c.cookie] for c in chats])
    output = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, *command], input=payload, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _open_loop_child(url: str, rate: str, seconds: str, telegram_base: str) -> None:
    chats = [Chat(session_id, cookie) for session_id, cookie in json.loads(sys.stdin.read())]
    server = Server.__new__(Server)
    server.url, server.port = url, int(url.rsplit(":", 1)[1])
    result = asyncio.run(_open_loop(server, chats, float(rate), float(seconds), int(telegram_base)))
    print(json.dumps(result))


def delivery(sent_at: list[tuple[int, float]], calls: list[Any], settle: float) -> dict[str, Any]:
    """Match each update to the messages the fake Bot API received for its chat (in order when
    every update got as many, else those before the chat's next update): how long after its
    scheduled moment the last of them arrived; and the
    most messages the bot sent in any one second, all chats together and to one chat."""
    by_chat: dict[int, list[float]] = {}
    for chat, at in sent_at:
        by_chat.setdefault(chat, []).append(at)
    arrivals: dict[int, list[float]] = {}
    for call in calls:
        arrivals.setdefault(int(call.params.get("chat_id")), []).append(call.wall)
    latencies, missing = [], 0
    for chat, times in by_chat.items():
        times.sort()
        got = sorted(arrivals.get(chat, []))
        if got and len(got) % len(times) == 0:
            # As many messages per update for every update (a chat's messages go out in order):
            # the k-th group answers the k-th update, however late it came (a backlog).
            per = len(got) // len(times)
            latencies += [1000 * (got[(i + 1) * per - 1] - at) for i, at in enumerate(times)]
            continue
        for i, at in enumerate(times):
            until = times[i + 1] if i + 1 < len(times) else at + settle
            mine = [t for t in got if at <= t < until]
            if mine:
                latencies.append(1000 * (mine[-1] - at))
            else:
                missing += 1
    walls = sorted(call.wall for call in calls)

    def busiest(points: list[float]) -> int:
        best, start = 0, 0
        for end, t in enumerate(points):
            while t - points[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    ms = sorted(latencies)
    return {
        "updates": len(sent_at),
        "answered": len(latencies),
        "missing": missing,
        "messages": len(calls),
        "p50": statistics.median(ms) if ms else float("nan"),
        "p99": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else float("nan"),
        "max": ms[-1] if ms else float("nan"),
        "bot_per_second": busiest(walls),
        "chat_per_second": max((busiest(sorted(v)) for v in arrivals.values()), default=0),
    }


def _row(name: str, f: dict[str, Any]) -> str:
    return (
        f"  {name:<34} {f['rps']:9.1f} req/s   p50 {f['p50'] / 1000:8.1f} ms   p99 {f['p99'] / 1000:8.1f} ms"
        f"   max {f['max'] / 1000:8.1f} ms   errors {f['errors']}{_kinds(f)}"
        f"   CPU {f['cpu_ms']:.2f} ms/request"
    )


def _kinds(f: dict[str, Any]) -> str:
    """Which errors wrk counted (``status`` is an answer other than 2xx or 3xx), when any."""
    kinds = {k: f[k] for k in ("connect", "read", "write", "status", "timeout") if f[k]}
    return f" {kinds}" if kinds else ""


def compare(label: str, product_url: str, baseline_url: str, workers: int, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="coach-load-"))
    try:
        _create_baseline_table(baseline_url)
        chats = prepare_product(product_url)
        env = {
            "COACH_DATABASE_URL": product_url,
            "COACH_DEMO_ACCOUNTS": "false",
            "COACH_SECRET_KEY": "load-test-secret",
            "TELEGRAM_BOT_TOKEN": "",
        }
        fake = None
        if args.telegram:
            sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "channels" / "telegram")]
            from telegram_fakes import BOT_TOKEN, FakeBotAPI

            fake = FakeBotAPI()
            fake.start()
            env.update(
                TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                COACH_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
                COACH_TELEGRAM_API_BASE=fake.base_url,
            )
        channel = "telegram" if args.telegram else "web"
        product = Server("server:app", env, workers, folder / "product.log")
        baseline = Server(
            "benchmarks.baseline_app:app",
            {"COACH_BASELINE_DATABASE_URL": baseline_url},
            workers,
            folder / "base.log",
        )
        try:
            signed = sign_in(product, chats)
            turns_before, claimed_before = count_turns(product_url, channel)
            print(
                f"{label}: {'Telegram webhook' if args.telegram else 'web message API'}, {CHATS} chats, "
                f"server on core {SERVER_CORE}, client on core {CLIENT_CORE}"
            )
            answered = 0
            if not args.skip_saturation:
                runs: dict[str, list[dict[str, Any]]] = {"product": [], "baseline": []}
                for _ in range(args.rounds):  # A B A B
                    for name, server in (("product", product), ("baseline", baseline)):
                        figures = run_wrk(server, signed, args.seconds, folder, telegram=args.telegram)
                        runs[name].append(figures)
                        print(_row(f"{name} (wrk -c{CHATS}, {args.seconds} s)", figures), flush=True)
                answered += sum(f["ok"] for f in runs["product"])
                product_rps = statistics.mean(f["rps"] for f in runs["product"])
                baseline_rps = statistics.mean(f["rps"] for f in runs["baseline"])
                print(
                    f"  saturation: product {product_rps:.1f} req/s, baseline {baseline_rps:.1f} req/s, "
                    f"ratio {100 * product_rps / baseline_rps:.1f} % (target >= 10 %)"
                )
            if not args.skip_open_loop and args.telegram and fake is not None:
                time.sleep(3)  # the saturation runs' replies drain from the outbox first
                _update_base[0] += 10_000_000
                first = len(fake.delivered())
                tg_chats = [Chat(str(TELEGRAM_BASE_ID + n), "") for n in range(CHATS)]
                result = open_loop(product, tg_chats, args.rate[0], args.seconds, _update_base[0])
                answered += result["ok"]
                time.sleep(args.settle)
                sent = delivery([tuple(x) for x in result["sent_at"]], fake.delivered()[first:], args.settle)
                print(
                    f"  open loop {args.rate[0]:g} updates/s for {args.seconds} s: webhook answered p50 "
                    f"{result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms, "
                    f"sent {result['sent']}, 200 {result['ok']}, "
                    f"errors {result['errors']} {result['statuses']}"
                )
                print(
                    f"  replies at the fake Bot API: {sent['answered']} of {sent['updates']} updates "
                    f"answered "
                    f"({sent['messages']} messages, {sent['missing']} without a reply within "
                    f"{args.settle:g} s), last message of a reply after p50 {sent['p50']:.0f} ms, p99 "
                    f"{sent['p99']:.0f} ms, max {sent['max']:.0f} ms (target p99 <= 2,000 ms); busiest "
                    f"second {sent['bot_per_second']} messages for the bot (target <= 30), "
                    f"{sent['chat_per_second']} for one chat"
                )
            if not args.skip_open_loop and not args.telegram:
                if args.skip_saturation:  # warm the server up (its caches, every visit) as wrk would have
                    answered += open_loop(product, signed, 50, 2)["ok"]
                for rate in args.rate:
                    time.sleep(1)
                    result = open_loop(product, signed, rate, args.seconds)
                    answered += result["ok"]
                    print(_open_row(f"open loop {rate:g} turns/s for {args.seconds} s", result), flush=True)
                    if args.open_loop_baseline:  # the same rate on the bare baseline: what the machine allows
                        time.sleep(1)
                        print(
                            _open_row(
                                "  the baseline, same rate", open_loop(baseline, signed, rate, args.seconds)
                            )
                        )
            time.sleep(2)  # requests wrk cut off at its deadline finish on the server
            turns_after, claimed_after = count_turns(product_url, channel)
            turns, claimed = turns_after - turns_before, claimed_after - claimed_before
            verdict = (
                "OK"
                if turns == claimed and answered <= turns <= answered + CHATS * 2 * args.rounds
                else "MISMATCH"
            )
            print(
                f"  database: {turns} rep turns and {claimed} claimed message ids for {answered} answered "
                f"requests (wrk drops up to {CHATS} in flight at each deadline; those still run): {verdict}"
            )
        finally:
            product.stop()
            baseline.stop()
            if fake is not None:
                fake.stop()
            report_server_errors(folder / "product.log")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report_server_errors(log: Path) -> None:
    """The product's log, when it logged an error (the folder holding it is removed after)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    if "Traceback" in text or "ERROR" in text:
        print("  the product logged errors (the last 60 lines):")
        print("\n".join("    " + row for row in text.splitlines()[-60:]))


def _open_row(name: str, result: dict[str, Any]) -> str:
    worst = " ".join(f"{v:.0f}" for v in result["worst_by_second"])
    return (
        f"  {name}: p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms, "
        f"sent {result['sent']}, 200 {result['ok']}, errors {result['errors']} {result['statuses']}\n"
        f"    slowest request due in each second (ms): {worst}"
    )


def _create_baseline_table(url: str) -> None:
    from sqlalchemy import create_engine

    os.environ["COACH_BASELINE_DATABASE_URL"] = url
    from benchmarks import baseline_app

    engine = create_engine(url)
    baseline_app.metadata.create_all(engine)
    engine.dispose()


def main() -> None:
    global SERVER_CORE  # the servers' pinning, set once from the command line
    if len(sys.argv) > 1 and sys.argv[1] == "--_open-loop-child":
        _open_loop_child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of each run (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per comparison (default 2)")
    parser.add_argument(
        "--rate",
        type=lambda text: [float(rate) for rate in text.split(",")],
        default=[300.0],
        help="open-loop turns a second; several, comma-separated, are run in turn (default 300)",
    )
    parser.add_argument(
        "--open-loop-baseline", action="store_true", help="also run each open-loop rate on the bare baseline"
    )
    parser.add_argument("--postgres", metavar="URL", help="also PostgreSQL, 2 workers, on this server")
    parser.add_argument(
        "--postgres-workers", type=int, default=2, help="uvicorn workers on PostgreSQL (default 2)"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--telegram", action="store_true", help="load the Telegram webhook instead of the web API"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=10,
        help="--telegram open loop: seconds to wait for the last replies (default 10)",
    )
    parser.add_argument("--skip-saturation", action="store_true")
    parser.add_argument("--skip-open-loop", action="store_true")
    parser.add_argument(
        "--server-cores",
        default="0",
        help="taskset cores of the servers (default 0; 0,1: both cores, shared with the client)",
    )
    args = parser.parse_args()
    SERVER_CORE = args.server_cores
    if shutil.which("wrk") is None and not args.skip_saturation:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared)")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            compare(
                "SQLite, 1 worker",
                f"sqlite:///{Path(folder) / 'product.sqlite3'}",
                f"sqlite:///{Path(folder) / 'baseline.sqlite3'}",
                1,
                args,
            )
    if args.postgres:
        with (
            postgres_schema(args.postgres, "load") as product_url,
            postgres_schema(args.postgres, "load") as baseline_url,
        ):
            workers = args.postgres_workers
            label = f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}"
            compare(label, product_url, baseline_url, workers, args)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
