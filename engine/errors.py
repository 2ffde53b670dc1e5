"""Errors raised by the engine.

Every error carries a one-line, user-facing message; callers (CLI, web) map the classes to exit
codes or HTTP statuses in one place and never show a traceback.
"""
from __future__ import annotations


class EngineError(Exception):
    """Base class: ``str(err)`` is the clear, one-line message."""

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": self.code, "message": self.message}


class NotFound(EngineError):
    code = "not_found"


class Conflict(EngineError):
    """Another actor changed the same instance or task first; nothing was written."""

    code = "conflict"


class Forbidden(EngineError):
    code = "forbidden"


class InvalidState(EngineError):
    """The operation does not apply in the object's current status."""

    code = "invalid_state"


class InvalidInput(EngineError):
    code = "invalid_input"


class DeploymentError(EngineError):
    """A diagram was refused; names the file, the element and the line."""

    code = "invalid_definition"

    def __init__(self, message: str, *, file_name: str | None = None,
                 element_id: str | None = None, line: int | None = None):
        self.detail = message
        self.file_name = file_name
        self.element_id = element_id
        self.line = line
        where = [part for part in (
            file_name,
            f"phần tử '{element_id}'" if element_id else None,
            f"dòng {line}" if line else None,
        ) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.file_name, "element_id": self.element_id,
                "line": self.line}


class FormInvalid(EngineError):
    """Completion data failed the task's declared form; ``errors`` maps field → message."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        summary = "; ".join(f"{field}: {msg}" for field, msg in sorted(self.errors.items()))
        super().__init__(f"Dữ liệu biểu mẫu không hợp lệ — {summary}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "fields": self.errors}


class ScriptRejected(EngineError):
    """A script or expression uses something the restricted compiler refuses."""

    code = "script_rejected"

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message)
