"""The result every calculator returns: the figure, the one-line working, the rules it rests on,
and, when an input is missing, the question to ask instead of a guess."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Literal

Rounding = Literal["half_up", "down"]
Value = Decimal | int | bool | str | date | tuple[Decimal, Decimal] | None

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Missing:
    """An input the calculation needs and the user has not given: ask, never guess."""

    field: str
    question: str
    options: list[str] = _field(default_factory=list)


@dataclass
class Calc:
    kind: str
    inputs: dict[str, Any]
    result: str = ""
    value: Value = None
    working: str = ""
    citations: list[str] = _field(default_factory=list)
    warnings: list[str] = _field(default_factory=list)
    missing: list[Missing] = _field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    def cite(self, citation: str) -> None:
        if citation not in self.citations:
            self.citations.append(citation)

    def text(self) -> str:
        """A phone-sized plain-text answer: result, working, warnings, 依据; or the questions."""
        if self.missing:
            lines = ["还差一点信息："]
            for m in self.missing:
                line = m.question
                if m.options:
                    line += "（" + "／".join(m.options) + "）"
                lines.append(line)
            return "\n".join(lines)
        lines = [self.result]
        if self.working:
            lines.append(self.working)
        lines.extend(f"提示：{w}" for w in self.warnings)
        if self.citations:
            lines.append("依据：" + "；".join(self.citations))
        return "\n".join(lines)


def round_money(amount: Decimal, rounding: Rounding = "half_up") -> Decimal:
    """To the fen: half-up (四舍五入) by default, or cut down (舍去)."""
    if rounding not in ("half_up", "down"):
        raise ValueError(f"rounding must be 'half_up' or 'down', not {rounding!r}")
    mode = ROUND_HALF_UP if rounding == "half_up" else ROUND_DOWN
    return amount.quantize(_CENT, rounding=mode)


def num(value: Decimal | int | float) -> str:
    """A number without trailing zeros: 5001, 3000.01, 75.015, 16.5."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def pct(rate: Decimal | float) -> str:
    """0.015 → 1.5%."""
    return num(Decimal(str(rate)) * 100) + "%"


def yuan(amount: Decimal) -> str:
    """Always two decimals: 50.00."""
    return f"{amount:.2f}"
