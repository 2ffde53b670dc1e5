"""Regenerate the shipped diagrams from ``tools/process_sources/*.py``.

Every module there defines ``FOLDER`` (the sub-folder of ``processes/``) and ``build() -> Process``;
it may also define ``extra_files() -> dict[str, str]`` for files that belong beside the diagram
(e.g. a DMN decision table). ``build()`` is written to ``processes/<FOLDER>/<process key>.bpmn``.

    python -m tools.build_processes            # write every diagram
    python -m tools.build_processes --check    # exit 1 if a shipped file differs from its source
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from tools import process_sources

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"


def source_modules() -> list[ModuleType]:
    """Every builder module in tools/process_sources, in name order."""
    names = sorted(info.name for info in pkgutil.iter_modules(process_sources.__path__)
                   if not info.name.startswith("_"))
    return [importlib.import_module(f"{process_sources.__name__}.{name}") for name in names]


def outputs(module: ModuleType) -> dict[Path, str]:
    """The files one builder module produces: path -> text."""
    process = module.build()
    folder = PROCESSES / module.FOLDER
    files = {folder / f"{process.key}.bpmn": process.to_xml()}
    extra = getattr(module, "extra_files", None)
    if extra is not None:
        files.update({folder / name: text for name, text in extra().items()})
    return files


def write_module(module: ModuleType) -> list[Path]:
    written = []
    for path, text in outputs(module).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(modules: list[ModuleType]) -> list[Path]:
    """Shipped files that differ from (or are missing for) their builder source."""
    return [path for module in modules for path, text in outputs(module).items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report files that differ from their source")
    args = parser.parse_args(argv)
    modules = source_modules()
    if args.check:
        stale = stale_files(modules)
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for module in modules:
        for path in write_module(module):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
