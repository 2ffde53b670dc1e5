"""BPMN workflow kernel (processes, tasks, timers, scripts, versions, audit) under the petitions app.

It never imports Flask, RQ, Redis or the application built on it (import-linter contracts in
pyproject.toml, run by tests/unit/test_import_contracts.py): it talks to the outside through the
small ports in ``engine.ports``, the events of ``engine.events`` and the fields an application
fills in ``engine.context.EngineContext``.
"""
