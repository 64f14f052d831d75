"""The template library of the studio-voice kind in test_kinds.py: a kind's own filters, loaded by its own template."""

from django import template

register = template.Library()


@register.filter
def word_count(text) -> int:
    return len(str(text or "").split())
