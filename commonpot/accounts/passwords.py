"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 200

# argon2id with OWASP's recommended floor (Password Storage Cheat Sheet): 19 MiB of memory,
# 2 passes, 1 lane. Chosen deliberately rather than argon2-cffi's default (64 MiB, 3 passes,
# 4 lanes: about 180 ms of CPU per sign-in here), which let a 2-core server sign in fewer
# than 10 people a second and queued sign-ins past 300 ms at 8 at once. At these settings a
# hash costs roughly 20-30 ms of one core on the project's machine, and guessing still
# needs 19 MiB per attempt, which is what makes GPU and ASIC attacks expensive. Raise them
# when the hardware allows; `needs_rehash` upgrades each stored hash at its next sign-in.
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def unknown_account_hash() -> str:
    """A hash made with today's parameters, checked when nobody has the email given."""
    return _hasher.hash("no account has this password")


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("commonpot.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password in plain words, or None if it will do."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in _common_passwords():
        return "That password is too common. Choose one that is harder to guess"
    if email and password.lower() == email.lower():
        return "Password must not be the same as your email address"
    return None
