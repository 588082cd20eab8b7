"""The period statistics cover: whole UTC days, both ends included, from the dates a
lead types (YYYY-MM-DD). Framework-free: `InvalidStats` is the edge's 422."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .errors import Invalid

DEFAULT_DAYS = 30
MAX_DAYS = 366


class InvalidStats(Invalid):
    status_code = 422


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @classmethod
    def parse(
        cls, first: str | date | None, last: str | date | None, *, today: date | None = None
    ) -> Period:
        """`last` defaults to today (UTC), `first` to DEFAULT_DAYS days up to `last`."""
        end = _day_of("to", last) if last is not None else today or datetime.now(UTC).date()
        start = _day_of("from", first) if first is not None else end - timedelta(DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidStats(f"from {start.isoformat()} is after to {end.isoformat()}")
        period = cls(start, end)
        if period.days > MAX_DAYS:
            raise InvalidStats(f"the range is {period.days} days; at most {MAX_DAYS}")
        return period


def _day_of(name: str, value: str | date) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            if len(value) > 12:
                raise ValueError(value)
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidStats(f"{name} {value[:20]!r}: a date as YYYY-MM-DD") from None
    if not 1970 <= day.year <= 9000:
        raise InvalidStats(f"{name} {day.isoformat()}: a year from 1970 to 9000")
    return day
