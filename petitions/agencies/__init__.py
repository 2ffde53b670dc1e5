"""Agencies as documents name them: a unit's profile (full name, parent body, signing head)."""
