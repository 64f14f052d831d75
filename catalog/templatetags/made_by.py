"""Which AI backend made a draft, said in words an artisan reads (the dotted name stays behind a disclosure)."""

from __future__ import annotations

import re

from django import template

register = template.Library()

BACKEND_WORDS = {
    "catalog.staging.compositor.CompositorStager": "the studio compositor (offline)",
    "catalog.staging.diffusion.DiffusionStager": "Stable Diffusion inpainting",
    "catalog.copywriting.template.TemplateCopywriter": "the studio's offline copywriter",
    "catalog.copywriting.anthropic.AnthropicCopywriter": "Claude (Anthropic)",
}


@register.filter
def made_by(dotted: str) -> str:
    """'catalog.staging.compositor.CompositorStager' → 'the studio compositor (offline)'.

    A backend this table doesn't know (a studio's own) is named from its class:
    'acme.stagers.LightboxStager' → 'lightbox stager'.
    """
    dotted = str(dotted or "")
    if dotted in BACKEND_WORDS:
        return BACKEND_WORDS[dotted]
    name = dotted.rsplit(".", 1)[-1]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower().strip()
    return words or "an unnamed backend"
