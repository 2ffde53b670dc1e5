"""The restricted script engine: the security boundary between untrusted diagrams and the server.

SpiffWorkflow runs scripts, gateway conditions, timer expressions, DMN cells and service parameters
through plain ``eval``/``exec`` with full builtins; an uploaded diagram could then run shell commands
and read ``DATABASE_URL`` (docs/architecture.md, "Scripts"). Everything here compiles with
RestrictedPython's ``compile_restricted`` and runs with its guards and a small allow-list of
helpers. The script engine is not serialized by the library, so the runtime re-attaches it after
every load.
"""
from __future__ import annotations

import ast
import operator
import re
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, safer_getattr)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptRejected

# Bounds against runaway diagrams; the library itself stops nothing (spiffworkflow-notes "Script
# engine"). Memory bombs such as 'x' * 10**10 are left to the worker's job limits.
MAX_LOOP_ITERATIONS = 100_000
MAX_RANGE = 100_000

# Builtins that would reopen the sandbox if a diagram could reach them; refused at deploy time so the
# author gets a clear error rather than a NameError at run time.
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "input", "breakpoint", "help", "memoryview", "type", "object", "super", "exit",
    "quit", "dir", "classmethod", "staticmethod", "property",
})

_EXTRA_BUILTINS = {
    "min": min, "max": max, "sum": sum, "any": any, "all": all, "enumerate": enumerate,
    "list": list, "dict": dict, "set": set, "frozenset": frozenset, "reversed": reversed,
    "map": map, "filter": filter,
}

_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}

_LINE_RE = re.compile(r"^Line (\d+):\s*(.*)$")


class ScriptLimitExceeded(RuntimeError):
    """A loop or range in a diagram's script went past the engine's bounds."""


class _DiagramPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus: no imports, and a budget check at the top of every loop."""

    def visit_Import(self, node):
        self.error(node, "Không được phép import trong kịch bản (import is not allowed)")
        return node

    def visit_ImportFrom(self, node):
        return self.visit_Import(node)

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" không được phép dùng trong kịch bản (forbidden name)')
        return super().visit_Name(node)

    @staticmethod
    def _with_tick(node):
        tick = ast.Expr(ast.Call(ast.Name("_tick_", ast.Load()), [], []))
        ast.copy_location(tick, node.body[0])
        ast.fix_missing_locations(tick)
        node.body.insert(0, tick)
        return node

    def visit_For(self, node):
        return self._with_tick(super().visit_For(node))

    def visit_While(self, node):
        return self._with_tick(super().visit_While(node))


@lru_cache(maxsize=8192)
def _compile(source: str, mode: str):
    """Compile once per distinct source; diagrams reuse the same few expressions constantly."""
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, filename="<string>", policy=_DiagramPolicy)
    if result.errors or result.code is None:
        first = result.errors[0] if result.errors else "cannot compile"
        match = _LINE_RE.match(first)
        line = int(match.group(1)) if match else None
        raise ScriptRejected(match.group(2) if match else first, line)
    return result.code


def check_source(source: str, mode: str) -> None:
    """Raise ScriptRejected when ``source`` does not compile under the restricted policy."""
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    if not isinstance(source, str) or not source.strip():
        raise ScriptRejected("Biểu thức rỗng (empty expression)", None)
    _compile(source, mode)


def _bounded_range(*args):
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptLimitExceeded(f"range quá lớn: tối đa {MAX_RANGE} phần tử")
    return result


def _inplacevar(op: str, target, value):
    return _INPLACE_OPERATORS[op](target, value)


def _apply(func, *args, **kwargs):
    return func(*args, **kwargs)


def _new_globals(helpers: Mapping[str, Any]) -> dict:
    ticks = [0]

    def tick():
        ticks[0] += 1
        if ticks[0] > MAX_LOOP_ITERATIONS:
            raise ScriptLimitExceeded(f"vòng lặp vượt quá {MAX_LOOP_ITERATIONS} lần")

    builtins = {**safe_builtins, **_EXTRA_BUILTINS, "range": _bounded_range}
    return {
        "__builtins__": builtins,
        "__name__": "diagram_script",
        "__metaclass__": type,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_apply_": _apply,
        "_print_": PrintCollector,
        "_tick_": tick,
        **helpers,
    }


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Same data semantics as SpiffWorkflow's TaskDataEnvironment, compiled and run restricted.

    Task data variables are visible as names; names a script assigns (except callables and
    underscore names) are written back. A failing script leaves the task data unchanged.
    """

    def __init__(self, helpers: Mapping[str, Any] | None = None,
                 services: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__(dict(helpers or {}))
        self.services = dict(services or {})

    def evaluate(self, expression, context, external_context=None):
        namespace = _new_globals(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        return eval(_compile(expression, "eval"), namespace)

    def execute(self, script, context, external_context=None):
        clashes = set(self.globals).intersection(context)
        if clashes:
            raise ValueError(f"Dữ liệu trùng tên với hàm hỗ trợ: {sorted(clashes)}")
        reserved = _new_globals(self.globals)
        reserved.update(external_context or {})
        namespace = dict(reserved)
        namespace.update(context)
        exec(_compile(script, "exec"), namespace)
        result = {key: value for key, value in namespace.items()
                  if not key.startswith("_") and not callable(value)
                  and (key not in reserved or key in context)}
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        service = self.services.get(operation_name)
        if service is None:
            raise ScriptRejected(f"Dịch vụ '{operation_name}' không được cấu hình", None)
        return service(**(operation_params or {}))


def build_script_engine(helpers: Mapping[str, Any] | None = None,
                        services: Mapping[str, Callable[..., Any]] | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose every evaluation is restricted."""
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers, services))
