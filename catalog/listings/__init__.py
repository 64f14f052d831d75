"""Listing copy: channel limits, checks and the listing-copy draft kind."""
