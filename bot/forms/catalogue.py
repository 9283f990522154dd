"""The reports field staff write, field by field, in the manuals' order (SPEC §2).

A form is data: its fields, what kind of answer each takes, which may be skipped. The
conversation engine (``bot.forms.engine``) walks any form; labels and questions are in
``templates/<lang>/labels.toml`` under ``form.<form>.<field>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.models import EVENT_KINDS, GRADES, CustomerKind, CustomerType, Role, VisitClass


class Kind(StrEnum):
    CUSTOMER = "customer"  # one customer of the person's unit: search or pick
    CUSTOMERS = "customers"  # one or more
    WHEN = "when"  # a moment in the past, in natural language
    CHOICE = "choice"  # one of a few buttons
    TEXT = "text"  # prose
    PHOTOS = "photos"  # one or more photos (an album counts)
    EVIDENCE = "evidence"  # photos or documents (a scan, a PDF): an appeal's proof
    LOCATION = "location"  # Telegram's location
    MONEY = "money"  # yuan, kept in fen
    COUNT = "count"  # a whole number
    PERIOD = "period"  # first and last day
    MONTH = "month"  # a calendar month
    FILE = "file"  # a spreadsheet
    PROMOTION = "promotion"  # one of the unit's running promotions
    UNIT = "unit"  # a business unit
    STAFF = "staff"  # a person of a business unit: search by name or code
    DAY = "day"  # a calendar day, in natural language (past by default)
    RECORD = "record"  # one of a list kabot offers (a contract, a launch): ``Field.source``
    STORE = "store"  # one store (门店) of a KA customer: search by name or code
    SKUS = "skus"  # SKUs of the chosen store's A-class standard, one tap each (R13)


# Telegram allows 4,096 characters a message; a report section longer than this is an essay.
PROSE_LIMIT = 1500
SHORT_LIMIT = 100
PHOTO_LIMIT = 10
# Answered with photos, one after another, and "done".
PHOTO_KINDS = frozenset({Kind.PHOTOS, Kind.EVIDENCE})


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    kind: Kind
    optional: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = PROSE_LIMIT
    source: str = ""  # RECORD: which list to offer (see bot.handlers.contracts.OFFERS)
    direction: str = "past"  # DAY: a bare date is the last such day, or the next ("future")
    # Answered before anything is asked (a visit is routine): not a question of the walk,
    # changed from the summary.
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    report: str  # the kind of report it saves (visit, issue, promotion …)
    fields: tuple[Field, ...]
    roles: frozenset[Role] = frozenset({Role.FIELD, Role.MANAGER})
    # At least one of these must be answered before the report can be saved.
    needs_one_of: tuple[str, ...] = ()
    # Only the KA centre's people submit it (a unit's manager has the role, not the right).
    centre_only: bool = False
    # Neighbouring prose fields one message may fill at once, each marked by its name at a
    # line's start (``bot.forms.sections``); ``unmarked`` takes what is not marked. The walk
    # asks them in one step (``engine.NOTES``); the person may still answer one by one.
    sections: tuple[str, ...] = ()
    unmarked: str = ""

    def __post_init__(self) -> None:
        # "summary" and "notes" are steps of the walk (bot.forms.engine).
        if any(f.key in ("summary", "notes") for f in self.fields):
            raise ValueError(f"form {self.name}: no field may be called summary or notes")
        keys = [f.key for f in self.fields]
        if self.sections and (
            keys[keys.index(self.sections[0]) :][: len(self.sections)] != list(self.sections)
            or self.unmarked not in self.sections
        ):
            raise ValueError(f"form {self.name}: sections must be neighbouring fields")

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def index(self, key: str) -> int:
        return next(i for i, f in enumerate(self.fields) if f.key == key)


def _text(key: str, optional: bool = False, limit: int = PROSE_LIMIT) -> Field:
    return Field(key, Kind.TEXT, optional=optional, max_length=limit)


VISIT_KINDS = ("routine", "special", "anomaly")  # 例行 / 专项 / 异动走访
ISSUE_CATEGORIES = (
    "stock",  # 断货
    "price",
    "display",  # 陈列
    "contract",  # 合同执行
    "rebate",  # 返利帐期
    "promotion",
    "listing",  # 新品上架
    "demand",  # 客户需求 (R17 when urgent)
    "complaint",  # 投诉
    "other",
)
SEVERITIES = ("low", "medium", "high", "urgent")

# What a visit report must say something about (at least one of them).
VISIT_CONTENT = (
    "business_review",
    "cooperation",
    "display",
    "competitors",
    "demand_stock",
    "next_steps",
)
# 访问报告书: who, when, why, and the five things the manual asks a visit to cover.
VISIT = Form(
    "visit",
    "visit",
    (
        Field("customer", Kind.CUSTOMER),
        Field("visited_at", Kind.WHEN),
        Field("visit_kind", Kind.CHOICE, choices=VISIT_KINDS, default="routine"),
        _text("participants", optional=True, limit=200),
        _text("business_review", optional=True),  # 业绩、费用、促销达成
        _text("cooperation", optional=True),  # 合作问题
        _text("display", optional=True),  # 陈列检查
        _text("competitors", optional=True),  # 竞品信息
        _text("demand_stock", optional=True),  # 需求与库存
        _text("next_steps", optional=True),  # 下一步计划
        Field("photos", Kind.PHOTOS, optional=True),
        Field("location", Kind.LOCATION, optional=True),
    ),
    needs_one_of=VISIT_CONTENT,
    sections=("participants", *VISIT_CONTENT),
    # What is not marked is the business review (生意回顾) the manual puts first.
    unmarked="business_review",
)

# 执行中的问题 / 投诉
ISSUE = Form(
    "issue",
    "issue",
    (
        Field("customer", Kind.CUSTOMER),
        _text("store", optional=True, limit=SHORT_LIMIT),
        Field("category", Kind.CHOICE, choices=ISSUE_CATEGORIES),
        Field("severity", Kind.CHOICE, choices=SEVERITIES),
        _text("description"),
        Field("photos", Kind.PHOTOS, optional=True),
    ),
)

# 活动确认书: the plan a promotion is approved on.
PROMOTION_PLAN = Form(
    "promo",
    "promotion",
    (
        _text("title", limit=60),
        Field("customers", Kind.CUSTOMERS),
        _text("objective"),
        _text("theme", limit=200),
        _text("creative", optional=True),
        Field("period", Kind.PERIOD),
        _text("scope"),
        _text("slogan", optional=True, limit=SHORT_LIMIT),
        _text("materials", optional=True),
        Field("budget", Kind.MONEY),
        _text("expected_benefit"),
    ),
)

PROMOTION_UPDATE = Form(
    "promo_update",
    "promotion_report",
    (
        Field("promotion", Kind.PROMOTION),
        _text("progress"),
        Field("spend", Kind.MONEY),
        Field("stores_covered", Kind.COUNT),
        _text("problems", optional=True),
        Field("photos", Kind.PHOTOS, optional=True),
    ),
)

# 活动总结
PROMOTION_CLOSEOUT = Form(
    "promo_closeout",
    "promotion_report",
    (
        Field("promotion", Kind.PROMOTION),
        _text("execution"),
        _text("achievement"),
        Field("actual_cost", Kind.MONEY),
        _text("effect"),
        _text("lessons"),
        _text("incidents", optional=True),  # 活动组织突发事件如何处理
        Field("photos", Kind.PHOTOS, optional=True),
    ),
)

MONTHLY_DATA = Form(
    "data",
    "data",
    (
        Field("month", Kind.MONTH),
        Field("file", Kind.FILE, optional=True),
        Field("store_sales", Kind.MONEY, optional=True),
        _text("display_execution", optional=True),
        _text("promotion_execution", optional=True),
        _text("assortment", optional=True),  # 品项
        _text("competitors", optional=True),
    ),
    needs_one_of=(
        "file",
        "store_sales",
        "display_execution",
        "promotion_execution",
        "assortment",
        "competitors",
    ),
)

# 新增KA客户: a KA manager proposes, the two directors decide (SPEC §4).
ADMISSION = Form(
    "admission",
    "admission",
    (
        _text("name", limit=60),
        Field("unit", Kind.UNIT),
        Field("kind", Kind.CHOICE, choices=tuple(k.value for k in CustomerKind)),
        Field("type", Kind.CHOICE, choices=tuple(t.value for t in CustomerType)),
        Field("grade", Kind.CHOICE, choices=GRADES),
        Field("visit_class", Kind.CHOICE, choices=tuple(v.value for v in VisitClass)),
        _text("reason"),
        _text("expected_business"),
    ),
    roles=frozenset({Role.MANAGER}),
)

# What a decider writes: a visit returned with suggestions and improvement measures
# (建议及改善方法); a plan or a customer rejected with a reason; an issue's written reply.
DIRECTORS = frozenset({Role.DIRECTOR})
VISIT_RETURN = Form(
    "visit_return", "decision", (_text("suggestions"), _text("improvements")), roles=DIRECTORS
)
# The manual has the director suggest on every visit report, approved ones too.
VISIT_APPROVE = Form("visit_approve", "decision", (_text("suggestions"),), roles=DIRECTORS)
REJECT = Form("reject", "decision", (_text("reason"),), roles=DIRECTORS)
ISSUE_REPLY = Form(
    "issue_reply",
    "issue_reply",
    (_text("reply"),),
    roles=frozenset({Role.DIRECTOR, Role.MANAGER}),
    centre_only=True,
)

# Why a closed issue is reopened: the reporter or the centre, when the reply did not settle it.
ISSUE_REOPEN = Form(
    "issue_reopen",
    "issue_reopen",
    (_text("reason", limit=500),),
    roles=frozenset(Role),
)

# R3: the director sends the national report back, not up to standard, with the reason.
NATIONAL_RETURN = Form(
    "national_return",
    "national_return",
    (_text("reason", limit=500),),
    roles=frozenset({Role.DIRECTOR}),
)

# The penalty ledger by hand: a fine the KA centre records (R2's "an issue existed and was
# not reported"), a positive incentive from a director; a waiver's reason; an appeal.
PENALTY = Form(
    "penalty",
    "ledger",
    (Field("person", Kind.STAFF), Field("amount", Kind.MONEY), _text("reason", limit=500)),
    roles=frozenset({Role.DIRECTOR, Role.MANAGER}),
    centre_only=True,
)
INCENTIVE = Form(
    "incentive",
    "ledger",
    (Field("person", Kind.STAFF), Field("amount", Kind.MONEY), _text("reason", limit=500)),
    roles=DIRECTORS,
)
WAIVE = Form("waive", "waiver", (_text("reason", limit=500),), roles=DIRECTORS)
APPEAL = Form(
    "appeal",
    "appeal",
    # The proof: a regional buyer's negotiation record (seed 000 5.3.1.2), a receipt, a scan.
    (_text("reason", limit=500), Field("evidence", Kind.EVIDENCE, optional=True)),
    roles=frozenset({Role.FIELD, Role.MANAGER}),
)

# R2: the KA centre records an issue that existed and was not reported, from the overdue notice.
R2_BREACH = Form(
    "r2_breach",
    "breach",
    (_text("issue", limit=500),),
    roles=frozenset({Role.DIRECTOR, Role.MANAGER}),
    centre_only=True,
)

# /leave: from when to when, and who receives one's reminders meanwhile.
LEAVE = Form(
    "leave",
    "leave",
    (Field("period", Kind.PERIOD), Field("stand_in", Kind.STAFF)),
    roles=frozenset({Role.FIELD, Role.MANAGER}),
)

# Contracts and launches (R5–R7, R12): recorded by the KA centre and the units.
CENTRE_PEOPLE = frozenset({Role.MANAGER, Role.DIRECTOR})
EVERYONE_OF_A_UNIT = frozenset({Role.FIELD, Role.MANAGER, Role.DIRECTOR})
CONTRACT = Form(
    "contract",
    "contract",
    (
        Field("customer", Kind.CUSTOMER),
        _text("title", limit=SHORT_LIMIT),
        Field("completed", Kind.DAY),
    ),
    roles=CENTRE_PEOPLE,
)
DISTRIBUTE = Form(
    "distribute",
    "distribution",
    (Field("contract", Kind.RECORD, source="undistributed"), Field("day", Kind.DAY)),
    roles=CENTRE_PEOPLE,
)
LOCALS = Form(
    "locals",
    "locals",
    (Field("contract", Kind.RECORD, source="distributed"), _text("titles", limit=1000)),
)
SIGNED = Form(
    "signed",
    "local_signed",
    (Field("local", Kind.RECORD, source="unsigned"), Field("day", Kind.DAY)),
)
COPY = Form(
    "copy",
    "local_copy",
    (
        Field("local", Kind.RECORD, source="uncopied"),
        Field("day", Kind.DAY),
        # R7's second breach: an incomplete copy. Complete unless said otherwise (summary).
        Field("complete", Kind.CHOICE, choices=("complete", "incomplete"), default="complete"),
    ),
)
LAUNCH = Form(
    "launch",
    "launch",
    (
        _text("product", limit=SHORT_LIMIT),
        Field("unit", Kind.UNIT),
        Field("day", Kind.DAY, direction="future"),
    ),
    roles=EVERYONE_OF_A_UNIT,
)
# R12: the business unit files its new product's information; the centre confirms receipt.
LAUNCH_FILED = Form(
    "launch_filed",
    "launch_filed",
    (Field("launch", Kind.RECORD, source="unfiled"), Field("day", Kind.DAY)),
    roles=EVERYONE_OF_A_UNIT,
)
# R3: the KA centre's national KA monthly report (全国KA月报), for the director's 审定.
NATIONAL_REPORT = Form(
    "national",
    "national_report",
    (
        Field("month", Kind.MONTH),
        _text("highlights"),
        Field("file", Kind.FILE, optional=True),
    ),
    roles=CENTRE_PEOPLE,
)
# R16: the quarterly business meeting with a KA customer (业务沟通会议) and its minutes.
MEETING = Form(
    "meeting",
    "meeting",
    (
        Field("customer", Kind.CUSTOMER),
        Field("day", Kind.DAY),
        _text("last_quarter"),  # 总结上季度合作情况
        _text("market"),  # 分析市场动态
        _text("problems"),  # 讨论解决合作中存在的问题
        _text("next_quarter"),  # 制定下季度合作计划
        Field("photos", Kind.PHOTOS, optional=True),
    ),
)
# The half-year's sales sheet for customer grading (SPEC §4), from the KA centre.
GRADING = Form("grading", "grading", (Field("file", Kind.FILE),), roles=CENTRE_PEOPLE)
# R14: an in-store event or advertising (seed 000 5.7.4), and its feasibility plan two
# months before, approved by the KA centre.
STORE_EVENT = Form(
    "store_event",
    "store_event",
    (
        Field("customer", Kind.CUSTOMER),
        Field("kind", Kind.CHOICE, choices=EVENT_KINDS),
        _text("title", limit=SHORT_LIMIT),
        Field("day", Kind.DAY, direction="future"),
    ),
    roles=EVERYONE_OF_A_UNIT,
)
EVENT_PLAN = Form(
    "event_plan",
    "event_plan",
    (
        Field("event", Kind.RECORD, source="unplanned_events"),
        _text("feasibility"),
        Field("budget", Kind.MONEY),
    ),
    roles=EVERYONE_OF_A_UNIT,
)
# R14: the KA centre sends an event's plan back with the reason.
EVENT_RETURN = Form(
    "event_return",
    "event_return",
    (_text("reason", limit=500),),
    roles=frozenset({Role.MANAGER, Role.DIRECTOR}),
)
# R13: a store inspection (巡查) against the unit's A-class assortment standard; the KA
# centre confirms the fine it proposes, or finds force majeure (不可抗因素) with a reason.
INSPECT = Form(
    "inspect",
    "inspection",
    (
        Field("store", Kind.STORE),
        Field("missing", Kind.SKUS, optional=True),  # skipped: every SKU is on the shelf
        Field("photos", Kind.PHOTOS, optional=True),
        _text("note", optional=True, limit=500),
    ),
    roles=EVERYONE_OF_A_UNIT,
)
FORCE_MAJEURE = Form(
    "force_majeure", "force_majeure", (_text("reason", limit=500),), roles=CENTRE_PEOPLE
)
# R15: a business unit's annual KA result (the year just ended), from the KA centre.
KA_RESULT = Form(
    "ka_result",
    "ka_result",
    (
        Field("unit", Kind.UNIT),
        Field("last_year", Kind.MONEY),  # 上一年度销售
        Field("sales", Kind.MONEY),  # 当年销售达成
        Field("budget", Kind.MONEY),  # 预算指标
    ),
    roles=CENTRE_PEOPLE,
    centre_only=True,
)
# A promotion after its two approvals (seed 000 5.5.1.2–3): the centre's KA manager records
# the agreement negotiated with the customer; the marketing director approves the execution
# (or sends it back with a reason); the signed 活动确认书 lets it run.
PROMO_AGREEMENT = Form(
    "promo_agreement",
    "promotion_agreement",
    (
        Field("promotion", Kind.RECORD, source="to_negotiate"),
        _text("conditions"),  # 双方执行方式和内容，各项条件
        _text("contribution", limit=500),  # 客户的投入与配合
    ),
    roles=CENTRE_PEOPLE,
    centre_only=True,
)
PROMO_CONFIRMATION = Form(
    "promo_confirmation",
    "promotion_confirmation",
    (
        Field("promotion", Kind.RECORD, source="to_confirm"),
        Field("day", Kind.DAY),
        _text("signed_by", limit=SHORT_LIMIT),  # the customer's signatory
        Field("photos", Kind.PHOTOS),  # the signed page
    ),
    roles=CENTRE_PEOPLE,
    centre_only=True,
)
EXECUTION_RETURN = Form(
    "execution_return", "execution_return", (_text("reason", limit=500),), roles=DIRECTORS
)
CONTRACT_FORMS = (CONTRACT, DISTRIBUTE, LOCALS, SIGNED, COPY)
LAUNCH_FORMS = (LAUNCH, LAUNCH_FILED)
EVENT_FORMS = (STORE_EVENT, EVENT_PLAN)

FORMS = {
    f.name: f
    for f in (
        VISIT,
        ISSUE,
        PROMOTION_PLAN,
        PROMOTION_UPDATE,
        PROMOTION_CLOSEOUT,
        MONTHLY_DATA,
        ADMISSION,
        VISIT_RETURN,
        VISIT_APPROVE,
        REJECT,
        ISSUE_REPLY,
        ISSUE_REOPEN,
        PENALTY,
        INCENTIVE,
        WAIVE,
        APPEAL,
        R2_BREACH,
        LEAVE,
        *CONTRACT_FORMS,
        *LAUNCH_FORMS,
        *EVENT_FORMS,
        EVENT_RETURN,
        GRADING,
        NATIONAL_REPORT,
        NATIONAL_RETURN,
        MEETING,
        INSPECT,
        FORCE_MAJEURE,
        KA_RESULT,
        PROMO_AGREEMENT,
        PROMO_CONFIRMATION,
        EXECUTION_RETURN,
    )
}


def form_of(kind: str, answers: dict[str, object]) -> Form:
    """The form a saved report of ``kind`` was written with."""
    if kind == "promotion_report":
        return PROMOTION_CLOSEOUT if "actual_cost" in answers else PROMOTION_UPDATE
    return next(f for f in FORMS.values() if f.report == kind)


def is_comment(form: Form) -> bool:
    """A form that answers someone else's report (a decision, a reply), not a report."""
    return form.report in (
        "decision",
        "issue_reply",
        "issue_reopen",
        "national_return",
        "event_return",
        "force_majeure",
        "execution_return",
        "waiver",
        "appeal",
        "breach",
    )


def records_facts(form: Form) -> bool:
    """A form that records a contract's or a launch's dated fact (R5–R7, R12)."""
    return form in CONTRACT_FORMS or form in LAUNCH_FORMS or form in EVENT_FORMS
