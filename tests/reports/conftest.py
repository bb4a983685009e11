from datetime import UTC, datetime

import pytest


class Clock:
    """The reports clock a test moves by hand (REPORTS_CLOCK in the app config)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, year: int, month: int, day: int, hour: int = 9) -> None:
        self.moment = datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def clock():
    return Clock(datetime.now(UTC))


@pytest.fixture
def app_config(app_config, clock):
    return {**app_config, "REPORTS_CLOCK": clock}
