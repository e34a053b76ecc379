"""Credentials providers (to be filled in)."""
