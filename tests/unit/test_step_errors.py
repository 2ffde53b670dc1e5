"""Messages of a failed workflow step, as the instance's error shows them."""
from __future__ import annotations

from SpiffWorkflow.exceptions import WorkflowException

from engine.running.stepping import step_error


def test_step_errors_never_show_a_python_object_repr():
    """Issue 14 item 2: the library named a task spec by its repr in the instance's error."""
    class Spec:
        bpmn_id = "Sub_escalation"

    class Task:
        task_spec = Spec()

    err = WorkflowException("<SpiffWorkflow.spiff.specs.defaults.SubWorkflowTask object at "
                            "0x7f3a2b1c0d90>. No input task connected.")
    err.task = Task()
    message = step_error(err).message
    assert "object at 0x" not in message and "phần tử 'Sub_escalation'" in message
