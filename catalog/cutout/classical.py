"""The classical cut-out as a backend (ATELIER_CUTOUT=classical): no model, a backdrop fitted from the border.

Good on plain paper backdrops, wrong on real scenes (a table, a room); kept as
the fallback that needs nothing but numpy and scipy. catalog.photos.cutout
explains the method.
"""

from __future__ import annotations

from PIL import Image

from catalog.cutout.base import Cutout, Cutter


class ClassicalCutter(Cutter):
    name = "classical"

    def cut(self, *, image: Image.Image) -> Cutout:
        from catalog.photos.cutout import classical_cutout  # reads settings (QC's analysis size): not at import

        cutout = classical_cutout(image=image)
        return Cutout(mask=cutout.mask, quality={**cutout.quality, "backend": self.name})
