"""The dashboard tells shop managers when Atelier switched a webhook endpoint off by itself."""

from __future__ import annotations

from automation.selectors import endpoints_switched_off
from studio import panels
from studio.permissions import is_manager


def _switched_off(request, obj) -> dict | None:
    if not is_manager(request.user):
        return None
    endpoints = list(endpoints_switched_off()[:5])
    return {"switched_off": endpoints} if endpoints else None


panels.register(
    panels.Panel(
        slot=panels.DASHBOARD,
        name="webhooks_switched_off",
        template="automation/panels/dashboard_webhooks.html",
        context=_switched_off,
        order=5,
    )
)
