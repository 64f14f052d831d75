"""Marketplace limits listing copy must respect (see DESIGN.md, 'Marketplace facts')."""

ETSY_TITLE_MAX = 140
ETSY_TITLE_FORBIDDEN = "$^`"
ETSY_TAGS_MAX = 13
ETSY_TAG_MAX = 20
SEO_TITLE_MAX = 70
# The one SEO (meta) description limit: the editor's counter, the check, the preview and both writers.
# Shopify stores up to 320 characters, but search results show about 160 and cut the rest.
META_DESCRIPTION_MAX = 160
ALT_TEXT_MAX = 125
DESCRIPTION_MAX = 10_000  # characters of sanitised HTML; far beyond any real listing, far below an attack
SHOPIFY_TAGS_MAX = 250

# Tags allowed in descriptions; everything else is stripped by nh3.
DESCRIPTION_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li"}
