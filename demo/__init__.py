"""The demo studio: a believable catalogue, photos and two years of sales.

`seed.demo_seed` is the entry point (`manage.py seed_demo`). The pieces it uses
are pure and deterministic for a seed, so they can be tested without a database:
`catalogue` (who makes what), `photos` (product shots drawn with Pillow and numpy)
and `sales` (daily order lines with seasonality and sparse demand).
"""
