"""The production-plan draft kind, registered with approvals in ForecastingConfig.ready()."""

from __future__ import annotations

from typing import Any

from approvals.registry import DraftKind
from forecasting.models import ProductionPlan

NOTES_MAX = 1000


def plan_snapshot(plan: ProductionPlan) -> dict[str, Any]:
    return {
        "week_start": plan.week_start.isoformat(),
        "weeks": plan.weeks,
        "service_level": plan.service_level,
        "plan": plan.plan,
        "notes": "",
    }


def clean_plan(plan: ProductionPlan, snapshot: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(snapshot)
    cleaned["notes"] = str(snapshot.get("notes", "")).strip()[:NOTES_MAX]
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
    editable_fields={"notes": NOTES_MAX},
    clean=clean_plan,
    blockers=plan_blockers,
    retry=plan_retry,
    template="forecasting/kinds/production_plan.html",
    summary=plan_summary,
    confirm_approval="Approve this whole production plan? Every line of it becomes the plan the makers work to.",
)
