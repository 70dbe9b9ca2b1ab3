"""Aging reports: how much each customer owes, and for how long."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from .ledger import CURRENCY, Entry, Ledger

BUCKETS = (0, 30, 60, 90)
LABELS = ("current", "1-30", "31-60", "61-90", "90+")

AUDIT_TRAIL: list[str] = []

P = ParamSpec("P")
T = TypeVar("T")


def audited(func: Callable[P, T]) -> Callable[P, T]:
    """Keep the name of every report run, for the accounting audit trail."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        AUDIT_TRAIL.append(func.__name__)
        return func(*args, **kwargs)

    return wrapper


def bucket_of(days: int) -> int:
    if days < 0:
        raise ValueError(f"negative days overdue: {days}")
    for index, limit in enumerate(BUCKETS):
        if days <= limit:
            return index
    return len(BUCKETS)


def format_cents(cents: int, currency: str = CURRENCY) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d} {currency}"


@audited
def aging(ledger: Ledger, today: dt.date) -> dict[str, list[int]]:
    """Open amounts per customer, one column per bucket of days overdue."""
    table: dict[str, list[int]] = {}
    for entry in ledger:
        if entry.open_amount <= 0:
            continue
        row = table.setdefault(entry.customer, [0] * len(LABELS))
        column = bucket_of(entry.days_overdue(today))
        row[column] += entry.open_amount
    return table


@audited
def worst_debtors(ledger: Ledger, today: dt.date, limit: int = 3) -> list[Entry]:
    late = [e for e in ledger if e.days_overdue(today) > 0]
    late.sort(key=lambda e: (e.days_overdue(today), e.open_amount), reverse=True)

    return late[:limit]


class AgingReport:
    """The aging table of a ledger, rendered as fixed-width text."""

    width = 14

    def __init__(self, ledger: Ledger, today: dt.date) -> None:
        self.ledger = ledger
        self.today = today
        self.rows = aging(ledger, today)

    def totals(self) -> list[int]:
        sums = [0] * len(LABELS)
        for row in self.rows.values():
            for i, amount in enumerate(row):
                sums[i] += amount
        return sums

    def line(self, name: str, cells: list[int]) -> str:
        text = name.ljust(self.width)
        for amount in cells:
            text += format_cents(amount, self.ledger.currency).rjust(self.width)
        return text.rstrip()

    def render(self) -> str:
        header = "customer".ljust(self.width)
        header += "".join(label.rjust(self.width) for label in LABELS)
        lines = [header, "-" * len(header)]
        for name in sorted(self.rows):
            lines.append(self.line(name, self.rows[name]))

        lines.append(self.line("total", self.totals()))
        return "\n".join(lines)
