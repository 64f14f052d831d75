"""Pictures on pages: a smaller stored copy offered first, the full file for screens that need it."""

from __future__ import annotations

from typing import Any

from django import template

from approvals.templatetags.approvals_tags import media_url
from catalog.photos.thumbs import fitted

register = template.Library()


@register.simple_tag
def picture_srcset(small: Any, side: Any, full: Any, width: Any, height: Any) -> str:
    """A srcset offering a stored picture's smaller copy (long side `side`) and the full file, with their widths.

    `small` and `full` are storage names, as snapshots keep them. "" when either is missing, the
    sizes are unknown or the copy isn't smaller: the page then shows the one picture it has.
    """
    small_url, full_url = media_url(small), media_url(full)
    try:
        side, width, height = int(side), int(width), int(height)
    except (TypeError, ValueError):
        return ""
    if not small_url or not full_url or side <= 0 or width <= 0 or height <= 0:
        return ""
    small_width = fitted(width, height, side)[0]
    if small_width >= width:
        return ""
    return f"{small_url} {small_width}w, {full_url} {width}w"
