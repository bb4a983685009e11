"""A small local fake of the Stripe API, served over real HTTP on 127.0.0.1.

Only what Commonpot uses: Checkout Sessions, Accounts, Account Links and Transfers, with
Stripe's error format, bearer-key authentication and `Idempotency-Key` handling (the same
key replays the first response; the same key with different parameters is an error). The
real `stripe` library talks to it through `api_base`; nothing in the library is mocked.
It also signs and builds webhook events the way Stripe does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_commonpot_fake"
WEBHOOK_SECRET = "whsec_commonpot_fake"


def decode_form(body: str) -> dict:
    """Stripe's form encoding (`a[b][0][c]=1`) back into nested dicts and lists."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(value):
        if isinstance(value, dict):
            value = {k: listify(v) for k, v in value.items()}
            if value and all(k.isdigit() for k in value):
                return [value[k] for k in sorted(value, key=int)]
        return value

    return listify(result)


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StripeFailure(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param=None):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type_, message, code, param

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


class FakeStripe:
    def __init__(self):
        self.lock = threading.RLock()
        self.sessions: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.idempotent: dict[tuple[str, str], tuple[str, int, dict]] = {}
        self.requests: list[tuple[str, str]] = []
        self.balance_pence = 10**9
        self._ids = itertools.count(1)
        # Called with (path, response) after an object is created and before the response
        # is written: tests use it to kill a client mid-call.
        self.after_create = None
        # Where Checkout sends the donor. Browser tests point it at this server, which then
        # serves a stand-in for Stripe's hosted payment page (see `hosted_checkout`) and, when
        # the donor pays, sends the signed `checkout.session.completed` to `webhook_url`.
        self.checkout_base = "https://checkout.stripe.com/c/pay/"
        self.webhook_url: str | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{secrets.token_hex(4)}"

    # --- the API ---------------------------------------------------------------------------
    def dispatch(self, method: str, path: str, query: dict, params: dict) -> tuple[int, dict]:
        routes = [
            ("POST", r"/v1/checkout/sessions", self.create_session),
            ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", self.get_session),
            ("POST", r"/v1/accounts", self.create_account),
            ("GET", r"/v1/accounts/(?P<id>[^/]+)", self.get_account),
            ("POST", r"/v1/account_links", self.create_account_link),
            ("POST", r"/v1/transfers", self.create_transfer),
            ("GET", r"/v1/transfers", self.list_transfers),
            ("GET", r"/v1/transfers/(?P<id>[^/]+)", self.get_transfer),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return 200, handler({**query, **params}, **match.groupdict())
        raise StripeFailure(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def create_session(self, params: dict) -> dict:
        line = (params.get("line_items") or [{}])[0]
        price = line.get("price_data") or {}
        amount = int(price.get("unit_amount", 0)) * int(line.get("quantity", 1))
        if amount <= 0:
            raise StripeFailure(400, "invalid_request_error", "Missing required param: line_items.",
                                "parameter_missing", "line_items")
        session_id = self._id("cs_test")
        session = {
            "id": session_id, "object": "checkout.session", "mode": params.get("mode", "payment"),
            "amount_total": amount, "currency": price.get("currency", "gbp"), "status": "open",
            "payment_status": "unpaid", "metadata": params.get("metadata", {}),
            "client_reference_id": params.get("client_reference_id"),
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "url": f"{self.checkout_base}{session_id}", "customer_details": None,
            "created": int(time.time()),
        }
        self.sessions[session_id] = session
        return session

    def get_session(self, params: dict, id: str) -> dict:
        if id not in self.sessions:
            raise StripeFailure(404, "invalid_request_error", f"No such checkout.session: '{id}'",
                                "resource_missing", "id")
        return self.sessions[id]

    def create_account(self, params: dict) -> dict:
        account_id = self._id("acct")
        account = {"id": account_id, "object": "account", "type": params.get("type", "express"),
                   "country": params.get("country", "GB"), "details_submitted": False,
                   "charges_enabled": False, "payouts_enabled": False,
                   "metadata": params.get("metadata", {}), "created": int(time.time())}
        self.accounts[account_id] = account
        return account

    def get_account(self, params: dict, id: str) -> dict:
        if id not in self.accounts:
            raise StripeFailure(404, "invalid_request_error", f"No such account: '{id}'",
                                "resource_missing", "account")
        return self.accounts[id]

    def create_account_link(self, params: dict) -> dict:
        self.get_account({}, params.get("account", ""))
        return {"object": "account_link", "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
                "url": f"https://connect.stripe.com/setup/e/{params['account']}/{secrets.token_hex(6)}"}

    def create_transfer(self, params: dict) -> dict:
        destination = params.get("destination", "")
        if destination not in self.accounts:
            raise StripeFailure(400, "invalid_request_error", f"No such destination: '{destination}'",
                                "resource_missing", "destination")
        amount = int(params.get("amount", 0))
        if amount <= 0:
            raise StripeFailure(400, "invalid_request_error", "Invalid positive integer",
                                "parameter_invalid_integer", "amount")
        if amount > self.balance_pence:
            raise StripeFailure(400, "invalid_request_error", "You have insufficient funds in your Stripe "
                                "account.", "balance_insufficient")
        self.balance_pence -= amount
        transfer = {"id": self._id("tr"), "object": "transfer", "amount": amount,
                    "amount_reversed": 0, "currency": params.get("currency", "gbp"),
                    "destination": destination, "transfer_group": params.get("transfer_group"),
                    "metadata": params.get("metadata", {}), "reversed": False,
                    "description": params.get("description"), "created": int(time.time())}
        self.transfers[transfer["id"]] = transfer
        return transfer

    def list_transfers(self, params: dict) -> dict:
        items = sorted(self.transfers.values(), key=lambda t: t["id"], reverse=True)
        if params.get("starting_after"):
            ids = [t["id"] for t in items]
            items = items[ids.index(params["starting_after"]) + 1:]
        limit = int(params.get("limit", 10))
        return {"object": "list", "url": "/v1/transfers", "has_more": len(items) > limit,
                "data": items[:limit]}

    def get_transfer(self, params: dict, id: str) -> dict:
        if id not in self.transfers:
            raise StripeFailure(404, "invalid_request_error", f"No such transfer: '{id}'",
                                "resource_missing", "id")
        return self.transfers[id]

    # --- what Stripe's dashboard and systems do --------------------------------------------
    def complete_checkout(self, session_id: str, email: str = "donor@example.org") -> dict:
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid",
                           customer_details={"email": email, "name": None})
            return dict(session)

    def enable_payouts(self, account_id: str) -> dict:
        with self.lock:
            self.accounts[account_id].update(details_submitted=True, charges_enabled=True,
                                             payouts_enabled=True)
            return dict(self.accounts[account_id])

    def reverse_transfer(self, transfer_id: str) -> dict:
        with self.lock:
            transfer = self.transfers[transfer_id]
            transfer.update(reversed=True, amount_reversed=transfer["amount"])
            return dict(transfer)

    def event(self, type_: str, obj: dict, *, account: str | None = None, created: int | None = None) -> dict:
        event = {"id": self._id("evt"), "object": "event", "type": type_, "api_version": "2025-01-01",
                 "created": int(time.time()) if created is None else created,
                 "data": {"object": obj}, "livemode": False}
        if account:
            event["account"] = account
        return event

    def hosted_checkout(self) -> FakeStripe:
        """Serve the hosted payment page here: GET /c/pay/<session> shows the amount and a
        Pay button; paying completes the session, delivers the webhook, and sends the donor
        back to the session's success_url, as Stripe does."""
        self.checkout_base = f"{self.base_url}/c/pay/"
        return self

    def _hosted_page(self, method: str, path: str) -> tuple[int, dict, str]:
        import urllib.request

        parts = path.removeprefix("/c/pay/").split("/")
        with self.lock:
            session = self.sessions.get(parts[0])
        if session is None:
            return 404, {}, "No such checkout session"
        if method == "GET" and len(parts) == 1:
            amount = session["amount_total"] / 100
            return 200, {}, (
                "<!doctype html><html lang='en'><head><title>Pay – Stripe test mode</title></head>"
                f"<body><main><h1>Pay £{amount:,.2f}</h1><form method='post' action='/c/pay/{parts[0]}/pay'>"
                "<button type='submit'>Pay</button></form></main></body></html>")
        if method == "POST" and parts[1:] == ["pay"]:
            payload = json.dumps(self.event("checkout.session.completed", self.complete_checkout(parts[0])))
            if self.webhook_url:
                request = urllib.request.Request(
                    self.webhook_url, data=payload.encode(), method="POST",
                    headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)})
                with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - the test's own server
                    pass
            return 303, {"Location": session["success_url"]}, ""
        return 404, {}, "Not found"

    # --- HTTP ------------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _respond(self, status: int, body: dict, extra: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                split = urlsplit(self.path)
                if split.path.startswith("/c/pay/"):  # the hosted page: a browser, no API key
                    status, headers, html = fake._hosted_page(method, split.path)
                    data = html.encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                    return
                fake.requests.append((method, split.path))
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    self._respond(401, StripeFailure(401, "invalid_request_error",
                                                     "Invalid API Key provided.").body())
                    return
                key = self.headers.get("Idempotency-Key") if method == "POST" else None
                params = decode_form(raw)
                query = decode_form(split.query)
                with fake.lock:
                    if key and (key, split.path) in fake.idempotent:
                        seen_raw, status, body = fake.idempotent[(key, split.path)]
                        if seen_raw != raw:
                            status, body = 400, StripeFailure(
                                400, "idempotency_error", "Keys for idempotent requests can only be "
                                "used with the same parameters they were first used with.").body()
                        self._respond(status, body, {"Idempotent-Replayed": "true"})
                        return
                    try:
                        status, body = fake.dispatch(method, split.path, query, params)
                    except StripeFailure as failure:
                        status, body = failure.status, failure.body()
                    if key:
                        fake.idempotent[(key, split.path)] = (raw, status, body)
                    hook = fake.after_create if method == "POST" and status == 200 else None
                if hook is not None:
                    hook(split.path, body)
                self._respond(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler
