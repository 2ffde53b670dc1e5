"""CPU budgets and size limits for diagrams' scripts (security issue §5).

A hostile diagram must not stall a worker or hold a database lock: every unit of work (one command,
or one batch of the timer sweep) gets a ``Budget`` of CPU seconds, measured on the running thread's
CPU clock (``time.thread_time``). Timers fire in the sweep thread, where signals cannot interrupt,
so the budget is checked from inside the sandbox's own guards: every loop round, every step of an
iterator (comprehensions and generators included), every function call, attribute and item
access. Single operations that run long in C (huge powers, repeats, big integers to text) are
refused before they run by the size checks below.

A budget once exceeded stays exceeded ("tripped"): a script that catches the error only earns
itself another one at its next guard, and ``saving.save`` refuses to store the step.
"""
from __future__ import annotations

import operator
import re
import threading
import time
from datetime import date, datetime, time as day_time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.errors import EngineError

DEFAULT_CPU_BUDGET_S = 3.0
# Engine steps (tasks run) per workflow advance: the shipped processes run at most a dozen at once;
# a process calling itself reaches ~400 in 3 CPU seconds (each level costs more than the last),
# so the step count stops it first and says why. Diagrams with large multi-instance loops may need
# more: ENGINE_STEP_BUDGET.
DEFAULT_STEP_BUDGET = 250
# Sized for case-handling arithmetic and text, far above any real process; each bound keeps one C
# operation well under a millisecond or a few megabytes.
MAX_INT_BITS = 16_384            # about 4,900 decimal digits
MAX_SEQUENCE_LEN = 1_000_000     # characters, bytes or items produced by one operation
MAX_INT_STR_DIGITS = 4_300       # sys.set_int_max_str_digits: int <-> str conversions
MAX_DATA_DEPTH = 50


class StepAborted(EngineError):
    """A workflow step was discarded (rolled back); ``recorded`` once the instance's error was
    written by a second transaction (engine/running/saving.py)."""

    code = "step_aborted"

    def __init__(self, message: str, element: str | None = None):
        self.element = element
        self.instance_id: int | None = None
        self.recorded = False
        super().__init__(message)


class ScriptBudgetExceeded(StepAborted):
    """A unit of work's scripts used more CPU than the deployment allows."""

    code = "script_budget_exceeded"


class StepBudgetExceeded(StepAborted):
    """A unit of work ran more engine steps than the deployment allows (a process that calls
    itself, a loop with no task that waits)."""

    code = "step_budget_exceeded"


class StateNotSaveable(StepAborted):
    """A script left a value the workflow state cannot store."""

    code = "state_not_saveable"


class ScriptSizeExceeded(ValueError):
    """One operation would build a value too large (refused before it runs)."""


class Budget:
    """CPU seconds for one unit of work on the current thread.

    ``instance_id`` names the instance the work is for; a budget shared by a batch of instances
    (``shared``) cannot blame any one of them, so its overrun is not recorded against one.
    """

    def __init__(self, seconds: float = DEFAULT_CPU_BUDGET_S, *, shared: bool = False,
                 max_steps: int = DEFAULT_STEP_BUDGET):
        self.seconds = float(seconds)
        self.shared = shared
        self.max_steps, self.steps, self.too_many_steps = max_steps, 0, False
        self.deadline = time.thread_time() + self.seconds
        self.element: str | None = None      # the diagram element whose code runs now
        self.exceeded_in: str | None = None
        self.exceeded = False

    def check(self) -> None:
        if self.exceeded or time.thread_time() > self.deadline:
            self.trip()

    def step(self) -> None:
        """One engine step (a task about to run); past ``max_steps`` the budget trips."""
        self.steps += 1
        if self.max_steps and self.steps > self.max_steps and not self.exceeded:
            self.too_many_steps = True
            self.trip()
        self.check()

    def trip(self) -> None:
        if not self.exceeded:
            self.exceeded, self.exceeded_in = True, self.element
        raise self.error()

    def error(self) -> StepAborted:
        kind = StepBudgetExceeded if self.too_many_steps else ScriptBudgetExceeded
        return kind(self.message(), self.exceeded_in)

    def message(self) -> str:
        if self.too_many_steps:
            where = f" (đến phần tử '{self.exceeded_in}')" if self.exceeded_in else ""
            return (f"Quy trình chạy quá {self.max_steps} bước trong một lần xử lý{where}: có thể "
                    "quy trình tự gọi chính nó hoặc có vòng lặp không dừng ở công việc nào; bước "
                    "xử lý đã bị huỷ, không có thay đổi nào của bước này được ghi")
        where = f"tại phần tử '{self.exceeded_in}' " if self.exceeded_in else ""
        return (f"Kịch bản {where}chạy quá thời gian xử lý cho phép ({self.seconds:g} giây CPU); "
                "bước xử lý đã bị huỷ, không có thay đổi nào của bước này được ghi")


_active = threading.local()


def current_budget() -> Budget | None:
    return getattr(_active, "budget", None)


class running:
    """Make ``budget`` the thread's active one while ``element``'s code runs (re-entrant)."""

    def __init__(self, budget: Budget | None, element: str | None):
        self.budget, self.element = budget, element

    def __enter__(self):
        self.previous = current_budget()
        if self.budget is not None:
            self.previous_element = self.budget.element
            self.budget.element = self.element
            _active.budget = self.budget
        return self.budget

    def __exit__(self, *exc_info):
        if self.budget is not None:
            self.budget.element = self.previous_element
        _active.budget = self.previous
        return False


class CheckedIterator:
    """An iterator that checks the budget before each step: comprehensions, generator
    expressions and C consumers (``sum``, ``list``, ``max``) pulling from it are all bounded."""

    __slots__ = ("_it", "_check")

    def __init__(self, iterable, check):
        self._it = iter(iterable)
        self._check = check

    def __iter__(self):
        return self

    def __next__(self):
        self._check()
        return next(self._it)


def _int_bits(value) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _too_big(what: str) -> ScriptSizeExceeded:
    return ScriptSizeExceeded(f"Phép tính tạo giá trị quá lớn ({what}); kịch bản bị dừng")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_repeat(seq, times) -> None:
    if isinstance(seq, (str, bytes, list, tuple)) and _is_int(times):
        if times > 0 and len(seq) * times > MAX_SEQUENCE_LEN:
            raise _too_big(f"lặp chuỗi/danh sách quá {MAX_SEQUENCE_LEN} phần tử")


def _check_pow(base, exponent, modulus=None) -> None:
    if modulus is not None or not (_is_int(base) and _is_int(exponent)) or exponent <= 0:
        return
    if abs(base) > 1 and _int_bits(base) * exponent > MAX_INT_BITS:
        raise _too_big(f"lũy thừa vượt quá {MAX_INT_BITS} bit")


def _check_binop(op: str, left, right) -> None:
    if op in ("**", "**="):
        _check_pow(left, right)
    elif op in ("*", "*="):
        if _is_int(left) and _is_int(right):
            if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                raise _too_big(f"tích vượt quá {MAX_INT_BITS} bit")
        else:
            _check_repeat(left, right)
            _check_repeat(right, left)
    elif op in ("<<", "<<="):
        if _is_int(left) and _is_int(right) and right > 0 \
                and _int_bits(left) + right > MAX_INT_BITS:
            raise _too_big(f"dịch bit vượt quá {MAX_INT_BITS} bit")
    elif op in ("+", "+="):
        if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)) \
                and len(left) + len(right) > MAX_SEQUENCE_LEN:
            raise _too_big(f"chuỗi/danh sách dài quá {MAX_SEQUENCE_LEN} phần tử")
    elif op in ("%", "%=") and isinstance(left, (str, bytes)):
        _check_format_spec(left)
        args = right if isinstance(right, tuple) else (right,)
        if any(_is_int(arg) and arg > MAX_SEQUENCE_LEN for arg in args):  # '%*d' widths
            raise _too_big("độ rộng định dạng quá lớn")


_OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "|": operator.or_, "&": operator.and_, "^": operator.xor,
    "@": operator.matmul,
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}


def checked_operation(op: str, left, right):
    """``left op right`` after the size checks (binary and augmented operators)."""
    _check_binop(op, left, right)
    return _OPERATORS[op](left, right)


def checked_pow(base, exponent, modulus=None):
    _check_pow(base, exponent, modulus)
    return pow(base, exponent) if modulus is None else pow(base, exponent, modulus)


_WIDTH_RE = re.compile(r"(\d+)")


def _check_format_spec(spec) -> None:
    """Widths and precisions in '%' templates and f-string specs ('{x:>1000000000}')."""
    if isinstance(spec, bytes):
        spec = spec.decode("latin-1")
    if isinstance(spec, str) and any(len(d) > 7 or int(d) > MAX_SEQUENCE_LEN
                                     for d in _WIDTH_RE.findall(spec)):
        raise _too_big("độ rộng định dạng quá lớn")


def checked_format_value(value, spec):
    """The value of an f-string field whose format spec was checked first."""
    _check_format_spec(spec)
    return value


def _amplifier(name: str, method):
    """String and list methods whose result can be far larger than their inputs."""
    def padded(width, *args):
        if _is_int(width) and width > MAX_SEQUENCE_LEN:
            raise _too_big("độ rộng quá lớn")
        return method(width, *args)

    def replaced(old, new, *args):
        source = method.__self__
        count = source.count(old) if len(old) else len(source) + 1
        if len(source) + count * max(0, len(new) - len(old)) > MAX_SEQUENCE_LEN:
            raise _too_big(f"chuỗi dài quá {MAX_SEQUENCE_LEN} ký tự")
        return method(old, new, *args)

    def joined(items):
        items = list(CheckedIterator(items, _check_active))
        separator = method.__self__
        total = len(separator) * max(0, len(items) - 1) + sum(
            len(item) for item in items if isinstance(item, (str, bytes)))
        if total > MAX_SEQUENCE_LEN:
            raise _too_big(f"chuỗi dài quá {MAX_SEQUENCE_LEN} ký tự")
        return method(items)

    def tabs(tabsize=8):
        source = method.__self__
        if _is_int(tabsize) and len(source) + source.count("\t") * tabsize > MAX_SEQUENCE_LEN:
            raise _too_big("chuỗi dài quá giới hạn")
        return method(tabsize)

    return {"ljust": padded, "rjust": padded, "center": padded, "zfill": padded,
            "replace": replaced, "join": joined, "expandtabs": tabs}.get(name, method)


_AMPLIFYING = frozenset({"ljust", "rjust", "center", "zfill", "replace", "join", "expandtabs"})


def guard_method(obj, name: str, value):
    """The attribute a script reads, with size-checked versions of amplifying str methods."""
    if name in _AMPLIFYING and isinstance(obj, (str, bytes)):
        return _amplifier(name, value)
    return value


def _check_active() -> None:
    budget = current_budget()
    if budget is not None:
        budget.check()


# --- values that can be stored -----------------------------------------------------------------

_SCALARS = (type(None), bool, float, str, date, datetime, day_time, timedelta, Decimal, UUID)
_INT_STR_BITS = int(MAX_INT_STR_DIGITS * 3.32)  # a longer int cannot be written as JSON text


def unsaveable(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored in the workflow state (a type the serializer does not
    know, an integer too long to write), or None when it can."""
    if depth > MAX_DATA_DEPTH:
        return f"lồng nhau quá {MAX_DATA_DEPTH} cấp (hoặc tự tham chiếu)"
    if isinstance(value, int):
        return "số nguyên quá lớn để lưu" if abs(value).bit_length() > _INT_STR_BITS else None
    if isinstance(value, _SCALARS):
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            reason = unsaveable(key, depth + 1) or unsaveable(item, depth + 1)
            if reason:
                return reason
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            reason = unsaveable(item, depth + 1)
            if reason:
                return reason
        return None
    return f"kiểu dữ liệu '{type(value).__name__}' không lưu được"
