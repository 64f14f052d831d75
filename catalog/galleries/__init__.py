"""Galleries: the approved set and order of a product's images that a channel receives."""
