"""The receivables ledger of the shop: invoices issued, payments received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

CURRENCY = "EUR"
PAYMENT_TERMS_DAYS = 30
WRITE_OFF_AFTER_DAYS = 365


class LedgerError(ValueError):
    """A ledger operation that would leave the books inconsistent."""


@dataclass
class Entry:
    """One invoice in the ledger, amounts in cents."""

    number: str
    customer: str
    issued: dt.date
    amount: int
    paid: int = 0
    written_off: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def due(self) -> dt.date:
        return self.issued + dt.timedelta(days=PAYMENT_TERMS_DAYS)

    @property
    def open_amount(self) -> int:
        return self.amount - self.paid - self.written_off

    def days_overdue(self, today: dt.date) -> int:
        if self.open_amount <= 0:
            return 0
        late = (today - self.due).days
        return max(late, 0)


class Ledger:
    """Invoices by number, with the payments applied to them."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._entries: dict[str, Entry] = {}
        self.currency = CURRENCY
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.issued))

    def add(self, entry: Entry) -> None:
        if entry.number in self._entries:
            raise LedgerError(f"invoice {entry.number} is already in the ledger")
        if entry.amount <= 0:
            raise LedgerError(f"invoice {entry.number} has no amount")
        self._entries[entry.number] = entry

    def get(self, number: str) -> Entry:
        try:
            return self._entries[number]
        except KeyError:
            raise LedgerError(f"no invoice {number}") from None

    def pay(self, number: str, amount: int, when: dt.date) -> int:
        entry = self.get(number)
        if amount <= 0:
            raise LedgerError(f"payment of {amount} for {number}")
        applied = min(amount, entry.open_amount)
        entry.paid += applied

        entry.notes.append(f"{when.isoformat()}: paid {applied}")
        return amount - applied

    def write_off(self, today: dt.date) -> list[Entry]:
        done = []
        for entry in self:
            if entry.days_overdue(today) < WRITE_OFF_AFTER_DAYS:
                continue
            entry.written_off = entry.open_amount
            entry.notes.append(f"{today.isoformat()}: written off")
            done.append(entry)
        return done

    def balance(self, customer: str | None = None) -> int:
        total = 0
        for entry in self:
            if customer is not None and entry.customer != customer:
                continue
            total += entry.open_amount
        return total

    def customers(self) -> list[str]:
        names = {entry.customer for entry in self}
        return sorted(names)
