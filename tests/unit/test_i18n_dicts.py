"""The dictionary extractor finds the texts pages translate at render time, and only those."""
from __future__ import annotations

import io

from tools.i18n_dicts import extract

SOURCE = '''
from flask_babel import gettext as _
DONE = {"Task_a": ("Đã nhận đơn", "D"), "Task_b": ("Sent on", "")}
CODES = {"a": "Task_register"}
LIST = ["Không phải từ điển"]
def page():
    return _("Tra cứu đơn")
'''.encode()


def test_dictionary_texts_and_calls_are_extracted_codes_are_not():
    found = [message for _, _, message, _ in extract(io.BytesIO(SOURCE), ["_"], [], {})]
    assert sorted(found) == ["Sent on", "Tra cứu đơn", "Đã nhận đơn"]
