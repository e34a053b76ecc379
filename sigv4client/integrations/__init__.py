"""Adapters for HTTP client libraries: each translates types and calls the core."""
