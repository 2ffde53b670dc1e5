"""The kernel knows no petition, and every room stays small (issue 13).

The same check as ``grep -rniE "petition|denunciation|complaint|sender" engine/`` minus the
settings' environment prefix and the BPMN extension namespace: at most one line, the package
docstring saying what the kernel is used for.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_WORDS = re.compile(r"petition|denunciation|complaint|sender", re.I)
ALLOWED = re.compile(r"PETITIONS_|urn:petitions|petitions:", re.I)
MAX_MODULE_LINES = 400
MAX_MODULES_PER_FOLDER = 15


def _modules(*packages: str):
    for package in packages:
        yield from (path for path in (ROOT / package).rglob("*.py")
                    if "migrations" not in path.parts)


def test_the_kernel_names_no_domain_concept():
    hits = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for path in _modules("engine")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if DOMAIN_WORDS.search(line) and not ALLOWED.search(line)]
    assert len(hits) <= 1, hits
    assert all(hit.startswith("engine/__init__.py:1:") for hit in hits), hits


def test_the_check_sees_a_domain_word():
    # The pattern itself, on a line the kernel must never hold.
    line = "from petitions.identity.guard import PetitionDataGuard"
    assert DOMAIN_WORDS.search(line) and not ALLOWED.search(line)
    assert ALLOWED.search('ROLE_ATTR = "{urn:petitions}role"  # petitions:role')


def test_modules_and_folders_stay_small():
    packages = ("engine", "petitions", "webapp", "workers", "petitions_cli")
    big = {str(path.relative_to(ROOT)): n for path in _modules(*packages)
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert big == {}
    folders = {path.parent for path in _modules(*packages)}
    crowded = {str(folder.relative_to(ROOT)): n for folder in folders
               if (n := len(list(folder.glob("*.py")))) > MAX_MODULES_PER_FOLDER}
    assert crowded == {}
    assert len(folders) > 10  # the walk really saw the packages
