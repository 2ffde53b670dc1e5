"""Parse untrusted BPMN/DMN bytes without ever resolving entities, DTDs or network resources.

SpiffWorkflow parses with a plain ``etree.parse``; uploaded diagrams are parsed here instead and the
resulting tree is handed to the library (spiffworkflow-notes, "Parsing"). Any DOCTYPE is refused, and
the raw bytes are searched for ``<!DOCTYPE``/``<!ENTITY`` *before* parsing so an entity bomb is never
expanded, whatever the parser options.
"""
from __future__ import annotations

import codecs
import re

from lxml import etree

from engine.errors import DeploymentError

MAX_FILE_BYTES = 5 * 1024 * 1024

_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_DECL_ENCODING_TEXT = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[A-Za-z0-9._-]+(["'])""")
_ASCII_PROBE = "<?xml version='1.0' encoding='x'?><a b=\"c\">0-9 _:/.</a>\n"


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _make_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False, dtd_validation=False)


def _declared_codec(content: bytes, file_name: str):
    """The codec the XML declaration names (None: none declared, UTF-8 applies), if it is one
    this engine reads: known to Python and ASCII-compatible, so markup bytes mean what they say."""
    declared = _XML_DECL_ENCODING.match(content.lstrip(b"\xef\xbb\xbf"))
    if not declared:
        return None
    name = declared.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise DeploymentError(f"bảng mã khai báo (encoding) {name!r} không được hỗ trợ",
                              file_name=file_name, line=1) from None
    try:
        compatible = codec.encode(_ASCII_PROBE)[0] == _ASCII_PROBE.encode("ascii")
    except (UnicodeError, ValueError):
        compatible = False
    if not compatible:
        raise DeploymentError(f"bảng mã khai báo (encoding) {name!r} không tương thích ASCII "
                              "(UTF-16, UTF-32…); hãy dùng UTF-8", file_name=file_name, line=1)
    return codec


def to_utf8(content: bytes, file_name: str) -> bytes:
    """``content`` as UTF-8 bytes. A file declaring another ASCII-compatible encoding (ASCII,
    ISO-8859-1, windows-1258…) is accepted when its bytes decode cleanly in it, and re-encoded
    with its declaration rewritten, so every stored file is UTF-8; anything else is refused."""
    codec = _declared_codec(content, file_name)
    try:
        text = content.decode(codec.name if codec is not None else "utf-8")
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if codec is None else f"bảng mã khai báo {codec.name!r}"
        raise DeploymentError(f"tệp không giải mã được theo {shown} (byte thứ {exc.start})",
                              file_name=file_name, line=_line_of(content, exc.start)) from None
    if codec is None or codec.name in ("utf-8", "utf-8-sig"):
        return content
    text = _XML_DECL_ENCODING_TEXT.sub(r"\g<1>UTF-8\g<2>", text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8")


def parse_xml(content: bytes, file_name: str) -> etree._ElementTree:
    """Parse ``content`` (XML, at most MAX_FILE_BYTES; see ``to_utf8`` for its encoding) into a
    tree, or raise DeploymentError."""
    if not isinstance(content, (bytes, bytearray)):
        raise DeploymentError("nội dung tệp phải ở dạng bytes", file_name=file_name)
    content = bytes(content)
    if len(content) > MAX_FILE_BYTES:
        raise DeploymentError(
            f"tệp quá lớn ({len(content)} byte; giới hạn là {MAX_FILE_BYTES} byte)",
            file_name=file_name)
    if not content.strip():
        raise DeploymentError("tệp rỗng", file_name=file_name)
    content = to_utf8(content, file_name)
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
