"""A copywriter that exists only for tests: the whole of what adding a copywriter takes.

ATELIER_COPYWRITER=tests.catalog.shouting_copywriter.ShoutingCopywriter SHOUT_PUNCTUATION='!!'
"""

from __future__ import annotations

from catalog.copywriting.base import Copywriter, ListingBrief, ListingCopy
from studio.backends import Option


class ShoutingCopywriter(Copywriter):
    """Writes the title in capitals and a one-line description; facts only."""

    option_specs = (Option("punctuation", env="SHOUT_PUNCTUATION", default="!", help="what ends the title"),)

    def __init__(self, *, punctuation: str = "!") -> None:
        super().__init__(punctuation=punctuation)
        self.punctuation = punctuation

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        materials = ", ".join(brief.materials) or "what the maker chose"
        return ListingCopy(
            title=f"{brief.title.upper()}{self.punctuation}",
            description=f"<p>{brief.title}, made of {materials}.</p>",
            tags=[brief.title.lower()[:20]],
            seo_title=brief.title,
            seo_description=f"{brief.title}, made of {materials}.",
        )
