"""The import contracts of pyproject.toml hold, and breaking one is caught (docs/architecture.md).

import-linter runs in a subprocess: it caches the import graph per process, and the broken copies
below must shadow the installed packages (PYTHONPATH comes before the editable install's finder).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "petitions", "webapp", "workers", "petitions_cli")


def _lint(root: Path) -> subprocess.CompletedProcess:
    script = (f"import sys; from importlinter.cli import lint_imports_command; "
              f"sys.argv = ['lint-imports', '--no-cache']; sys.exit(lint_imports_command())")
    env = {"PYTHONPATH": str(root), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "-c", script], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def copy_of_the_tree(tmp_path_factory) -> Path:
    """The Python packages and pyproject.toml, without templates, assets and catalogs."""
    root = tmp_path_factory.mktemp("tree")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(
            "static", "templates", "translations", "__pycache__", "versions"))
    shutil.copy(ROOT / "pyproject.toml", root)
    return root


@pytest.mark.parametrize("importer, imported, contract", [
    # a cycle inside the kernel: the task mirror would import the save that calls it
    ("engine/running/task_mirror.py", "engine.running.saving", "No import cycles anywhere"),
    # the kernel reaching for the domain
    ("engine/work/human_tasks.py", "petitions.identity.guard",
     "The kernel imports no web framework, queue, Redis or application"),
    # the kernel reaching for the web framework
    ("engine/persistence/models.py", "flask",
     "The kernel imports no web framework, queue, Redis or application"),
    # the domain reaching up to the web app
    ("petitions/register/registration.py", "webapp.errors",
     "Applications above the domain above the kernel"),
])
def test_a_broken_contract_fails(copy_of_the_tree, importer, imported, contract):
    path = copy_of_the_tree / importer
    original = path.read_text(encoding="utf-8")
    path.write_text(f"import {imported}  # noqa: F401\n" + original, encoding="utf-8")
    try:
        result = _lint(copy_of_the_tree)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
    assert imported.rsplit(".", 1)[-1] in broken, result.stdout  # the offending import is named
