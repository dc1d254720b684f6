"""Supervision writes."""
