"""Dashboard figures summed by maker in the background, so the dashboard reads a few rows at any catalogue size.

An app registers a source of figures: `compute(today)` returns {maker id: {key: number}} from one GROUP BY
(catalog: active products, variants, units in stock, low stock; forecasting: units and revenue of the last
30 days). A refresher that runs after every write that changes them (forecasting's stored-alerts refresh:
queued by sales imports, orders, stock and product edits; just after midnight; every few minutes for what
nothing marks, a raw UPDATE say) calls `figures_store(today, began)` and tells this module, through
`set_currency`, how a page knows whether what is stored is current.

A page asks `stored_figures(request, name)`: the figures summed over the makers the user may see, or None
when they are not current or were never stored (a new installation, a source added since the last
refresh), and the page computes them live, as before.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest

from studio.permissions import VIEW

Number = int | Decimal


@dataclass(frozen=True)
class FigureSource:
    name: str
    keys: tuple[str, ...]  # every key compute() may return; a maker without a row counts 0 for each
    compute: Callable[[dt.date], dict[int, dict[str, Number]]]


_sources: dict[str, FigureSource] = {}
# (request) -> (current, computed_from): whether nothing changed since the refresh that began at computed_from
_currency: Callable[[HttpRequest], tuple[bool, dt.datetime | None]] | None = None
_lock = threading.Lock()


def register_figures(name: str, compute: Callable[[dt.date], dict[int, dict[str, Number]]], *, keys) -> None:
    with _lock:
        _sources[name] = FigureSource(name=name, keys=tuple(keys), compute=compute)


def set_currency(check: Callable[[HttpRequest], tuple[bool, dt.datetime | None]]) -> None:
    global _currency
    _currency = check


def _encode(value: Number) -> int | str:
    return str(value) if isinstance(value, Decimal) else int(value)


def figures_store(*, today: dt.date, began: dt.datetime) -> int:
    """Compute every registered source's figures and store them, stamped with `began` (when the refresh began:
    a change after it leaves the stored figures not current); how many rows were written."""
    from studio.models import MakerFigures

    written = 0
    for source in list(_sources.values()):
        by_maker = source.compute(today)
        rows = [
            MakerFigures(
                maker_id=maker_id,
                name=source.name,
                values={key: _encode(value) for key, value in values.items()},
                computed_from=began,
            )
            for maker_id, values in by_maker.items()
            if maker_id is not None
        ]
        rows.append(MakerFigures(maker=None, name=source.name, values={}, computed_from=began))
        with transaction.atomic():
            MakerFigures.objects.filter(name=source.name).delete()
            MakerFigures.objects.bulk_create(rows, batch_size=500)
        written += len(rows)
    return written


def _current_stamp(request: HttpRequest) -> dt.datetime | None:
    """When the current figures' refresh began, or None when they are not current; once per request."""
    if not hasattr(request, "_figures_current"):
        current, began = _currency(request) if _currency is not None else (False, None)
        request._figures_current = began if current else None
    return request._figures_current


def stored_figures(request: HttpRequest, name: str) -> dict[str, Number] | None:
    """`name`'s figures summed over the makers `request.user` may see, or None (compute them live)."""
    from studio.models import MakerFigures

    source = _sources.get(name)
    began = _current_stamp(request)
    if source is None or began is None:
        return None
    if not hasattr(request, "_figures_rows"):
        # Every source's rows and stamps at once: the dashboard shows several.
        seen = MakerFigures.objects.restrict(request.user, VIEW) | MakerFigures.objects.filter(maker__isnull=True)
        request._figures_rows = list(seen.values_list("name", "maker_id", "values", "computed_from"))
    rows = [row for row in request._figures_rows if row[0] == name]
    if not any(maker is None and stamped == began for _, maker, _, stamped in rows):
        return None  # stored by an older refresh (or never): a write since, or a source added since
    totals: dict[str, Number] = dict.fromkeys(source.keys, 0)
    for _, maker, values, _ in rows:
        if maker is None:
            continue
        for key, value in values.items():
            totals[key] = totals.get(key, 0) + (Decimal(value) if isinstance(value, str) else value)
    return totals
