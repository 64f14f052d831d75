"""What every copywriter takes and returns: a brief of plain facts in, listing copy out.

A backend never touches the database. The service builds the brief
(catalog.listings.services.brief_for), the backend writes from it, and the
service checks, fixes and stores the result. That keeps backends fast, easy to
test without a database, and unable to reach anything outside the draft.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from catalog.listings.checks import COLOURS, colour_values
from studio.backends import Backend


@dataclass(frozen=True)
class PhotoFact:
    """One original photo of the product: its id and the variant it shows, if any."""

    id: int
    variant: str = ""


@dataclass(frozen=True)
class ListingBrief:
    """Everything a copywriter may use, as plain data. The facts are the maker's word."""

    title: str
    handle: str = ""
    category: str = ""
    materials: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    dimensions: str = ""
    weight_grams: int | None = None
    care: str = ""
    story: str = ""
    made_to_order: bool = False
    lead_time_days: int = 0
    price: str = ""
    currency: str = ""
    # Option name → the values the variants offer, in variant order, e.g. {"colourway": ("celadon", "tenmoku")}.
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    photos: tuple[PhotoFact, ...] = ()
    studio_name: str = ""
    brand_voice: str = ""
    # The maker's recently approved listing copy (title, description, tags, seo_title, seo_description).
    examples: tuple[dict[str, Any], ...] = ()
    categories: tuple[str, ...] = ()
    # The reviewer's note on a rejected version; may be empty.
    instructions: str = ""

    @property
    def photo_ids(self) -> tuple[int, ...]:
        return tuple(photo.id for photo in self.photos)

    def facts(self) -> dict[str, Any]:
        """The facts the checks rest on; the same shape as catalog.listings.kind.product_facts."""
        return {
            "title": self.title,
            "category": self.category,
            "materials": list(self.materials),
            "techniques": list(self.techniques),
            "dimensions": self.dimensions,
            "weight_grams": self.weight_grams,
            "care": self.care,
            "story": self.story,
            "made_to_order": self.made_to_order,
            COLOURS: colour_values(self.options),
        }


@dataclass
class ListingCopy:
    """One listing's copy as a copywriter wrote it, before the service checks and fixes it."""

    title: str
    description: str  # HTML subset: p, ul, li, strong, em
    tags: list[str] = field(default_factory=list)
    seo_title: str = ""
    seo_description: str = ""
    alt_texts: list[dict[str, Any]] = field(default_factory=list)  # [{"photo": id, "text": str}]
    category: str = ""  # one of the brief's categories, or ""
    materials: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the writer couldn't do or had no facts for


@dataclass(frozen=True)
class NoteReading:
    """A reviewer's note as the writer will take it, shown to the reviewer before they send it."""

    followed: tuple[str, ...] = ()  # what the writer will do, in its own words
    passed_on: tuple[str, ...] = ()  # the parts it can't act on, as the reviewer wrote them: for the maker's edit
    whole: bool = False  # the writer reads the whole note (a language model), so nothing is passed on


class Copywriter(Backend):
    """Base of the copywriter backends (ATELIER_BACKENDS["copywriter"]): a brief in, listing copy out.

    Raise an exception with a message a shop manager can act on when the copy
    can't be written; the service marks the draft failed with it.
    """

    step = "copywriter"
    # Products per background task (None: the service's default). A backend that may wait long on
    # one listing sets it low, so a task's worst case stays inside Q_TIMEOUT.
    task_chunk: ClassVar[int | None] = None
    # What a reviewer's note on a rejected version can ask of this writer, said to them before they send it.
    note_help: ClassVar[str] = "The writer reads your note as you write it."

    @abstractmethod
    def write(self, *, brief: ListingBrief) -> ListingCopy:
        """One listing's copy from the brief's facts."""

    def read_note(self, note: str) -> NoteReading:
        """How the next version will take this note; a writer that follows only some notes says which parts."""
        return NoteReading(whole=bool(note.strip()))


class BatchCopywriter(Copywriter):
    """A copywriter that can also take a big job as one asynchronous batch (a provider's cheaper batch API).

    The listing service sends a job of `batch_threshold` products or more
    through `write_many`, polls `batch_ended` every `batch_poll_seconds` (giving
    up after `batch_max_polls`), then stores what `collect` returns. Each result
    goes through the same checks and review as a single `write`.
    """

    batch_threshold: int = 20
    batch_poll_seconds: ClassVar[int] = 60
    batch_max_polls: ClassVar[int] = 26 * 60

    @abstractmethod
    def write_many(self, briefs: Mapping[str, ListingBrief]) -> str:
        """Submit one batch, a listing per brief under its key; returns the batch id."""

    @abstractmethod
    def batch_ended(self, batch_id: str) -> bool:
        """Whether the batch has finished (successfully or not), so `collect` can read it."""

    @abstractmethod
    def collect(self, batch_id: str, *, briefs: Mapping[str, ListingBrief]) -> Mapping[str, ListingCopy | Exception]:
        """Each brief's copy, or the exception (with a message a person can act on) that stopped it, by key."""
