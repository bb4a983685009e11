"""Shared fixtures: the Pabulib sample folder next to the repository."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from voting.counting import compile_election, read_pb

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "pabulib"
SHARED_REASON = f"shared Pabulib folder not found at {SHARED.resolve()}"


def shared_available() -> bool:
    return (SHARED / "expected.json").is_file()


def shared_files() -> list[str]:
    if not SHARED.is_dir():
        return []
    return sorted(p.name for p in SHARED.glob("*.pb"))


@functools.cache
def expected() -> dict:
    return json.loads((SHARED / "expected.json").read_text(encoding="utf-8"))


@functools.cache
def load(name: str):
    """Election and compiled profile of a shared file, read once per session
    (rules share work through the compiled profile's cache)."""
    election = read_pb(SHARED / name)
    return election, compile_election(election)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    return SHARED
