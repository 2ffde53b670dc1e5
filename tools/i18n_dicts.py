"""A Babel extractor for texts kept in module-level dictionaries (step → plain words, kind →
sentence), which pages translate with ``_(value)`` at render time. Babel's own Python extractor
sees only literal calls of ``_()``; wrapping each dictionary value in a marker would clutter the
domain's tables, which are plain data. Named in ``babel.cfg`` as ``dicts``.

A file handled here also gets the standard Python extraction, so its ``_()`` calls stay found.
Only values that read as text are taken (a space or a non-ASCII letter): codes such as "D" or
"Task_register" are not messages.
"""
from __future__ import annotations

import ast
import io

from babel.messages.extract import extract_python


def _strings(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.JoinedStr):
        return  # an f-string is built at run time: nothing fixed to translate


def _is_text(value: str) -> bool:
    return " " in value.strip() or any(ord(c) > 127 for c in value)


def extract(fileobj, keywords, comment_tags, options):
    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    tree = ast.parse(source.decode(options.get("encoding", "utf-8")))
    for statement in tree.body:
        value = getattr(statement, "value", None)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not isinstance(value,
                                                                                  ast.Dict):
            continue
        for item in value.values:
            for constant in _strings(item):
                if _is_text(constant.value):
                    yield constant.lineno, None, constant.value, []
