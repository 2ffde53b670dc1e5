"""Workflow engine for citizens' petitions.

This package never imports Flask, RQ or Redis (checked by tests/unit/test_layering.py): it talks to
the outside through the small ports in ``engine.ports``.
"""
