"""Vote day: how many residents per second can Commonpot take through the ballot and cast?

One command (from the repository root, with PostgreSQL on 127.0.0.1:5432 and redis-server
installed; `pip install -e '.[benchmark]'` for gunicorn and pyinstrument)::

    python benchmarks/vote_day.py                         # the full run: 100,000 voters, 60 s
    python benchmarks/vote_day.py --voters 2000 --seconds 20 --signin-seconds 5   # a smoke run
    python benchmarks/vote_day.py --profile               # and the top costs of a cast

What it does, in order:

1. makes a scratch database on the PostgreSQL server (BENCH_SERVER_URL, default
   postgresql://postgres@127.0.0.1:5432/postgres) and upgrades it with our Alembic
   migrations; seeds one voting round with 60 projects in three districts (two local, one
   area-wide), `--voters` residents eligible to vote online (bulk-inserted: their password
   hash is computed once) and voting codes; and, for the page goals, a grants round with
   2,000 applications each scored by 3 reviewers and a second vote with 500 proposals;
2. starts its own redis-server on a free port and gunicorn (2 x cores + 1 sync workers) on
   loopback in production mode (COMMONPOT_ENV=production, its own SECRET_KEY and audit
   signing key, REDIS_URL), as the README's production section runs it;
3. measures the bare stack: the same gunicorn and database answering one endpoint that
   does one insert into a table our migrations made (benchmarks/bare_app.py);
4. drives distinct voters, from separate load processes, through the ballot page and the
   cast for a bounded time: signed-in voters (their session cookies are signed with the
   app's key, so the figure is the vote, not argon2), then voters typing a voting code;
5. measures sign-in on its own (8 clients, distinct accounts, real argon2), then whole
   visits: sign-in, ballot page, cast;
6. times the page goals with one client: the public proposals page with 500 proposals,
   the panel meeting page (2,000 applications x 3 reviewers), the manager's application
   list, and the scores and budgets CSVs of the 2,000 applications;
7. checks nothing was lost: ballots stored = roll entries = successful casts, and the
   audit log verifies;
8. with --profile, profiles ballot page + cast pairs in-process with pyinstrument and prints
   the top costs of a cast, with its SQL statements and connection checkouts.

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
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET_KEY = "vote-day-benchmark-" + uuid.uuid4().hex + "-Zq7"
PASSWORD = "vote-day-password-2026"
NORTH, SOUTH = "RT1 1AA", "RT2 2BB"
USER_AGENT = "commonpot-vote-day/1"
COOKIE = "__Host-session"  # production's session cookie name (commonpot/config.py)
PAGE_APPLICATIONS, PAGE_REVIEWERS, PAGE_PROPOSALS = 2000, 3, 500
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


def _admin_engine(server_url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from commonpot.config import normalise_database_url

    return create_engine(make_url(normalise_database_url(server_url)), isolation_level="AUTOCOMMIT")


def make_database(server_url: str, name: str) -> str:
    from sqlalchemy import text

    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    admin = _admin_engine(server_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                     {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def bench_app(url: str, audit_key: str, **extra):
    """The app as the seeding, checks and profile see it: same keys as the server."""
    from commonpot.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "AUDIT_SIGNING_KEY": audit_key, **extra})


def _bulk_users(session, first: int, count: int, prefix: str, password_hash: str) -> list[int]:
    from sqlalchemy import insert, select

    from commonpot.accounts.models import User
    from commonpot.db import utcnow

    now = utcnow()
    batch = 10_000
    for start in range(first, first + count, batch):
        session.execute(insert(User), [
            {"email": f"{prefix}{n}@bench.example", "display_name": f"{prefix.title()} {n}",
             "password_hash": password_hash, "email_verified_at": now, "is_admin": False,
             "is_steward": False, "password_changed_at": now, "created_at": now, "session_version": 0}
            for n in range(start, min(start + batch, first + count))])
        session.commit()
    return list(session.scalars(select(User.id).where(User.email.like(f"{prefix}%@bench.example"))
                                .order_by(User.id)))


def _voting_round(session, title: str, projects: int):
    from voting import operations
    from voting.ballots import BallotType
    from voting.operations import RoundSettings
    from voting.states import RoundState

    round_ = operations.create_round(session, "system", _fund(session).id, RoundSettings(
        title=title, ballot_type=BallotType.APPROVAL, max_choices=3, allow_codes=True,
        allow_paper=False))
    districts = [operations.add_district(session, "system", round_, "North", 50_000_000),
                 operations.add_district(session, "system", round_, "South", 50_000_000),
                 operations.add_district(session, "system", round_, "Whole town", 50_000_000,
                                         is_area_wide=True)]
    operations.import_postcodes(session, "system", round_,
                                f"postcode,district\n{NORTH},North\n{SOUTH},South\n")
    operations.add_proposals_from_shortlist(session, "system", round_, [{
        "title": f"Project {n + 1}", "summary": f"Project {n + 1} for Rivertown.",
        "cost_pence": 100_000 + 5_000 * n, "group_id": None, "source_application_id": None,
        "district_id": districts[n % 3].id} for n in range(projects)])
    operations.transition(session, "system", round_, RoundState.PROPOSALS)
    operations.transition(session, "system", round_, RoundState.REVIEW)
    for proposal in round_.proposals:
        operations.review_proposal(session, "system", proposal, feasible=True, reason="Checked.",
                                   cost_pence=proposal.cost_pence)
    operations.transition(session, "system", round_, RoundState.VOTING)
    return round_


def _fund(session):
    from sqlalchemy import select

    from grants.models import Fund, Funder

    fund = session.scalar(select(Fund).where(Fund.slug == "rivertown"))
    if fund is None:
        funder = Funder(name="Rivertown Council", identifier_prefix="360G-bench", org_id="GB-bench")
        session.add(funder)
        session.flush()
        fund = Fund(funder_id=funder.id, name="Rivertown decides", slug="rivertown", budget_pence=10**9)
        session.add(fund)
        session.flush()
    return fund


def _grants_round(session, manager_id: int, reviewer_ids: list[int]):
    """A round in scoring: 2,000 applications from 2,000 groups, two budget lines each,
    every one scored by 3 reviewers, half of them decided."""
    from sqlalchemy import insert, select

    from commonpot.db import utcnow
    from grants.models import (
        Application,
        BudgetLine,
        Criterion,
        Group,
        Round,
    )
    from grants.panels.models import (
        ConflictDeclaration,
        Panel,
        PanelDecision,
        PanelMember,
        Review,
        ReviewAssignment,
        Score,
    )
    from grants.panels.states import Outcome, PanelRole, Recommendation, ReviewStatus
    from grants.states import ApplicationStatus, RoundPhase

    now = utcnow()
    fund = _fund(session)
    round_ = Round(fund_id=fund.id, slug="bench-grants", title="Community grants 2027",
                   description="Benchmark round.", opens_at=now - timedelta(days=30),
                   closes_at=now - timedelta(days=1), min_grant_pence=0, max_grant_pence=10**8,
                   budget_pence=10**8, phase=RoundPhase.SCORING)
    session.add(round_)
    session.flush()
    session.add_all([Criterion(round_id=round_.id, name="Need", weight=3, position=0),
                     Criterion(round_id=round_.id, name="Plan", weight=1, position=1)])
    session.flush()
    criteria = list(session.scalars(select(Criterion.id).where(Criterion.round_id == round_.id)))
    groups = list(session.scalars(insert(Group).returning(Group.id, sort_by_parameter_order=True), [
        {"name": f"Bench group {i}", "slug": f"bench-group-{i}", "postcode": NORTH}
        for i in range(PAGE_APPLICATIONS)]))
    apps = list(session.scalars(insert(Application).returning(Application.id, sort_by_parameter_order=True), [
        {"round_id": round_.id, "group_id": groups[i], "created_by_id": manager_id,
         "status": ApplicationStatus.ELIGIBLE, "title": f"Project {i}",
         "requested_amount_pence": 50_000 + i, "reference": f"CP-BENCH-{i:06d}",
         "submitted_at": now - timedelta(minutes=i), "theme": "Environment",
         "answers": {"summary": f"Summary {i}"}, "project_postcode": NORTH,
         "created_at": now, "updated_at": now} for i in range(PAGE_APPLICATIONS)]))
    session.execute(insert(BudgetLine), [
        {"application_id": a, "description": f"Line {k}", "category": "equipment",
         "amount_pence": 10_000 + k, "position": k} for a in apps for k in range(2)])
    panel = Panel(round_id=round_.id, reviewers_per_application=PAGE_REVIEWERS)
    session.add(panel)
    session.flush()
    session.add(PanelMember(panel_id=panel.id, user_id=manager_id, role=PanelRole.CHAIR))
    session.add_all(PanelMember(panel_id=panel.id, user_id=r, role=PanelRole.MEMBER) for r in reviewer_ids)
    pairs = [(a, r) for a in apps for r in reviewer_ids]
    session.execute(insert(ReviewAssignment), [
        {"panel_id": panel.id, "application_id": a, "reviewer_id": r, "assigned_at": now} for a, r in pairs])
    session.execute(insert(ConflictDeclaration), [
        {"application_id": a, "reviewer_id": r, "has_conflict": False, "details": "", "declared_at": now}
        for a, r in pairs])
    reviews = list(session.scalars(insert(Review).returning(Review.id, sort_by_parameter_order=True), [
        {"panel_id": panel.id, "application_id": a, "reviewer_id": r, "status": ReviewStatus.SUBMITTED,
         "recommendation": Recommendation.FUND, "note_to_applicant": "Good.", "submitted_at": now,
         "updated_at": now} for a, r in pairs]))
    rng = random.Random(7)
    session.execute(insert(Score), [
        {"review_id": rv, "criterion_id": c, "value": rng.randint(0, 5), "comment": "ok"}
        for rv in reviews for c in criteria])
    session.execute(insert(PanelDecision), [
        {"round_id": round_.id, "application_id": a, "outcome": Outcome.DECLINE, "reason": "",
         "feedback": "Not this time.", "decided_by_id": manager_id, "decided_at": now}
        for a in apps[::2]])
    session.commit()
    return round_


def seed(url: str, audit_key: str, voters: int, projects: int, codes: int, pages: bool) -> dict:
    """Migrate, then the vote, its voters and codes, and the page-goal data."""
    from sqlalchemy import insert

    from commonpot.accounts import operations as accounts
    from commonpot.accounts.models import User
    from commonpot.accounts.passwords import hash_password
    from commonpot.cli import upgrade_database
    from commonpot.db import utcnow
    from commonpot.extensions import db
    from voting import operations
    from voting.models import ResidentDetails

    app = bench_app(url, audit_key)
    with app.app_context():
        upgrade_database()
        session = db.session
        round_ = _voting_round(session, "Rivertown decides 2027", projects)
        north = next(d for d in round_.districts if d.name == "North")
        plain_codes = []
        for start in range(0, codes, 50_000):
            plain_codes += operations.generate_codes(session, "system", round_, district_id=north.id,
                                                     label="Letters", count=min(50_000, codes - start))
        session.commit()
        round_id = round_.id

        password_hash = hash_password(PASSWORD)  # once: argon2 per row would take hours
        ids = _bulk_users(session, 0, voters, "voter", password_hash)
        now = utcnow()
        for start in range(0, len(ids), 10_000):
            session.execute(insert(ResidentDetails), [
                {"user_id": uid, "postcode": NORTH if uid % 2 else SOUTH,
                 "date_of_birth": date(1980, 1, 1), "updated_at": now} for uid in ids[start:start + 10_000]])
            session.commit()
        world = {"round_id": round_id, "user_ids": ids, "codes": plain_codes}
        if pages:
            manager = accounts.register(session, email="manager@bench.example", password=PASSWORD,
                                        display_name="Manager")
            accounts.verify_email(session, manager)
            fund_id = _fund(session).id
            accounts.grant_fund_role(session, "system", manager, fund_id, "fund_manager")
            reviewers = _bulk_users(session, 0, PAGE_REVIEWERS, "reviewer", password_hash)
            for reviewer in reviewers:
                accounts.grant_fund_role(session, "system", session.get(User, reviewer), fund_id,
                                         "panel_member")
            session.commit()
            grants_round = _grants_round(session, manager.id, reviewers)
            proposals_round = _voting_round(session, "Rivertown big ideas", PAGE_PROPOSALS)
            session.commit()
            world.update(manager_id=manager.id, grants_round_id=grants_round.id,
                         grants_slug=grants_round.slug, proposals_round_id=proposals_round.id)
        db.engine.dispose()
    return world


def start_redis() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return proc, f"redis://127.0.0.1:{port}/0"


def start_gunicorn(app_spec: str, env: dict, workers: int, port: int, log: Path) -> subprocess.Popen:
    # The server's log goes to a file: a pipe nobody reads would stall the workers once full.
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "--timeout", "60", app_spec],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
    wait_for_port(port, 60)
    # The master listens before its workers have booted: wait until each has answered.
    deadline = time.time() + 120
    answered = 0
    while time.time() < deadline and answered < workers * 2:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit {proc.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{port}"})
            status = conn.getresponse().status
            conn.close()
            answered += 1
            if status >= 500:
                raise RuntimeError(f"/healthz answered {status}; see {log}")
        except OSError:
            time.sleep(0.5)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def signed_in_cookie(user_id: int) -> str:
    """The session cookie a sign-in sets (commonpot.accounts.views._start_session), signed
    with the app's key, for this client's address and user agent."""
    from flask import Flask
    from flask_login.utils import _create_identifier

    app = Flask("cookie-maker")
    app.secret_key = SECRET_KEY
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"User-Agent": USER_AGENT}):
        identifier = _create_identifier()
    serializer = app.session_interface.get_signing_serializer(app)
    now = int(time.time())
    return serializer.dumps({"_user_id": f"{user_id}.0", "_fresh": True, "_id": identifier,
                             "signed_in_at": now, "seen_at": now})


# --- the load process --------------------------------------------------------------------------

class Browser:
    """One client: a keep-alive connection (reopened when the server closes it) and cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | list | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "User-Agent": USER_AGENT}
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


def _ballot_form(page: str, pick=random.sample) -> list[tuple[str, str]]:
    by_contest: dict[str, list[str]] = {}
    for name, value in _CHOICE.findall(page):
        by_contest.setdefault(name, []).append(value)
    form = [("csrf_token", _CSRF.search(page).group(1)), ("cast_token", _TOKEN.search(page).group(1)),
            ("cast", "1")]
    for name, values in by_contest.items():
        form += [(name, v) for v in pick(values, min(2, len(values)))]
    return form


def _cast(browser: Browser, path: str, form: list, record) -> None:
    started = time.perf_counter()
    status, page = browser.request("POST", path, form)
    # A 200 without a receipt would be the ballot page again: count it apart from successes.
    stored = status == 200 and 'id="receipt"' in page
    record("cast", 200 if stored else (298 if status == 200 else status), time.perf_counter() - started)


def _vote(port: int, round_id: int, voter, record) -> None:
    """A signed-in resident: the ballot page, then the cast."""
    browser = Browser(port)
    browser.cookies[COOKIE] = signed_in_cookie(voter)
    started = time.perf_counter()
    status, page = browser.request("GET", f"/vote/{round_id}/ballot")
    record("ballot", status, time.perf_counter() - started)
    if status == 200:
        _cast(browser, f"/vote/{round_id}/ballot", _ballot_form(page), record)


def _code(port: int, round_id: int, code, record) -> None:
    """A resident with a voting code from a letter: the code page, the code, then the cast."""
    browser = Browser(port)
    status, page = browser.request("GET", f"/vote/{round_id}/code")
    if status != 200:
        record("ballot", status, 0.0)
        return
    started = time.perf_counter()
    status, page = browser.request("POST", f"/vote/{round_id}/code",
                                   {"csrf_token": _CSRF.search(page).group(1), "code": code})
    record("ballot", status, time.perf_counter() - started)
    if status == 200:
        _cast(browser, f"/vote/{round_id}/code/ballot", _ballot_form(page) + [("code", code)], record)


def _sign_in(browser: Browser, voter: int, record) -> bool:
    status, page = browser.request("GET", "/login")
    if status != 200:
        record("signin", status, 0.0)
        return False
    started = time.perf_counter()
    form = {"csrf_token": _CSRF.search(page).group(1), "email": f"voter{voter}@bench.example",
            "password": PASSWORD}
    status, _ = browser.request("POST", "/login", form)
    record("signin", 200 if status == 302 else status, time.perf_counter() - started)
    return status == 302


def _sign_in_only(port: int, _round_id: int, voter, record) -> None:
    _sign_in(Browser(port), voter, record)


def _visit(port: int, round_id: int, voter, record) -> None:
    """The whole visit: sign in, open the ballot, cast."""
    browser = Browser(port)
    if not _sign_in(browser, voter, record):
        return
    started = time.perf_counter()
    status, page = browser.request("GET", f"/vote/{round_id}/ballot")
    record("ballot", status, time.perf_counter() - started)
    if status == 200:
        _cast(browser, f"/vote/{round_id}/ballot", _ballot_form(page), record)


def _bare(port: int, _round_id: int, _voter, record) -> None:
    browser = Browser(port)
    started = time.perf_counter()
    status, _ = browser.request("POST", "/hit", {})
    record("bare", status, time.perf_counter() - started)


FLOWS = {"vote": _vote, "code": _code, "signin": _sign_in_only, "visit": _visit, "bare": _bare}


def load_worker(flow: str, port: int, round_id: int, voters: list, seconds: float, threads: int,
                out: multiprocessing.Queue) -> None:
    """Runs in its own process: `threads` clients, each taking the next voter, until time is up."""
    import threading

    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    queue = list(reversed(voters))
    deadline = time.perf_counter() + seconds

    def record(kind, status, elapsed):
        with lock:
            results.append((kind, status, elapsed))

    def client():
        while time.perf_counter() < deadline:
            with lock:
                if not queue:
                    return
                voter = queue.pop()
            try:
                FLOWS[flow](port, round_id, voter, record)
            except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
                record("cast" if flow in ("vote", "code", "visit") else flow, -1, 0.0)
                print(f"client error: {exc!r}", file=sys.stderr)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((results, time.perf_counter() - started))


def drive(flow: str, port: int, round_id: int, voters: list, seconds: float, clients: int,
          processes: int) -> tuple[list[tuple[str, int, float]], float]:
    """Separate load processes, each with its share of clients and voters."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    processes = max(1, min(processes, clients))
    shares = [voters[i::processes] for i in range(processes)]
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


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def summarise(label: str, results, kind: str, elapsed: float, ok_status: int = 200) -> float:
    timings = sorted(t for k, s, t in results if k == kind and s == ok_status)
    statuses = Counter(s for k, s, _ in results if k == kind and s != ok_status)
    rate = len(timings) / elapsed if elapsed else 0.0
    if timings:
        q = statistics.quantiles(timings, n=100) if len(timings) > 1 else [timings[0]] * 99
        print(f"  {label}: {len(timings)} in {elapsed:.1f} s = {rate:.1f}/s; "
              f"p50 {_ms(q[49])}, p95 {_ms(q[94])}, p99 {_ms(q[98])}")
    else:
        print(f"  {label}: none succeeded")
    print(f"    errors by status: {dict(statuses) if statuses else 'none'}"
          + (" (298: answered 200 without a receipt; -1: connection error)" if statuses else ""))
    return rate


# --- page goals --------------------------------------------------------------------------------

def page_goals(port: int, world: dict, repeats: int) -> None:
    """One client, one request at a time: the response time is the server's time (loopback)."""
    browser = Browser(port)
    browser.cookies[COOKIE] = signed_in_cookie(world["manager_id"])
    slug, grants_round = world["grants_slug"], world["grants_round_id"]
    goals = [
        ("public proposals page, 500 proposals", f"/vote/{world['proposals_round_id']}", 0.100, False),
        ("panel meeting page, 2,000 applications x 3 reviewers",
         f"/panels/rounds/{grants_round}/meeting", 0.100, True),
        ("manager's application list (2,000, paginated)", f"/grants/rounds/{slug}/manage", 0.100, True),
        ("scores CSV, 2,000 applications (streamed)", f"/panels/rounds/{grants_round}/scores.csv", 1.0, True),
        ("budgets CSV, 2,000 applications (streamed)", f"/grants/rounds/{slug}/export/budgets.csv",
         1.0, True),
    ]
    print(f"\nPage goals (one client, median of {repeats} after a warm-up request):")
    for label, path, goal, signed_in in goals:
        client = browser if signed_in else Browser(port)
        status, body = client.request("GET", path)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            status, body = client.request("GET", path)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        verdict = "meets" if status == 200 and median < goal else "MISSES"
        print(f"  {label}: median {_ms(median)}, slowest {_ms(max(times))} "
              f"({len(body):,} characters, status {status}); goal < {_ms(goal)}: {verdict}")


# --- checks and profile ------------------------------------------------------------------------

def lost_ballot_check(url: str, audit_key: str, round_id: int, successful_casts: int) -> bool:
    from sqlalchemy import func, select

    from commonpot.audit import verify_chain
    from commonpot.extensions import db
    from voting.models import Ballot, VoterRollEntry

    app = bench_app(url, audit_key)
    with app.app_context():
        ballots = db.session.scalar(select(func.count()).select_from(Ballot)
                                    .where(Ballot.round_id == round_id))
        roll = db.session.scalar(select(func.count(VoterRollEntry.id))
                                 .where(VoterRollEntry.round_id == round_id))
        started = time.perf_counter()
        report = verify_chain(db.session)
        verify_s = time.perf_counter() - started
        db.engine.dispose()
    ok = ballots == roll == successful_casts and report.ok
    print(f"  lost-ballot check: ballots stored {ballots}, roll entries {roll}, successful casts "
          f"{successful_casts}; audit {'verifies' if report.ok else 'BROKEN: ' + str(report.problem)} "
          f"({report.checked} events, {verify_s:.1f} s): {'OK, nothing lost' if ok else 'MISMATCH'}")
    return ok


def profile_casts(url: str, audit_key: str, round_id: int, voters: list[int], redis_url: str) -> None:
    from pyinstrument import Profiler
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    from commonpot.extensions import db

    app = bench_app(url, audit_key, JOBS_REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                    REDIS_URL=redis_url, SESSION_COOKIE_NAME=COOKIE)
    with app.app_context():
        engine = db.engine
    counts = {"statements": 0, "checkouts": 0}

    def on_statement(*_args):
        counts["statements"] += 1

    def on_checkout(*_args):
        counts["checkouts"] += 1

    clients = []
    for voter in voters:
        client = app.test_client()
        client.set_cookie(COOKIE, signed_in_cookie(voter), domain="localhost")
        clients.append(client)
    for client in clients[:1]:  # warm up the first request's one-off work
        client.get(f"/vote/{round_id}/ballot", headers={"User-Agent": USER_AGENT},
                   environ_base={"REMOTE_ADDR": "127.0.0.1"})
    ballot_profiler, cast_profiler = Profiler(interval=0.0002), Profiler(interval=0.0002)
    ballot_s = cast_s = 0.0
    skipped = 0
    ballot_counts, cast_counts = Counter(), Counter()
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine.pool, "checkout", on_checkout)
    try:
        for client in clients[1:]:
            env = {"REMOTE_ADDR": "127.0.0.1"}
            counts.update({k: 0 for k in counts})
            started = time.perf_counter()
            ballot_profiler.start()
            page = client.get(f"/vote/{round_id}/ballot", headers={"User-Agent": USER_AGENT},
                              environ_base=env).get_data(as_text=True)
            ballot_profiler.stop()
            if _TOKEN.search(page) is None:
                # Not a ballot (this voter has voted already, say): left out of the figures
                # (its few samples stay in the ballot page's profile).
                skipped += 1
                continue
            ballot_s += time.perf_counter() - started
            ballot_counts.update(counts)
            counts.update({k: 0 for k in counts})
            form = _ballot_form(page, pick=lambda values, k: values[:k])
            started = time.perf_counter()
            cast_profiler.start()
            response = client.post(f"/vote/{round_id}/ballot", data=MultiDict(form),
                                   headers={"User-Agent": USER_AGENT}, environ_base=env)
            response.get_data()
            cast_profiler.stop()
            cast_s += time.perf_counter() - started
            cast_counts.update(counts)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine.pool, "checkout", on_checkout)
    n = len(clients) - 1 - skipped
    if n <= 0:
        print("\nProfile: every profiled voter had voted already; nothing to profile")
        return
    if skipped:
        print(f"\n({skipped} profiled voters had voted already and were left out)")
    print(f"\nProfile: {n} ballot page + cast pairs in-process (one thread, production settings, "
          f"Redis for limits and jobs)")
    print(f"  ballot page: {ballot_s / n * 1000:.1f} ms each, {ballot_counts['statements'] / n:.1f} SQL "
          f"statements, {ballot_counts['checkouts'] / n:.1f} connection checkouts (each with a pre-ping)")
    print(f"  cast:        {cast_s / n * 1000:.1f} ms each, {cast_counts['statements'] / n:.1f} SQL "
          f"statements, {cast_counts['checkouts'] / n:.1f} connection checkouts (each with a pre-ping)")
    text = cast_profiler.output_text(unicode=False, color=False, show_all=False)
    Path("vote_day_profile.txt").write_text(text + "\n\n--- ballot page ---\n"
                                            + ballot_profiler.output_text(unicode=False, color=False))
    print("\n  Where a cast's time goes (self time by layer):")
    for share, layer in cost_layers(cast_profiler.last_session):
        print(f"    {share:5.1f}%  {layer}")
    print("  Top costs of a cast in our own code (time in the function and what it calls):")
    for share, name in top_costs(cast_profiler.last_session, 20):
        print(f"    {share:5.1f}%  {name}")
    print("  (whole profiles, cast then ballot page, in vote_day_profile.txt)")


LAYERS = [("psycopg", "PostgreSQL round trips and the driver (psycopg)"),
          ("sqlalchemy", "SQLAlchemy (ORM and Core)"),
          ("jinja2", "templates (Jinja)"), ("/templates/", "templates (Jinja)"),
          ("redis", "Redis (rate limits)"), ("limits", "Redis (rate limits)"),
          ("flask_limiter", "Redis (rate limits)"),
          ("werkzeug", "Flask, Werkzeug and extensions"), ("flask", "Flask, Werkzeug and extensions"),
          ("wtforms", "Flask, Werkzeug and extensions"), ("itsdangerous", "Flask, Werkzeug and extensions"),
          ("babel", "Babel (translations, formats)")]


def _frames(session):
    root = session.root_frame()
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        yield frame
        stack.extend(frame.children)


def _ours(path: str | None) -> bool:
    return bool(path) and str(path).startswith(str(ROOT)) and "/benchmarks/" not in str(path)


def cost_layers(session) -> list[tuple[float, str]]:
    """Self time (a frame's time less its children's) added up by the layer it belongs to."""
    root = session.root_frame()
    total = (root.time if root is not None else 0) or 1e-9
    spent: dict[str, float] = {}
    for frame in _frames(session):
        own = frame.time - sum(child.time for child in frame.children)
        # pyinstrument gives a frame's own time as a "[self]" child with no file: it belongs
        # to the parent's layer.
        owner = frame.parent if frame.file_path is None and frame.parent is not None else frame
        path = str(owner.file_path or "")
        layer = next((name for marker, name in LAYERS if marker in path), None)
        if layer is None:
            layer = "our code (commonpot, grants, voting)" if _ours(path) else "Python and other libraries"
        spent[layer] = spent.get(layer, 0.0) + own
    return sorted(((t / total * 100, name) for name, t in spent.items()), reverse=True)


def top_costs(session, limit: int) -> list[tuple[float, str]]:
    """Our own functions by the share of the total time spent in them or what they call
    (each counted once per stack, so recursion does not count twice)."""
    root = session.root_frame()
    if root is None:
        return []
    total = root.time or 1e-9
    spent: dict[str, float] = {}

    def walk(frame, seen: frozenset):
        if _ours(frame.file_path):
            name = f"{frame.function} ({_short(frame.file_path)}:{frame.line_no})"
            if name not in seen:
                spent[name] = spent.get(name, 0.0) + frame.time
                seen = seen | {name}
        for child in frame.children:
            walk(child, seen)

    walk(root, frozenset())
    ranked = sorted(((t / total * 100, name) for name, t in spent.items()), reverse=True)
    return [(share, name) for share, name in ranked if not name.startswith("guarded ")][:limit]


def _short(path: str | None) -> str:
    if not path:
        return "?"
    path = str(path)
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000, help="eligible residents (default 100,000)")
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--codes", type=int, default=None,
                        help="voting codes made (default: a fifth of --voters, at most 20,000)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60, help="length of the signed-in voting run")
    parser.add_argument("--code-seconds", type=float, default=None,
                        help="length of the voting-code run (default: a quarter of --seconds)")
    parser.add_argument("--signin-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 x cores + 1)")
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--no-pages", action="store_true", help="skip the page goals (and their seeding)")
    parser.add_argument("--page-repeats", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="profile casts in-process with pyinstrument")
    parser.add_argument("--profile-casts", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("needs redis-server (apt-get install redis-server)", file=sys.stderr)
        return 2
    codes = args.codes if args.codes is not None else min(args.voters // 5, 20_000)
    code_seconds = args.code_seconds if args.code_seconds is not None else args.seconds / 4

    from commonpot_verify.note import generate_signer

    audit_key = str(generate_signer("commonpot.bench/audit"))
    server_url = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"commonpot_voteday_{uuid.uuid4().hex[:6]}"
    log = ROOT / "vote_day_server.log"
    log.write_text("")
    processes: list[subprocess.Popen] = []
    print(f"Vote day on {os.cpu_count()} cores (shared machine: other work may be running), "
          f"{args.workers} gunicorn sync workers, {args.clients} clients, {args.voters:,} voters")
    try:
        t0 = time.perf_counter()
        url = make_database(server_url, name)
        world = seed(url, audit_key, args.voters, args.projects, codes, not args.no_pages)
        print(f"  seeded {args.voters:,} eligible voters, {codes:,} voting codes and {args.projects} "
              f"projects" + ("" if args.no_pages else f"; for the page goals {PAGE_APPLICATIONS:,} "
                             f"applications x {PAGE_REVIEWERS} reviewers and {PAGE_PROPOSALS} proposals")
              + f" in {time.perf_counter() - t0:.0f} s")
        redis, redis_url = start_redis()
        processes.append(redis)

        bare_port = free_port()
        bare = start_gunicorn("benchmarks.bare_app:create_app()",
                              {"BARE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, args.workers,
                              bare_port, log)
        processes.append(bare)
        print("\nBare stack (one insert per request into a table our migrations made; same gunicorn, "
              "PostgreSQL and database):")
        results, elapsed = drive("bare", bare_port, 0, list(range(10**7)), min(args.seconds, 20),
                                 args.clients, args.load_processes)
        bare_rate = summarise("one-insert endpoint", results, "bare", elapsed)
        stop(bare)

        port = free_port()
        env = {"COMMONPOT_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url,
               "REDIS_URL": redis_url, "AUDIT_SIGNING_KEY": audit_key,
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TRUSTED_HOSTS": "127.0.0.1",
               "COOKIE_SECURE": "0", "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
               "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute", "VOTING_CODE_LIMIT": "1000000 per minute",
               "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)}
        app_proc = start_gunicorn("commonpot.app:create_app()", env, args.workers, port, log)
        processes.append(app_proc)
        ids = list(world["user_ids"])
        random.Random(7).shuffle(ids)
        reserve = min(2000, len(ids) // 4)
        signin_voters, visit_voters, profile_voters = (ids[:reserve // 2], ids[reserve // 2:reserve * 3 // 4],
                                                       ids[reserve * 3 // 4:reserve])
        vote_voters = ids[reserve:]
        successful = 0
        round_id = world["round_id"]

        print(f"\nVote day, signed-in voters (ballot page + cast, each voter once, {args.seconds:.0f} s):")
        results, elapsed = drive("vote", port, round_id, vote_voters, args.seconds, args.clients,
                                 args.load_processes)
        summarise("ballot page", results, "ballot", elapsed)
        cast_rate = summarise("cast", results, "cast", elapsed)
        successful += sum(1 for k, s, _ in results if k == "cast" and s == 200)
        print(f"  sustained: {cast_rate:.1f} voters per second through ballot page + cast")
        if bare_rate:
            print(f"  ratio to the bare stack: {cast_rate / bare_rate:.2f} "
                  f"({cast_rate:.1f} casts/s against {bare_rate:.1f} one-insert requests/s)")

        if world["codes"] and code_seconds > 0:
            print(f"\nVoters with a code (code entry + ballot + cast, {code_seconds:.0f} s):")
            results, elapsed = drive("code", port, round_id, world["codes"], code_seconds, args.clients,
                                     args.load_processes)
            summarise("code entry (answers with the ballot)", results, "ballot", elapsed)
            summarise("cast", results, "cast", elapsed)
            successful += sum(1 for k, s, _ in results if k == "cast" and s == 200)

        print(f"\nSign-in on its own (8 clients, distinct accounts, argon2 as configured, "
              f"{args.signin_seconds:.0f} s):")
        results, elapsed = drive("signin", port, 0, signin_voters, args.signin_seconds, 8, 1)
        summarise("sign-in", results, "signin", elapsed)
        print(f"\nWhole visits: sign-in + ballot page + cast (8 clients, {args.signin_seconds:.0f} s):")
        results, elapsed = drive("visit", port, round_id, visit_voters, args.signin_seconds, 8, 1)
        summarise("sign-in", results, "signin", elapsed)
        visit_rate = summarise("cast", results, "cast", elapsed)
        successful += sum(1 for k, s, _ in results if k == "cast" and s == 200)
        print(f"  voters per second through the whole visit: {visit_rate:.1f}")

        if not args.no_pages:
            page_goals(port, world, args.page_repeats)

        print("\nChecks:")
        stop(app_proc)
        lost_ok = lost_ballot_check(url, audit_key, round_id, successful)
        if args.profile:
            profile_casts(url, audit_key, round_id, profile_voters[:args.profile_casts + 1], redis_url)
        return 0 if lost_ok else 1
    finally:
        for proc in processes:
            stop(proc)
        if not args.keep:
            try:
                drop_database(server_url, name)
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop {name}: {exc}", file=sys.stderr)
        else:
            print(f"kept the scratch database {name}")


if __name__ == "__main__":
    sys.exit(main())
