"""Parse untrusted BPMN/DMN bytes without ever resolving entities, DTDs or network resources.

SpiffWorkflow parses with a plain ``etree.parse``; uploaded diagrams are parsed here instead and the
resulting tree is handed to the library (spiffworkflow-notes, "Parsing"). Any DOCTYPE is refused, and
the raw bytes are searched for ``<!DOCTYPE``/``<!ENTITY`` *before* parsing so an entity bomb is never
expanded, whatever the parser options.
"""
from __future__ import annotations

import re

from lxml import etree

from engine.errors import DeploymentError

MAX_FILE_BYTES = 5 * 1024 * 1024

_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {"utf-8", "utf8"}


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _make_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False, dtd_validation=False)


def parse_xml(content: bytes, file_name: str) -> etree._ElementTree:
    """Parse ``content`` (UTF-8 XML, at most MAX_FILE_BYTES) into a tree, or raise DeploymentError."""
    if not isinstance(content, (bytes, bytearray)):
        raise DeploymentError("nội dung tệp phải ở dạng bytes", file_name=file_name)
    content = bytes(content)
    if len(content) > MAX_FILE_BYTES:
        raise DeploymentError(
            f"tệp quá lớn ({len(content)} byte; giới hạn là {MAX_FILE_BYTES} byte)",
            file_name=file_name)
    if not content.strip():
        raise DeploymentError("tệp rỗng", file_name=file_name)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeploymentError(f"tệp không phải UTF-8 hợp lệ (byte thứ {exc.start})",
                              file_name=file_name, line=_line_of(content, exc.start)) from None
    declared = _XML_DECL_ENCODING.match(content.lstrip(b"\xef\xbb\xbf"))
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
        raise DeploymentError(
            f"không chấp nhận bảng mã khai báo (encoding) {declared.group(1).decode('ascii')!r}; "
            "hãy dùng UTF-8",
            file_name=file_name, line=1)
    found = _FORBIDDEN_MARKUP.search(content)
    if found:
        kind = found.group(1).decode("ascii").upper()
        raise DeploymentError(f"không được phép khai báo <!{kind}> "
                              "(DTD và thực thể đều bị từ chối)",
                              file_name=file_name, line=_line_of(content, found.start()))
    try:
        root = etree.fromstring(content, _make_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        message = exc.msg or str(exc)
        raise DeploymentError(f"XML không đúng cú pháp: {message}", file_name=file_name,
                              line=line) from None
    tree = root.getroottree()
    # Defence in depth: the byte scan above should make this unreachable.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DeploymentError("không được phép khai báo DOCTYPE", file_name=file_name)
    return tree
