"""Orders: a module a vendor ships, in the shapes Python code takes."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable

TAX_RATE = 0.2
CURRENCY = "EUR"

_cache: dict[str, float] = {}


@dataclasses.dataclass
class Line:
    """One line of an order."""

    sku: str
    quantity: int
    price: float

    def total(self) -> float:
        amount = self.quantity * self.price
        if amount < 0:
            raise ValueError(f"negative total for {self.sku}")

        return round(amount, 2)


class Order:
    """An order and its lines."""

    def __init__(self, number: str, lines: Iterable[Line] = ()) -> None:
        self.number = number
        self.lines = list(lines)
        self.notes: list[str] = []

    @property
    def subtotal(self) -> float:
        total = 0.0
        for line in self.lines:
            total += line.total()

        return total

    @functools.cached_property
    def tax(self) -> float:
        rate = TAX_RATE
        return round(self.subtotal * rate, 2)

    def describe(self, verbose: bool = False) -> str:
        head = f"order {self.number}"
        if not verbose:
            return head

        def row(line: Line) -> str:
            return f"{line.sku} x{line.quantity}"

        rows = [row(line) for line in self.lines]
        return "\n".join([head, *rows])


def load(text: str) -> Order:
    data = json.loads(text)
    lines = [Line(**item) for item in data.get("lines", [])]
    order = Order(data["number"], lines)

    for note in data.get("notes", ()):
        order.notes.append(note)
    return order


def classify(order: Order) -> str:
    match len(order.lines):
        case 0:
            kind = "empty"
        case 1:
            kind = "single"

        case _:
            kind = "multi"
    try:
        total = order.subtotal
    except ValueError:
        total = 0.0
    else:
        _cache[order.number] = total

    return f"{kind}:{total}"


if __name__ == "__main__":
    raw = '{"number": "A1", "lines": [{"sku": "x", "quantity": 2, "price": 1.5}]}'
    example = load(raw)
    print(example.describe(verbose=True))

    print(classify(example))
