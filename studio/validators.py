"""Validators every app's forms and serializers share.

PostgreSQL can store no NUL character in text or jsonb, so a NUL anywhere in a JSON value
(a list item, a key, a nested value) fails the INSERT with a 500. Django's and DRF's
CharFields already refuse it; these do the same for JSON fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

NUL_MESSAGE = "Null characters are not allowed."


def contains_nul(value: object) -> bool:
    """True when a NUL appears in any string, key or nested value of `value`."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def refuse_nul(value: object) -> None:
    """A validator for JSON values (forms, serializers): no NUL character anywhere inside."""
    if contains_nul(value):
        raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")


class NulFreeJSONField(forms.JSONField):
    """The admin's JSON field, refusing what PostgreSQL can't store instead of answering 500."""

    default_validators = [refuse_nul]
