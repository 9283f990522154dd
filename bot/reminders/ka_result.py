"""R15 (seed 000 5.7.6): the annual KA result of each business unit's KA first responsible
person. A year's sales short of last year's propose a negative incentive by the shortfall
ratio (−3,000 to −8,000 CNY); sales that reach the budget propose an incentive by the excess
ratio (+5,000 to +20,000 CNY). Within each band the amount grows in proportion to the ratio,
reaching the band's top at ``*_full_at`` percent, in whole hundreds of yuan. The director
confirms the proposal into the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from bot.reminders.rules import Rule

RULE = "R15"
# The manual's bands (CNY), the defaults of the rule's settings.
SHORTFALL = (3000, 8000)
EXCESS = (5000, 20000)
FULL_AT = 20  # percent


@dataclass(frozen=True, slots=True)
class Proposal:
    penalty_fen: int  # 0: the year's sales reached last year's
    incentive_fen: int  # 0: below the budget
    shortfall: Fraction  # of last year's sales, 0 when none
    excess: Fraction  # over the budget, 0 when below or none


def band(rule: Rule, name: str) -> tuple[int, int, int]:
    """A band as the rule's settings say: (least, most CNY, percent at which most applies)."""
    least, most = SHORTFALL if name == "shortfall" else EXCESS
    return (
        int(rule.settings.get(f"{name}_least", least)),
        int(rule.settings.get(f"{name}_most", most)),
        int(rule.settings.get(f"{name}_full_at", FULL_AT)),
    )


def _amount(rule: Rule, name: str, ratio: Fraction) -> int:
    least, most, full_at = band(rule, name)
    yuan = least + (most - least) * min(ratio / Fraction(full_at, 100), Fraction(1))
    return round(yuan / 100) * 100 * 100  # whole hundreds of yuan, in fen


def propose(rule: Rule, last_year_fen: int, sales_fen: int, budget_fen: int) -> Proposal:
    shortfall = (
        Fraction(last_year_fen - sales_fen, last_year_fen)
        if last_year_fen > 0 and sales_fen < last_year_fen
        else Fraction(0)
    )
    reached = budget_fen > 0 and sales_fen >= budget_fen
    excess = Fraction(sales_fen - budget_fen, budget_fen) if reached else Fraction(0)
    return Proposal(
        penalty_fen=_amount(rule, "shortfall", shortfall) if shortfall else 0,
        incentive_fen=_amount(rule, "excess", excess) if reached else 0,
        shortfall=shortfall,
        excess=excess,
    )


def percent(ratio: Fraction) -> str:
    return f"{float(ratio) * 100:.1f}%"
