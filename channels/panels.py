"""What the channels app adds to other pages: the product's publishing panel, bulk "publish" actions (offered
only for a connected channel), export links and how to connect a channel in the catalogue, and the unmatched
SKUs on the forecasts page."""

from __future__ import annotations

from channels.registry import channels
from channels.selectors import channel_states_for, stock_failures_for, stock_rows_for, unmatched_skus
from channels.services import publish_start
from channels.stock import stock_channels, stock_push_start
from studio import panels
from studio.permissions import CHANGE, can, is_manager

PUSH_STOCK_PERMISSION = "channels.change_channelstock"


def _product_publishing(request, product) -> dict | None:
    states = channel_states_for(product=product)
    if not states:
        return None
    return {
        "channel_states": states,
        "can_publish": can(request.user, CHANGE, product),
        "product": product,
        "manager": is_manager(request.user),
    }


def _product_stock(request, product) -> dict | None:
    stock_backends, rows = stock_rows_for(product=product)
    if not stock_backends or not rows:
        return None
    return {
        "stock_channels": stock_backends,
        "stock_rows": rows,
        "stock_flagged": sum(row.flagged for row in rows),
        "can_push_stock": request.user.has_perm(PUSH_STOCK_PERMISSION) and can(request.user, CHANGE, product),
        "product": product,
    }


def _stock_failures(request, obj) -> dict | None:
    rows, count = stock_failures_for(request.user)
    return {"stock_failures": rows, "stock_failures_count": count} if rows else None


def _push_stock_action(request, products):
    if not stock_channels():
        raise panels.ActionRefused("No connected channel takes stock figures.")
    return stock_push_start(products=products, requested_by=request.user)


def _export_links(request, obj) -> dict | None:
    exporting = [channel for channel in channels.all() if channel.exports]
    return {"export_channels": exporting} if exporting else None


def _unmatched(request, obj) -> dict | None:
    if not is_manager(request.user):
        return None
    rows = list(unmatched_skus())
    return {"unmatched": rows} if rows else None


def _connect_a_channel(request, obj) -> dict | None:
    """Tell a manager how to connect a channel while none is on (the catalogue offers no publishing until then)."""
    if not is_manager(request.user) or channels.enabled():
        return None
    waiting = [channel for channel in channels.all() if not channel.enabled]
    return {"unconnected": waiting} if waiting else None


def _channel_enabled(channel_name: str):
    def available() -> bool:
        return channels.get(channel_name).enabled

    return available


def _publish_action(channel_name: str):
    def start(request, products):
        channel = channels.get(channel_name)
        if not channel.enabled:  # a stale page may still post the action: refuse it before any job exists
            raise panels.ActionRefused(channel.not_connected_message())
        return publish_start(products=products, requested_by=request.user, channel=channel_name)

    return start


panels.register(
    panels.Panel(
        slot=panels.PRODUCT,
        name="publishing",
        template="channels/panels/product_publishing.html",
        context=_product_publishing,
        order=40,
    )
)
panels.register(
    panels.Panel(
        slot=panels.PRODUCT,
        name="channel_stock",
        template="channels/panels/product_stock.html",
        context=_product_stock,
        order=45,
    )
)
panels.register(
    panels.Panel(
        slot=panels.DASHBOARD,
        name="stock_failures",
        template="channels/panels/dashboard_stock_failures.html",
        context=_stock_failures,
        order=15,
    )
)
panels.register_action(
    panels.ProductAction(
        name="push_stock",
        label="Push stock to the channels",
        start=_push_stock_action,
        permission=PUSH_STOCK_PERMISSION,
        order=60,
        available=lambda: bool(stock_channels()),
    )
)
panels.register(
    panels.Panel(
        slot="catalogue_tools",
        name="exports",
        template="channels/panels/export_links.html",
        context=_export_links,
    )
)
panels.register(
    panels.Panel(
        slot="catalogue_notes",
        name="connect_a_channel",
        template="channels/panels/connect_a_channel.html",
        context=_connect_a_channel,
    )
)
panels.register(
    panels.Panel(
        slot="forecasts",
        name="unmatched_skus",
        template="channels/panels/unmatched_skus.html",
        context=_unmatched,
        order=90,
    )
)
for _name in channels.configured:
    _cls = channels.channel_class(_name)
    panels.register_action(
        panels.ProductAction(
            name=f"publish_{_name}",
            label=f"Publish to {_cls.label}",
            start=_publish_action(_name),
            order=50,
            available=_channel_enabled(_name),
        )
    )
