"""Photo intake and quality control: from a maker's upload to a clean, checked original.

intake.py refuses what isn't a photo we can safely keep and cleans what is
(orientation applied, metadata gone); qc.py judges the clean photo against the
marketplaces the studio sells on. Both are pure functions over bytes and
images: catalog.services stores their results.
"""
