"""Webhook tasks: thin wrappers that take ids. Both may run twice (see services.delivery_attempt)."""

from __future__ import annotations

from automation.services import deliveries_sweep, delivery_attempt


def deliver(delivery_id: int) -> str:
    return delivery_attempt(delivery_id=delivery_id)


def sweep() -> dict[str, int]:
    return deliveries_sweep()
