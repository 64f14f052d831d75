"""Copywriters: backends that turn a product's facts into listing copy (see base.py)."""
