"""Vote day: how many residents per second can Commonpot take through the ballot and cast?

One command (from the repository root, with PostgreSQL on 127.0.0.1:5432 and redis-server
installed; `pip install -e '.[benchmark]'` for gunicorn and pyinstrument)::

    python benchmarks/vote_day.py                       # 100,000 voters, 60 projects, 32 clients, 60 s
    python benchmarks/vote_day.py --clients 8 --seconds 30 --profile

What it does, in order:

1. makes a scratch database on the PostgreSQL server (BENCH_SERVER_URL, default
   postgresql://postgres@127.0.0.1:5432/postgres), migrates it, and seeds one voting round
   with 60 projects in three districts (two local, one area-wide) and 100,000 residents
   eligible to vote online (bulk-inserted: their password hash is computed once);
2. starts its own redis-server on a free port and gunicorn (2 x cores + 1 sync workers)
   on loopback, with REDIS_URL set, as production runs;
3. measures the bare stack: the same gunicorn serving one endpoint that does one insert
   into a one-table database (benchmarks/bare_app.py), with the same client count;
4. drives distinct voters, from a separate load process, through the ballot page and the
   cast (sessions already signed in: their cookies are signed with the app's key, so the
   figure is the vote itself, not argon2), for a bounded time;
5. measures sign-in on its own (8 clients, distinct accounts, real argon2);
6. checks nothing was lost: ballots stored = roll entries = successful casts; the audit
   trail verifies;
7. with --profile, profiles 200 ballot+cast pairs in-process with pyinstrument and prints
   the top of the profile.

Figures depend on the machine and on whatever else runs on it: report them with that note.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET_KEY = "vote-day-benchmark-" + "x" * 40
PASSWORD = "vote-day-password-2026"
NORTH, SOUTH = "RT1 1AA", "RT2 2BB"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_TOKEN = re.compile(r'name="cast_token" value="([^"]+)"')
_CHOICE = re.compile(r'name="(d\d+-choice)" value="(\d+)"')


# --- setting up --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


def make_database(server_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from commonpot.config import normalise_database_url

    server = make_url(normalise_database_url(server_url))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from commonpot.config import normalise_database_url

    admin = create_engine(make_url(normalise_database_url(server_url)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                     {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def seed(url: str, voters: int, projects: int) -> dict:
    """Migrate, then one voting round open for voting and `voters` eligible residents."""
    from sqlalchemy import insert, select

    from commonpot.accounts.models import User
    from commonpot.accounts.passwords import hash_password
    from commonpot.app import create_app
    from commonpot.cli import upgrade_database
    from commonpot.db import utcnow
    from commonpot.extensions import db
    from grants.models import Fund, Funder
    from voting import operations
    from voting.ballots import BallotType
    from voting.models import ResidentDetails
    from voting.operations import RoundSettings
    from voting.states import RoundState

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade_database()
        session = db.session
        funder = Funder(name="Rivertown Council", identifier_prefix="360G-bench", org_id="GB-bench")
        session.add(funder)
        session.flush()
        fund = Fund(funder_id=funder.id, name="Rivertown decides", slug="rivertown", budget_pence=10**9)
        session.add(fund)
        session.flush()
        round_ = operations.create_round(session, "system", fund.id, RoundSettings(
            title="Rivertown decides 2027", ballot_type=BallotType.APPROVAL, max_choices=3,
            allow_codes=True, allow_paper=False))
        districts = [operations.add_district(session, "system", round_, "North", 50_000_000),
                     operations.add_district(session, "system", round_, "South", 50_000_000),
                     operations.add_district(session, "system", round_, "Whole town", 50_000_000,
                                             is_area_wide=True)]
        operations.import_postcodes(session, "system", round_,
                                    f"postcode,district\n{NORTH},North\n{SOUTH},South\n")
        for n in range(projects):
            district = districts[n % 3]
            operations.add_proposals_from_shortlist(session, "system", round_, [{
                "title": f"Project {n + 1}", "summary": f"Project {n + 1} for Rivertown.",
                "cost_pence": 100_000 + 5_000 * n, "group_id": None, "source_application_id": None,
                "district_id": district.id}])
        operations.transition(session, "system", round_, RoundState.PROPOSALS)
        operations.transition(session, "system", round_, RoundState.REVIEW)
        for proposal in round_.proposals:
            operations.review_proposal(session, "system", proposal, feasible=True, reason="Checked.",
                                       cost_pence=proposal.cost_pence)
        operations.transition(session, "system", round_, RoundState.VOTING)
        session.commit()
        round_id = round_.id

        password_hash = hash_password(PASSWORD)  # once: argon2 per row would take hours
        now = utcnow()
        batch = 10_000
        for start in range(0, voters, batch):
            rows = [{"email": f"voter{n}@bench.example", "display_name": f"Voter {n}",
                     "password_hash": password_hash, "email_verified_at": now, "is_admin": False,
                     "is_steward": False, "password_changed_at": now, "created_at": now}
                    for n in range(start, min(start + batch, voters))]
            session.execute(insert(User), rows)
            session.commit()
        ids = session.scalars(select(User.id).order_by(User.id)).all()
        for start in range(0, len(ids), batch):
            session.execute(insert(ResidentDetails), [
                {"user_id": uid, "postcode": NORTH if uid % 2 else SOUTH,
                 "date_of_birth": date(1980, 1, 1), "updated_at": now} for uid in ids[start:start + batch]])
            session.commit()
        db.engine.dispose()
    return {"round_id": round_id, "user_ids": ids}


def start_redis() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return proc, f"redis://127.0.0.1:{port}/0"


def start_gunicorn(app_spec: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "60", app_spec],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_port(port, 60)
    # The master listens before its workers have booted: wait until one answers.
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            time.sleep(0.5)
    time.sleep(2)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def signed_in_cookie(user_id: int) -> str:
    """The session cookie Flask-Login sets after a sign-in, signed with the app's key."""
    from flask import Flask

    app = Flask("cookie-maker")
    app.secret_key = SECRET_KEY
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True})


# --- the load process --------------------------------------------------------------------------

class Browser:
    """One client: a keep-alive connection (reopened when the server closes it) and cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | list | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, text


def _vote(port: int, round_id: int, user_id: int, record) -> None:
    browser = Browser(port)
    browser.cookies["session"] = signed_in_cookie(user_id)
    started = time.perf_counter()
    status, page = browser.request("GET", f"/vote/{round_id}/ballot")
    record("ballot", status, time.perf_counter() - started)
    if status != 200:
        return
    by_contest: dict[str, list[str]] = {}
    for name, value in _CHOICE.findall(page):
        by_contest.setdefault(name, []).append(value)
    form = [("csrf_token", _CSRF.search(page).group(1)), ("cast_token", _TOKEN.search(page).group(1)),
            ("cast", "1")]
    for name, values in by_contest.items():
        form += [(name, v) for v in random.sample(values, k=min(2, len(values)))]
    started = time.perf_counter()
    status, page = browser.request("POST", f"/vote/{round_id}/ballot", form)
    # A 200 without a receipt would be the ballot page again: count it apart from successes.
    stored = status == 200 and 'id="receipt"' in page
    record("cast", 200 if stored else (298 if status == 200 else status), time.perf_counter() - started)


def _sign_in(port: int, _round_id: int, user_id: int, record) -> None:
    browser = Browser(port)
    status, page = browser.request("GET", "/login")
    if status != 200:
        record("signin", status, 0.0)
        return
    token = _CSRF.search(page).group(1)
    started = time.perf_counter()
    form = {"csrf_token": token, "email": f"voter{user_id}@bench.example", "password": PASSWORD}
    status, _ = browser.request("POST", "/login", form)
    record("signin", 200 if status == 302 else status, time.perf_counter() - started)


def _bare(port: int, _round_id: int, _user_id: int, record) -> None:
    browser = Browser(port)
    started = time.perf_counter()
    status, _ = browser.request("POST", "/hit", {})
    record("bare", status, time.perf_counter() - started)


FLOWS = {"vote": _vote, "signin": _sign_in, "bare": _bare}


def load_worker(flow: str, port: int, round_id: int, user_ids: list[int], seconds: float, threads: int,
                out: multiprocessing.Queue) -> None:
    """Runs in its own process: `threads` clients, each taking the next voter, until time is up."""
    import threading

    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    queue = list(reversed(user_ids))
    deadline = time.perf_counter() + seconds

    def record(kind, status, elapsed):
        with lock:
            results.append((kind, status, elapsed))

    def client():
        while time.perf_counter() < deadline:
            with lock:
                if not queue:
                    return
                user_id = queue.pop()
            try:
                FLOWS[flow](port, round_id, user_id, record)
            except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
                record(flow, -1, 0.0)
                print(f"client error: {exc!r}", file=sys.stderr)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((results, time.perf_counter() - started))


def drive(flow: str, port: int, round_id: int, user_ids: list[int], seconds: float, clients: int,
          processes: int) -> tuple[list[tuple[str, int, float]], float]:
    """A separate load process (or a few), each with its share of clients and voters."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    processes = max(1, min(processes, clients))
    shares = [user_ids[i::processes] for i in range(processes)]
    threads = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [multiprocessing.Process(target=load_worker, args=(flow, port, round_id, shares[i], seconds,
                                                               threads[i], out)) for i in range(processes)]
    for proc in procs:
        proc.start()
    results, durations = [], []
    for _ in procs:
        part, duration = out.get()
        results += part
        durations.append(duration)
    for proc in procs:
        proc.join()
    # The time the clients were running, not counting starting the load processes.
    return results, max(durations)


def summarise(label: str, results, kind: str, elapsed: float, ok_status: int = 200) -> float:
    timings = sorted(t for k, s, t in results if k == kind and s == ok_status)
    statuses = Counter(s for k, s, _ in results if k == kind and s != ok_status)
    rate = len(timings) / elapsed if elapsed else 0.0
    if timings:
        q = statistics.quantiles(timings, n=100) if len(timings) > 1 else [timings[0]] * 99
        print(f"  {label}: {len(timings)} in {elapsed:.1f} s = {rate:.1f}/s; "
              f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")
    else:
        print(f"  {label}: none succeeded")
    if statuses:
        print(f"    errors by status: {dict(statuses)}")
    return rate


# --- checks and profile ------------------------------------------------------------------------

def lost_ballot_check(url: str, successful_casts: int) -> bool:
    from sqlalchemy import func, select

    from commonpot.app import create_app
    from commonpot.audit import verify_chain
    from commonpot.extensions import db
    from voting.models import Ballot, VoterRollEntry

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        ballots = db.session.scalar(select(func.count()).select_from(Ballot))
        roll = db.session.scalar(select(func.count(VoterRollEntry.id)))
        report = verify_chain(db.session)
        db.engine.dispose()
    ok = ballots == roll == successful_casts and report.ok
    print(f"  lost-ballot check: ballots stored {ballots}, roll entries {roll}, successful casts "
          f"{successful_casts}; audit {'verifies' if report.ok else 'BROKEN'} ({report.checked} events): "
          f"{'OK, nothing lost' if ok else 'MISMATCH'}")
    return ok


def profile_casts(url: str, round_id: int, user_ids: list[int], redis_url: str) -> None:
    from pyinstrument import Profiler
    from werkzeug.datastructures import MultiDict

    from commonpot.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "JOBS_REDIS_URL": redis_url,
                      "RATELIMIT_STORAGE_URI": redis_url})
    clients = []
    for user_id in user_ids:
        client = app.test_client()
        client.set_cookie("session", signed_in_cookie(user_id), domain="localhost")
        clients.append(client)
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for client in clients:
        page = client.get(f"/vote/{round_id}/ballot").get_data(as_text=True)
        by_contest: dict[str, list[str]] = {}
        for name, value in _CHOICE.findall(page):
            by_contest.setdefault(name, []).append(value)
        form = [("csrf_token", _CSRF.search(page).group(1)), ("cast_token", _TOKEN.search(page).group(1)),
                ("cast", "1")]
        for name, values in by_contest.items():
            form += [(name, v) for v in values[:2]]
        client.post(f"/vote/{round_id}/ballot", data=MultiDict(form))
    profiler.stop()
    elapsed = time.perf_counter() - started
    print(f"\nProfile: {len(clients)} ballot page + cast pairs in-process, "
          f"{elapsed / len(clients) * 1000:.1f} ms each (wall, one thread)")
    text = profiler.output_text(unicode=False, color=False)
    Path("vote_day_profile.txt").write_text(text)
    print("\n".join(text.splitlines()[:90]))
    print("(whole profile in vote_day_profile.txt)")


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--signin-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-only", action="store_true", help="seed, then only the profile")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("needs redis-server (apt-get install redis-server)", file=sys.stderr)
        return 2

    server_url = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"commonpot_voteday_{uuid.uuid4().hex[:6]}"
    bare_name = name + "_bare"
    processes: list[subprocess.Popen] = []
    print(f"Vote day on {os.cpu_count()} cores (shared machine: other work may be running), "
          f"{args.workers} gunicorn sync workers, {args.clients} clients, {args.seconds:.0f} s")
    try:
        t0 = time.perf_counter()
        url = make_database(server_url, name)
        bare_url = make_database(server_url, bare_name)
        world = seed(url, args.voters, args.projects)
        print(f"  seeded {args.voters:,} eligible voters and {args.projects} projects "
              f"in {time.perf_counter() - t0:.0f} s")
        redis, redis_url = start_redis()
        processes.append(redis)
        if args.profile_only:
            profile_casts(url, world["round_id"], world["user_ids"][:200], redis_url)
            return 0
        env = {"COMMONPOT_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url,
               "REDIS_URL": redis_url, "COOKIE_SECURE": "0", "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
               "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute", "VOTING_CODE_LIMIT": "1000000 per minute",
               "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)}

        from benchmarks.bare_app import create_table

        create_table(bare_url)
        bare_env = {"BARE_DATABASE_URL": bare_url, "PYTHONPATH": str(ROOT)}
        bare, bare_port = start_gunicorn("benchmarks.bare_app:create_app()", bare_env, args.workers)
        processes.append(bare)
        print("\nBare stack (one insert per request, same gunicorn and PostgreSQL):")
        results, elapsed = drive("bare", bare_port, 0, list(range(10**7)), min(args.seconds, 20),
                                 args.clients, args.load_processes)
        bare_rate = summarise("one-insert endpoint", results, "bare", elapsed)
        stop(bare)

        app_proc, port = start_gunicorn("commonpot.app:create_app()", env, args.workers)
        processes.append(app_proc)
        ids = world["user_ids"]
        random.Random(7).shuffle(ids)
        reserve = ids[-2000:]  # for sign-in and the profile
        print("\nVote day (signed-in voters: ballot page + cast, each voter once):")
        results, elapsed = drive("vote", port, world["round_id"], ids[:-2000], args.seconds, args.clients,
                                 args.load_processes)
        summarise("ballot page", results, "ballot", elapsed)
        cast_rate = summarise("cast", results, "cast", elapsed)
        successful = sum(1 for k, s, _ in results if k == "cast" and s == 200)
        print(f"  voters per second through ballot page + cast: {cast_rate:.1f}")
        print(f"  ratio to the bare stack: {cast_rate / bare_rate:.2f}" if bare_rate else "")

        print("\nSign-in on its own (8 clients, distinct accounts, argon2 as configured):")
        results, elapsed = drive("signin", port, 0, reserve[:1500], args.signin_seconds, 8, 1)
        summarise("sign-in", results, "signin", elapsed)

        print("\nChecks:")
        lost_ok = lost_ballot_check(url, successful)
        stop(app_proc)
        if args.profile:
            profile_casts(url, world["round_id"], reserve[1500:1700], redis_url)
        return 0 if lost_ok else 1
    finally:
        for proc in processes:
            stop(proc)
        if not args.keep:
            for db_name in (name, bare_name):
                try:
                    drop_database(server_url, db_name)
                except Exception as exc:  # noqa: BLE001
                    print(f"could not drop {db_name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
