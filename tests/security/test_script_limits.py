"""The sandbox's own guards: CPU budget checks on every kind of iteration, size checks before the
single operations that run long in C, and the process memory limit (security issue §5)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.scripting.budget import (Budget, ScriptBudgetExceeded, ScriptSizeExceeded, running,
                                     unsaveable)
from engine.scripting.sandbox import build_script_engine
from petitions.settings import Settings

BUDGET_S = 0.3
ROOT = Path(__file__).resolve().parents[2]

SPINNING = {
    # Under the loop cap (MAX_LOOP_ITERATIONS rounds), each round a millisecond of C work.
    "for_loop": "for i in range(100000):\n    x = sum(range(100000))",
    "while_loop": "while True:\n    x = sum(range(100000))",
    "comprehension": "x = len([j for i in range(100000) for j in range(100000)])",
    "set_comprehension": "x = len({(i, j) for i in range(100000) for j in range(100000)})",
    "dict_comprehension": "x = len({i * 100000 + j: 1 for i in range(100000) for j in range(100000)})",
    "generator": "x = sum(1 for i in range(100000) for j in range(100000))",
    "nested_generator": "x = sum(sum(1 for j in range(100000)) for i in range(100000))",
    "max_over_generator": "x = max(i * j for i in range(100000) for j in range(100000))",
    "generator_function": "def g():\n    while True:\n        yield sum(range(100000))\nx = sum(g())",
    "map_lambda": "x = sum(map(lambda i: sum(range(100000)), range(100000)))",
    "map_builtin": "x = sum(map(len, map(list, [range(100000)] * 100000)))",
    "recursion": "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)",
    "power_loop": "for i in range(100000):\n    y = 7 ** 3000 + i",
    "swallowed": "try:\n    x = sum(1 for i in range(100000) for j in range(100000))\n"
                 "except BaseException:\n    pass\nwhile True:\n    try:\n        y = 1\n"
                 "    except BaseException:\n        pass",
}


def _execute(source: str, budget: Budget, data: dict | None = None) -> dict:
    environment = build_script_engine().environment
    context = dict(data or {})
    with running(budget, "Script_x"):
        environment.execute(source, context)
    return context


@pytest.mark.parametrize("name", sorted(SPINNING))
def test_every_kind_of_iteration_is_stopped_within_the_budget(name):
    budget = Budget(BUDGET_S)
    began = time.thread_time()
    with pytest.raises(ScriptBudgetExceeded) as info:
        _execute(SPINNING[name], budget)
    used = time.thread_time() - began
    assert BUDGET_S <= used < BUDGET_S + 0.2
    assert budget.exceeded and info.value.element == "Script_x"
    assert "'Script_x'" in info.value.message and "0.3 giây CPU" in info.value.message


def test_the_budget_stays_exceeded_for_the_rest_of_the_unit_of_work():
    budget = Budget(BUDGET_S)
    with pytest.raises(ScriptBudgetExceeded):
        _execute(SPINNING["generator"], budget)
    with pytest.raises(ScriptBudgetExceeded):  # the next script fails at once
        _execute("x = 1", budget)


def test_an_expression_outside_a_unit_of_work_gets_a_budget_of_its_own():
    environment = build_script_engine().environment
    began = time.thread_time()
    with pytest.raises(ScriptBudgetExceeded):
        environment.evaluate("sum(1 for i in range(100000) for j in range(100000))", {})
    assert time.thread_time() - began < 3.0 + 0.2


EXPLODING = {
    "big_power": "x = 7 ** 30000",
    "pow_builtin": "x = pow(7, 30000)",
    "augmented_power": "x = 7\nx **= 30000",
    "shift": "x = 1 << 10 ** 9",
    "int_product": "x = 2 ** 8000\ny = x * x * x",
    "string_repetition": "s = 'x' * 10 ** 10",
    "list_repetition": "l = [0] * 10 ** 9",
    "tuple_repetition": "t = (0, 1) * 10 ** 9",
    "augmented_repetition": "s = 'abc'\ns *= 10 ** 9",
    "doubling": "s = 'x' * 1000\nfor i in range(40):\n    s = s + s",
    "percent_width": "s = '%*d' % (10 ** 9, 1)",
    "percent_template": "s = '%1000000000d' % 1",
    "fstring_width": "s = f'{1:>1000000000}'",
    "fstring_dynamic_width": "w = 10 ** 9\ns = f'{1:>{w}}'",
    "ljust": "s = 'x'.ljust(10 ** 10)",
    "replace": "s = 'a' * 100000\nt = s.replace('a', s)",
    "join": "t = ('x' * 100000).join(['a'] * 100000)",
    "sum_of_lists": "x = sum([[0] * 1000] * 1000, [])",
}


@pytest.mark.parametrize("name", sorted(EXPLODING))
def test_exploding_operations_are_refused_before_they_run(name):
    began = time.thread_time()
    with pytest.raises((ScriptSizeExceeded, TypeError)):
        _execute(EXPLODING[name], Budget(5.0))
    assert time.thread_time() - began < 0.5


def test_huge_integer_to_text_is_refused():
    # Within the arithmetic bounds, but longer than the int <-> str conversion limit.
    with pytest.raises(ValueError, match="digits"):
        _execute("s = str(2 ** 8000 * 2 ** 7000)", Budget(5.0))
    assert sys.get_int_max_str_digits() == 4300


def test_ordinary_scripts_are_untouched():
    data = _execute(
        "total = sum(i * i for i in range(1000))\nlabel = f'{total:>12}'\n"
        "code = '%05d' % 42\nparts = ', '.join(['a', 'b'])\nsquare = 2 ** 64\n"
        "names = [n.upper() for n in items]\nwide = 'ab' * 3 + 'c'\ndoubled = list(map(lambda v: v * 2, [1, 2]))",
        Budget(5.0), {"items": ["x", "y"]})
    assert data == {"items": ["x", "y"], "total": 332833500, "label": "   332833500",
                    "code": "00042", "parts": "a, b", "square": 2 ** 64, "names": ["X", "Y"],
                    "wide": "abababc", "doubled": [2, 4]}


def test_unsaveable_values_are_named():
    class Mine:
        pass
    loop: list = []
    loop.append(loop)
    assert unsaveable({"a": [1, "x", None, 2.5]}) is None
    assert "Mine" in unsaveable({"a": [Mine()]})
    assert "quá lớn" in unsaveable(2 ** 15000)
    assert "lồng nhau" in unsaveable(loop)


def test_settings_read_the_budget_and_memory_limit():
    default = Settings.from_env({})
    assert (default.script_cpu_budget_s, default.memory_limit_mb) == (3.0, 1024)
    custom = Settings.from_env({"SCRIPT_CPU_BUDGET_S": "1.5", "MEMORY_LIMIT_MB": "0"})
    assert (custom.script_cpu_budget_s, custom.memory_limit_mb) == (1.5, 0)


MEMORY_BOMB = textwrap.dedent("""
    from lxml import etree
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import BpmnValidator, SpiffBpmnParser
    from engine.running import stepping
    from engine.scripting.sandbox import build_script_engine
    from workers.worker import apply_memory_limit

    XML = '''<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
      targetNamespace="x"><bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Script_bomb"/>
      <bpmn:scriptTask id="Script_bomb"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>x = [[0] * 1000000 for i in range(1000)]</bpmn:script>
      </bpmn:scriptTask><bpmn:sequenceFlow id="f2" sourceRef="Script_bomb" targetRef="e"/>
      <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
      </bpmn:process></bpmn:definitions>'''
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_xml(etree.fromstring(XML.encode()).getroottree(), filename="bomb.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("p"), {}, script_engine=build_script_engine())
    apply_memory_limit(600)
    try:
        bytearray(700 * 2 ** 20)
        print("NO LIMIT")
    except MemoryError:
        print("LIMITED")
    error = stepping.advance(workflow)
    print(error.bpmn_id, "|", error.message)
""")


def test_memory_limit_turns_a_memory_bomb_into_a_clear_step_error():
    done = subprocess.run([sys.executable, "-c", MEMORY_BOMB], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "LIMITED"
    assert lines[-1] == "Script_bomb | Kịch bản dùng quá nhiều bộ nhớ và đã bị dừng"
