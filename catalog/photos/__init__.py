"""Photo intake, quality control and cut-outs: from a maker's upload to a clean,
checked original with a product mask.

intake.py refuses what isn't a photo we can safely keep and cleans what is
(orientation applied, metadata gone); qc.py judges the clean photo against the
marketplaces the studio sells on; cutout.py is the classical way to find the
product (the mask that staging will keep pixel-for-pixel), now one backend of
the cut-out step in catalog.cutout, whose default is a learned model. All are
pure functions over bytes and images: catalog.services stores their results.
"""
