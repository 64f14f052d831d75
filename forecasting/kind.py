"""The production-plan draft kind, registered with approvals in ForecastingConfig.ready()."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from approvals.registry import DraftKind
from approvals.selectors import approved_item
from forecasting.models import ProductionPlan
from forecasting.planning import day_month
from studio import events
from studio.parsing import ascii_int

NOTES_MAX = 1000
QUANTITY_MAX = 10_000


def plan_snapshot(plan: ProductionPlan) -> dict[str, Any]:
    return {
        "week_start": plan.week_start.isoformat(),
        "weeks": plan.weeks,
        "service_level": plan.service_level,
        "plan": plan.plan,
        "notes": "",
    }


def plan_line_input(maker: int, week: int, line: int, what: str) -> str:
    """The edit form's input for one line of the plan: plan-0-1-2-quantity (maker, week, line)."""
    return f"plan-{maker}-{week}-{line}-{what}"


def read_plan_edits(data: Mapping[str, Any], plan: Any) -> dict[str, Any]:
    """The plan with the maker's quantities and weeks from the edit form.

    A line whose inputs are missing stays as it was; a quantity of 0 drops the line; a line moved
    into a week that already makes the same variant joins it. Minutes and hours are recomputed by
    clean_plan from the planner's own minutes per piece, never from the form.
    """
    plan = copy.deepcopy(plan or {})
    for m, maker in enumerate(plan.get("makers", [])):
        weeks = maker.get("weeks", [])
        starts = [str(week.get("week_start")) for week in weeks]
        moved: list[list[dict[str, Any]]] = [[] for _ in weeks]
        for w, week in enumerate(weeks):
            for n, line in enumerate(week.get("lines", [])):
                line = dict(line)
                name = line.get("product_title") or line.get("sku")
                raw_quantity = data.get(plan_line_input(m, w, n, "quantity"))
                if raw_quantity is not None:
                    quantity = ascii_int(str(raw_quantity), maximum=QUANTITY_MAX)
                    if quantity is None:
                        raise ValidationError(
                            f"Pieces of {name} must be a whole number from 0 to {QUANTITY_MAX:,}, not “{raw_quantity}”."
                        )
                else:
                    quantity = int(line.get("quantity", 0))
                target = w
                raw_week = data.get(plan_line_input(m, w, n, "week"))
                if raw_week is not None:
                    if str(raw_week) not in starts:
                        raise ValidationError(f"{name} can only move to one of the plan's weeks.")
                    target = starts.index(str(raw_week))
                if quantity != int(line.get("quantity", 0)) or target != w:
                    original = line.get("edited_from") or {"quantity": line.get("quantity"), "week_start": starts[w]}
                    line["edited_from"] = original
                line["quantity"] = quantity
                if quantity:
                    moved[target].append(line)
        for w, week in enumerate(weeks):
            lines: dict[Any, dict[str, Any]] = {}
            for line in moved[w]:
                key = line.get("variant_id")
                if key in lines:
                    lines[key]["quantity"] += line["quantity"]
                    lines[key].setdefault("edited_from", line.get("edited_from"))
                else:
                    lines[key] = line
            week["lines"] = list(lines.values())
    return plan


def _minutes_per_piece(plan: Mapping[str, Any]) -> dict[Any, float]:
    """variant id → minutes per piece, from the plan the planner wrote (minutes ÷ pieces of its lines)."""
    per_piece: dict[Any, float] = {}
    for maker in plan.get("makers", []):
        for week in maker.get("weeks", []):
            for line in week.get("lines", []):
                if int(line.get("quantity", 0)) > 0:
                    per_piece[line.get("variant_id")] = int(line.get("minutes", 0)) / int(line["quantity"])
    return per_piece


def clean_plan(plan: ProductionPlan, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A maker's edit, made consistent: each line's minutes and each week's hours recomputed."""
    cleaned = dict(snapshot)
    cleaned["notes"] = str(snapshot.get("notes", "")).strip()[:NOTES_MAX]
    per_piece = _minutes_per_piece(plan.plan or {})
    edited = copy.deepcopy(snapshot.get("plan") or {})
    for maker in edited.get("makers", []):
        for week in maker.get("weeks", []):
            for line in week.get("lines", []):
                if line.get("variant_id") not in per_piece:
                    raise ValidationError(f"{line.get('product_title') or line.get('sku')} is not in this plan.")
                line["minutes"] = round(int(line["quantity"]) * per_piece[line["variant_id"]])
                if line.get("edited_from"):
                    before = line["edited_from"]
                    line["edited"] = (
                        f"Changed from {before.get('quantity')} in the week of "
                        f"{day_month(date.fromisoformat(str(before.get('week_start'))[:10]))}."
                    )
            week["minutes_used"] = sum(int(line["minutes"]) for line in week.get("lines", []))
    cleaned["plan"] = edited
    return cleaned


def plan_blockers(snapshot: dict[str, Any]) -> list[str]:
    """A plan over a maker's hours can't be approved: it would promise what can't be made."""
    problems = []
    for maker in snapshot.get("plan", {}).get("makers", []):
        for week in maker.get("weeks", []):
            used, available = int(week.get("minutes_used", 0)), int(week.get("minutes_available", 0))
            if used > available:
                problems.append(
                    f"Week of {week.get('week_start')}: {used / 60:.1f} h planned, only {available / 60:.1f} h available."
                )
    return problems


def plan_summary(snapshot: dict[str, Any]) -> str:
    """How much the plan asks of the maker, and what it couldn't fit: "12 pieces over 4 weeks; 3 did not fit"."""
    plan = snapshot.get("plan") or {}
    pieces = sum(
        int(line.get("quantity", 0))
        for maker in plan.get("makers", [])
        for week in maker.get("weeks", [])
        for line in week.get("lines", [])
    )
    weeks = int(snapshot.get("weeks") or 0)
    text = (
        f"{pieces} piece{'s' if pieces != 1 else ''} over {weeks} week{'s' if weeks != 1 else ''}"
        if pieces
        else "Nothing to make"
    )
    unplaced = sum(int(item.get("quantity_needed", 0)) for item in plan.get("unplaced", []))
    return f"{text}; {unplaced} did not fit" if unplaced else text


def _pieces(snapshot: dict[str, Any]) -> int:
    return sum(
        int(line.get("quantity", 0))
        for maker in (snapshot.get("plan") or {}).get("makers", [])
        for week in maker.get("weeks", [])
        for line in week.get("lines", [])
    )


def plan_approved(plan: ProductionPlan, snapshot: dict[str, Any], *, user, options: dict[str, bool]) -> None:
    """Inside the approving transaction: tell subscribers (outgoing webhooks) the maker has a schedule."""
    item = approved_item(draft=plan)
    events.emit(
        events.ProductionPlanApproved(
            plan=plan,
            plan_id=plan.pk,
            maker_id=plan.maker_id,
            week_start=str(snapshot.get("week_start") or plan.week_start.isoformat()),
            weeks=int(snapshot.get("weeks") or plan.weeks),
            item_id=getattr(item, "pk", 0) or 0,
            pieces=_pieces(snapshot),
            by_id=getattr(user, "pk", None),
        )
    )


def plan_retry(*, draft: ProductionPlan, note: str, user):
    from forecasting.demand import forecasts_refit_start

    return forecasts_refit_start(requested_by=user)


PRODUCTION_PLAN = DraftKind(
    name="production_plan",
    label="Production plan",
    model=ProductionPlan,
    snapshot=plan_snapshot,
    owner=lambda plan: plan.maker,
    subject=lambda plan: f"Production plan from {plan.week_start.day} {plan.week_start:%b %Y}",
    subject_key=lambda plan: f"maker:{plan.maker_id}",
    editable_fields={"plan": None, "notes": NOTES_MAX},
    edit_readers={"plan": read_plan_edits},
    edit_template="forecasting/kinds/production_plan_edit.html",
    clean=clean_plan,
    blockers=plan_blockers,
    retry=plan_retry,
    on_approved=plan_approved,
    template="forecasting/kinds/production_plan.html",
    summary=plan_summary,
    confirm_approval="Approve this whole production plan? Every line of it becomes the plan the makers work to.",
)
