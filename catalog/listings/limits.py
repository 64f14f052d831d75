"""Marketplace limits listing copy must respect (see DESIGN.md, 'Marketplace facts')."""

ETSY_TITLE_MAX = 140
ETSY_TITLE_FORBIDDEN = "$^`"
ETSY_TAGS_MAX = 13
ETSY_TAG_MAX = 20
SEO_TITLE_MAX = 70
META_DESCRIPTION_MAX = 160  # what search engines show; Shopify accepts 320
SHOPIFY_META_DESCRIPTION_MAX = 320
ALT_TEXT_MAX = 125
DESCRIPTION_MAX = 10_000  # characters of sanitised HTML; far beyond any real listing, far below an attack
SHOPIFY_TAGS_MAX = 250

# Tags allowed in descriptions; everything else is stripped by nh3.
DESCRIPTION_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li"}
