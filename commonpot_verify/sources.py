"""Where a log comes from: a running site (over HTTP) or a file from `commonpot audit export`."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from commonpot_verify.log import parse_export_line

Fetch = Callable[[str], bytes]


def http_get(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "commonpot-verify"})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - scheme checked
        return response.read()


class Site:
    """A Commonpot site's public audit endpoints."""

    def __init__(self, base_url: str, fetch: Fetch = http_get):
        self.base = base_url.rstrip("/")
        self.fetch = fetch

    def _json(self, path: str, **params) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return json.loads(self.fetch(f"{self.base}{path}{query}"))

    def key(self) -> dict:
        return self._json("/audit/key.json")

    def events(self, page: int = 2000) -> Iterator[dict]:
        after = 0
        while True:
            body = self._json("/audit/events.json", after=after, limit=page)
            yield from body["events"]
            if body.get("next_after") is None:
                return
            after = body["next_after"]

    def checkpoint_notes(self) -> list[str]:
        return [c["note"] for c in self._json("/audit/checkpoints.json")["checkpoints"]]

    def latest_checkpoint_note(self) -> str:
        return self.fetch(f"{self.base}/audit/checkpoint").decode("utf-8")

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        body = self._json("/audit/proof/consistency", **{"from": size1, "to": size2})
        return [bytes.fromhex(h) for h in body["hashes"]]

    def board_downloads(self, round_id: int, district_ids: list[int]) -> dict[str, str]:
        """A closed round's downloads as the site serves them: {name: text}."""
        paths = [f"/vote/{round_id}/board.csv", f"/vote/{round_id}/receipts.csv"]
        paths += [f"/vote/{round_id}/districts/{d}.pb" for d in district_ids]
        return {path: self.fetch(f"{self.base}{path}").decode("utf-8") for path in paths}

    def inclusion(self, index: int, size: int | None = None) -> dict:
        params = {"index": index} if size is None else {"index": index, "size": size}
        return self._json("/audit/proof/inclusion", **params)


class ExportFile:
    """A JSON-lines export: a header line, then events, then checkpoints."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with self.path.open(encoding="utf-8") as handle:
            header = json.loads(handle.readline() or "{}")
        if header.get("type") != "log":
            raise ValueError(f"{self.path} is not a Commonpot audit export")
        self.header = header

    def key(self) -> dict:
        return {"origin": self.header.get("origin"), "verifier_key": self.header.get("verifier_key")}

    def _lines(self, kind: str) -> Iterator[dict]:
        marker = f'"type":"{kind}"'
        loads = json.loads
        with self.path.open(encoding="utf-8") as handle:
            handle.readline()
            for line in handle:
                if marker in line and not line.startswith('{"event":'):
                    item = loads(line)
                    if item.get("type") == kind:
                        yield item

    def events(self) -> Iterator:
        # Read as bytes: the leaf bytes are a slice of each line, never decoded and re-encoded.
        with self.path.open("rb") as handle:
            handle.readline()
            for line in handle:
                if line.startswith(b'{"event":'):
                    yield parse_export_line(line.rstrip(b"\r\n"))

    def checkpoint_notes(self) -> list[str]:
        return [item["note"] for item in self._lines("checkpoint")]
