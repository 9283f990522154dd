"""Who decides what, in which order, and what each outcome does to the report (SPEC §2, §4).

- A visit report is reviewed by the KA centre's director: approved (archived in the
  customer's file) or returned with suggestions and improvement measures.
- A promotion plan and a new KA customer (admission) are approved in two steps: the centre's
  director, then the marketing director. A rejection at either step returns it.
- A returned report is corrected by its author and submitted again, starting over.
"""

from __future__ import annotations

from bot.models import BusinessUnit, Role, Staff

# kind → its steps in order, each (step, which directors decide it)
STEPS: dict[str, tuple[tuple[str, str], ...]] = {
    "visit": (("review", "centre"),),
    "promotion": (("centre", "centre"), ("marketing", "marketing")),
    "admission": (("centre", "centre"), ("marketing", "marketing")),
}

# A report's status once a step is approved: the last step approves it for good.
_STATUS_AFTER = {
    ("promotion", "centre"): "centre_approved",
    ("admission", "centre"): "centre_approved",
}
RETURNED = "returned"
APPROVED = "approved"
# A promotion the marketing director does not take on group-wide is run by its business unit
# as its own activity (本部系统内的活动, seed 000 5.5.3), not returned.
UNIT_ACTIVITY = "unit_activity"
_STATUS_AFTER_REJECTION = {("promotion", "marketing"): UNIT_ACTIVITY}

# The comment form a decider fills in to return or reject.
COMMENT_FORMS = {"visit": "visit_return", "promotion": "reject", "admission": "reject"}
# … and to approve with a suggestion, where the manual asks for one (建议及改善方法).
APPROVAL_NOTE_FORMS = {"visit": "visit_approve"}


def first_step(kind: str) -> tuple[str, str] | None:
    steps = STEPS.get(kind)
    return steps[0] if steps else None


def after_approval(kind: str, step: str) -> tuple[str, tuple[str, str] | None]:
    """The report's new status and the next step (None when this was the last)."""
    steps = STEPS[kind]
    index = [s for s, _ in steps].index(step)
    next_step = steps[index + 1] if index + 1 < len(steps) else None
    return _STATUS_AFTER.get((kind, step), APPROVED), next_step


def after_rejection(kind: str, step: str) -> str:
    """The report's status once a step rejects it: returned, unless the manual says else."""
    return _STATUS_AFTER_REJECTION.get((kind, step), RETURNED)


def speaks_for_centre(person: Staff, centre: BusinessUnit | None) -> bool:
    """The KA centre answers issues and records fines: its managers and the directors."""
    if person.role is Role.DIRECTOR:
        return True
    return centre is not None and person.unit_id == centre.id and person.role is Role.MANAGER


# Who may do what to a ledger entry: the fined person appeals; directors waive and decide.
LEDGER_ACTIONS = {
    "posted": ("appeal", "waive"),
    "appealed": ("grant", "uphold", "waive"),
}
