import pytest

from tests.voting.factories import open_round


@pytest.fixture
def voting_round(session):
    """An approval round (up to 3 choices) open for voting; returns its id."""
    return open_round(session)
