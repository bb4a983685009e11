"""argon2 parameters are chosen on purpose, and older hashes are upgraded at sign-in."""

from argon2 import PasswordHasher
from sqlalchemy import select

from commonpot.accounts import passwords
from commonpot.accounts.models import User
from tests.helpers import PASSWORD, sign_in


def test_hashes_use_the_documented_parameters():
    params = passwords.hash_password("a-long-pass-phrase").split("$")[3]
    assert params == f"m={passwords.MEMORY_COST_KIB},t={passwords.TIME_COST},p={passwords.PARALLELISM}"


def test_an_older_hash_still_signs_in_and_is_upgraded(client, make_user, session):
    make_user("sam@example.org")
    user = session.scalar(select(User).where(User.email == "sam@example.org"))
    user.password_hash = PasswordHasher().hash(PASSWORD)  # argon2-cffi's heavier defaults
    session.commit()
    assert passwords.needs_rehash(user.password_hash)

    sign_in(client, "sam@example.org")
    session.expire_all()
    upgraded = session.scalar(select(User.password_hash).where(User.email == "sam@example.org"))
    assert not passwords.needs_rehash(upgraded) and passwords.verify_password(upgraded, PASSWORD)
