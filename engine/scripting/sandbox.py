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
import copy
import re
import sys
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, safer_getattr)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptRejected
from engine.scripting.budget import (DEFAULT_CPU_BUDGET_S, MAX_INT_STR_DIGITS, Budget,
                                     CheckedIterator, checked_format_value, checked_operation,
                                     checked_pow, current_budget, guard_method, running, unsaveable)

# Bounds against runaway diagrams; the library itself stops nothing (spiffworkflow-notes "Script
# engine"). Time is bounded by the CPU budget (engine.scripting.budget), sizes by its checks.
MAX_LOOP_ITERATIONS = 100_000
MAX_RANGE = 100_000

# Builtins that would reopen the sandbox if a diagram could reach them; refused at deploy time so the
# author gets a clear error rather than a NameError at run time.
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "breakpoint", "help", "memoryview", "object", "super", "exit",
    "quit", "dir", "classmethod", "staticmethod", "property",
})
# Builtins none of which the sandbox holds, but whose names are ordinary data fields ("type" of a
# case, a DMN "input"): as a variable they are plain data; only calling them is refused (the
# builtin is never reachable, so such a call could only fail at run time).
FORBIDDEN_CALLS = frozenset({"type", "input"})

_EXTRA_BUILTINS = {
    "min": min, "max": max, "any": any, "all": all, "list": list, "dict": dict, "set": set,
    "frozenset": frozenset,
}

# Operators that can build a huge value in one C call; rewritten into size-checked calls.
_CHECKED_OPS = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}

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

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'hàm "{node.func.id}()" không được phép dùng trong kịch bản '
                             "(forbidden call)")
        return super().visit_Call(node)

    @staticmethod
    def _with_tick(node, guard: str = "_tick_"):
        tick = ast.Expr(ast.Call(ast.Name(guard, ast.Load()), [], []))
        ast.copy_location(tick, node.body[0])
        ast.fix_missing_locations(tick)
        node.body.insert(0, tick)
        return node

    @staticmethod
    def _call(name: str, args: list, like):
        call = ast.Call(ast.Name(name, ast.Load()), args, [])
        ast.copy_location(call, like)
        return ast.fix_missing_locations(call)

    def visit_For(self, node):
        return self._with_tick(super().visit_For(node))

    def visit_While(self, node):
        return self._with_tick(super().visit_While(node))

    def visit_FunctionDef(self, node):
        # Recursion and generators defined in a script are bounded like loops.
        return self._with_tick(super().visit_FunctionDef(node), "_check_")

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        check = self._call("_check_", [], node.body)
        node.body = ast.copy_location(ast.BoolOp(ast.Or(), [check, node.body]), node.body)
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        symbol = _CHECKED_OPS.get(type(node.op))
        if symbol is None:
            return node
        return self._call("_op_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        if node.format_spec is not None:  # f"{x:>1000000000}": the width is checked first
            node.value = self._call("_fmt_", [node.value, copy.deepcopy(node.format_spec)], node)
        return node


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


def _guarded_builtins(check: Callable[[], None]) -> dict:
    """Builtins whose work is bounded: iterators they return check the budget at each step."""
    def bounded_range(*args):
        check()
        result = range(*args)
        if len(result) > MAX_RANGE:
            raise ScriptLimitExceeded(f"range quá lớn: tối đa {MAX_RANGE} phần tử")
        return result

    def checked(factory):
        return lambda *args: CheckedIterator(factory(*args), check)

    def checked_sum(iterable, start=0):
        # sum(lists, []) concatenates quadratically in C: only numbers may be summed.
        if not isinstance(start, (int, float, complex)):
            raise TypeError("sum() chỉ cộng các số")
        return sum(CheckedIterator(iterable, check), start)

    return {**safe_builtins, **_EXTRA_BUILTINS, "range": bounded_range, "pow": checked_pow,
            "sum": checked_sum, "map": checked(map), "filter": checked(filter),
            "enumerate": checked(enumerate), "reversed": checked(reversed)}


def _new_globals(helpers: Mapping[str, Any], budget: Budget) -> dict:
    ticks = [0]
    check = budget.check

    def tick():
        check()
        ticks[0] += 1
        if ticks[0] > MAX_LOOP_ITERATIONS:
            raise ScriptLimitExceeded(f"vòng lặp vượt quá {MAX_LOOP_ITERATIONS} lần")

    def getattr_(obj, name, *default):
        check()
        return guard_method(obj, name, safer_getattr(obj, name, *default))

    def getitem(obj, key):
        check()
        return default_guarded_getitem(obj, key)

    def write(obj):
        check()
        return full_write_guard(obj)

    def apply(func, *args, **kwargs):
        check()
        return func(*args, **kwargs)

    return {
        "__builtins__": _guarded_builtins(check),
        "__name__": "diagram_script",
        "__metaclass__": type,
        "_getattr_": getattr_,
        "_getitem_": getitem,
        "_getiter_": lambda ob: CheckedIterator(ob, check),
        "_write_": write,
        "_inplacevar_": checked_operation,
        "_op_": checked_operation,
        "_fmt_": checked_format_value,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_apply_": apply,
        "_print_": PrintCollector,
        "_tick_": tick,
        "_check_": check,
        **helpers,
    }


def _budget() -> Budget:
    """The unit of work's budget; code run outside one (a migration) gets a budget of its own."""
    return current_budget() or Budget(DEFAULT_CPU_BUDGET_S)


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
        budget = _budget()
        namespace = _new_globals(self.globals, budget)
        namespace.update(external_context or {})
        namespace.update(context)
        result = eval(_compile(expression, "eval"), namespace)
        budget.check()  # an expression that swallowed the overrun does not get away with it
        return result

    def execute(self, script, context, external_context=None):
        clashes = set(self.globals).intersection(context)
        if clashes:
            raise ValueError(f"Dữ liệu trùng tên với hàm hỗ trợ: {sorted(clashes)}")
        budget = _budget()
        reserved = _new_globals(self.globals, budget)
        reserved.update(external_context or {})
        namespace = dict(reserved)
        namespace.update(context)
        exec(_compile(script, "exec"), namespace)
        budget.check()  # a script that swallowed the overrun does not get away with it
        result = {key: value for key, value in namespace.items()
                  if not key.startswith("_") and not callable(value)
                  and (key not in reserved or key in context)}
        _refuse_unsaveable(result, context)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        service = self.services.get(operation_name)
        if service is None:
            raise ScriptRejected(f"Dịch vụ '{operation_name}' không được cấu hình", None)
        return service(**(operation_params or {}))


def _refuse_unsaveable(result: dict, before: Mapping[str, Any]) -> None:
    """A value the state cannot store (an object of a class the script defined, a huge integer)
    fails the script with a clear message instead of every later save."""
    for key, value in result.items():
        if key in before and before[key] is value:
            continue
        reason = unsaveable(value)
        if reason:
            raise ScriptRejected(f"Biến '{key}' không lưu được vào hồ sơ: {reason}", None)


def _element(task) -> str | None:
    return getattr(getattr(task, "task_spec", None), "bpmn_id", None)


class BudgetedScriptEngine(PythonScriptEngine):
    """The library's script engine, running each script under a unit of work's ``Budget``
    (None: every evaluation gets a default budget of its own) and naming the element it runs."""

    def __init__(self, environment, budget: Budget | None = None):
        super().__init__(environment=environment)
        self.budget = budget

    def evaluate(self, task, expression, external_context=None):
        with running(self.budget, _element(task)):
            return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        with running(self.budget, _element(task)):
            return super().execute(task, script, external_context)

    def call_service(self, task, **kwargs):
        with running(self.budget, _element(task)):
            return self.environment.call_service(task.data, **kwargs)


def with_budget(engine: PythonScriptEngine, budget: Budget) -> BudgetedScriptEngine:
    """A script engine for one unit of work: the shared environment, its own budget."""
    return BudgetedScriptEngine(engine.environment, budget)


def budget_of(workflow) -> Budget | None:
    return getattr(getattr(workflow, "script_engine", None), "budget", None)


def build_script_engine(helpers: Mapping[str, Any] | None = None,
                        services: Mapping[str, Callable[..., Any]] | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose every evaluation is restricted."""
    # Process-wide: int <-> str conversion is quadratic in C; keep it bounded even when the
    # environment (PYTHONINTMAXSTRDIGITS=0) lifted Python's default.
    sys.set_int_max_str_digits(MAX_INT_STR_DIGITS)
    return BudgetedScriptEngine(RestrictedEnvironment(helpers, services))
