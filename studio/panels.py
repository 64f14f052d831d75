"""Pages composed from parts that apps register: panels and bulk product actions.

The site shell and catalog's product page render whatever is registered for a
slot, so a page never imports the app that fills it: forecasting registers the
sales and forecast panels of the product page, channels the publishing panel,
and so on. Registration happens in AppConfig.ready().

    panels.register(Panel(slot="product", name="forecast", template="forecasting/panels/product_forecast.html",
                          context=product_forecast_panel, order=30))
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PRODUCT = "product"  # the product page; context(request, product)
DASHBOARD = "dashboard"  # the dashboard; context(request, None)


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    template: str
    # Returns the template's context, or None to leave the panel out for this request.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class ProductAction:
    """A bulk action on the products ticked in the catalogue (stage, write copy, publish to a channel)."""

    name: str
    label: str
    # start(request, products) -> the Job that does the work, or raises ActionRefused with a message.
    start: Callable[[HttpRequest, list], Any]
    permission: str = "catalog.change_product"
    order: int = 100
    needs_looks: bool = False  # the form's look checkboxes apply
    # Whether the action can run on this installation now (e.g. its channel is connected); asked per request,
    # so a changed setting is seen at once. None: always.
    available: Callable[[], bool] | None = None

    def is_available(self) -> bool:
        return self.available is None or self.available()


@dataclass(frozen=True)
class Attention:
    """One thing that needs someone, on the dashboard's single list (most urgent first)."""

    urgency: int  # 0 now (out of stock, a batch already late) · 1 this week · 2 soon · 3 when there is time
    title: str  # names the product or draft, in words
    url: str
    label: str  # the badge's words ("Out of stock", "Review")
    tone: str = "quiet"  # the badge's colour: danger, ochre, pending, quiet
    detail: str = ""
    # The same thing from two apps (a variant's low stock and its stock-out risk) is listed once:
    # the more urgent entry stays, on a tie the source registered with the lower order.
    key: str = ""


URGENCY_NOW, URGENCY_THIS_WEEK, URGENCY_SOON, URGENCY_LATER = 0, 1, 2, 3


class ActionRefused(Exception):
    """A bulk action that can't start as asked; the message is shown to the user."""


_panels: dict[tuple[str, str], Panel] = {}
_actions: dict[str, ProductAction] = {}
_attention: dict[str, tuple[int, Callable[[HttpRequest], list[Attention]]]] = {}
_notices: dict[str, Callable[[HttpRequest], str]] = {}
_lock = threading.Lock()


def register(panel: Panel) -> Panel:
    with _lock:
        _panels[(panel.slot, panel.name)] = panel
    return panel


def register_action(action: ProductAction) -> ProductAction:
    with _lock:
        _actions[action.name] = action
    return action


def register_attention(name: str, source: Callable[[HttpRequest], list[Attention]], *, order: int = 100) -> None:
    """An app's contribution to the dashboard's attention list: source(request) -> what needs that user."""
    with _lock:
        _attention[name] = (order, source)


def register_attention_notice(name: str, source: Callable[[HttpRequest], str]) -> None:
    """A line shown above the attention list while it is not complete, e.g. figures being refreshed;
    source(request) returns it, or "" when there is nothing to say."""
    with _lock:
        _notices[name] = source


def attention_notices(request: HttpRequest) -> list[str]:
    return [text for _, source in sorted(_notices.items()) if (text := source(request))]


def attention_for(request: HttpRequest) -> list[Attention]:
    """Everything the registered sources say needs `request.user`, each thing once, most urgent first."""
    chosen: dict[str, tuple[tuple, Attention]] = {}
    for order, name in sorted((order, name) for name, (order, _) in _attention.items()):
        for position, item in enumerate(_attention[name][1](request)):
            rank = (item.urgency, order, position)
            key = item.key or f"{name}:{position}"
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, item)
    return [item for _, item in sorted(chosen.values(), key=lambda pair: pair[0])]


def panels_for(slot: str) -> list[Panel]:
    return sorted(
        (panel for (s, _), panel in _panels.items() if s == slot), key=lambda panel: (panel.order, panel.name)
    )


def render_context(slot: str, request: HttpRequest, obj: Any = None) -> list[tuple[Panel, dict[str, Any]]]:
    """Each panel of `slot` with its context, leaving out those that have nothing to show."""
    rendered = []
    for panel in panels_for(slot):
        context = panel.context(request, obj)
        if context is not None:
            rendered.append((panel, context))
    return rendered


def actions_for(user) -> list[ProductAction]:
    """The bulk actions `user` may start that can run here now (a channel's only once it is connected)."""
    return sorted(
        (a for a in _actions.values() if user.has_perm(a.permission) and a.is_available()),
        key=lambda a: (a.order, a.name),
    )


def action(name: str) -> ProductAction | None:
    return _actions.get(name)
