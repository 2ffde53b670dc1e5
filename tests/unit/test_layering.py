"""engine/ never imports the web framework, the queue or Redis (docs/architecture.md, "Layers")."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"flask", "werkzeug", "marshmallow", "rq", "redis", "webapp", "workers", "petitions_cli"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_engine_imports_no_framework():
    offenders = sorted(f"{path.relative_to(ENGINE.parent)}: {name}"
                       for path in ENGINE.rglob("*.py") for name in _imports(path)
                       if name.split(".")[0] in FORBIDDEN)
    assert offenders == []
    assert len(list(ENGINE.rglob("*.py"))) > 10  # the walk really saw the package
