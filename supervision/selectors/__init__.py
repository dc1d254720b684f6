"""Supervision reads (selectors never import services)."""
