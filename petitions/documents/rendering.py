"""Filling a .docx template (docxtpl: Jinja inside Word) in a sandbox, and checking an upload.

Templates come from administrators' uploads, so they are untrusted code: they run in Jinja's
``SandboxedEnvironment`` (no attribute access to internals, no calls of unsafe callables), values
are XML-escaped (autoescape: a "<" typed by an officer cannot break or inject Word XML), and a
template may name only the values ``KNOWN`` lists. A missing value prints as a dotted blank, as
paper forms leave it, instead of failing the document.
"""
from __future__ import annotations

import io

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import InvalidInput
from petitions.register.documents import signature_matches, zip_problem

# Top-level names a template may use -> the attributes it may read (None: any key, the step's values).
KNOWN: dict[str, frozenset[str] | None] = {
    "agency": frozenset({"full_name", "short_name", "parent_body", "place_name", "address",
                         "phone", "email"}),
    "signer": frozenset({"prefix", "position", "name"}),
    "number": frozenset(), "date_line": frozenset(), "today": frozenset(),
    "form": frozenset({"code", "title", "legal_basis"}),
    "petition": frozenset({"number", "tracking_code", "received_on", "type", "field", "summary",
                           "location", "signers"}),
    "sender": frozenset({"name", "id_number", "address", "phone"}),
    "recipients": frozenset(),
    "data": None,
}
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class DottedBlank(Undefined):
    """What the case does not hold yet: a blank to fill by hand."""

    def __str__(self) -> str:
        return "…………"

    def __iter__(self):
        return iter(())

    def __bool__(self) -> bool:
        return False


def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=DottedBlank)


def _template_xml(content: bytes) -> tuple[DocxTemplate, str]:
    template = DocxTemplate(io.BytesIO(content))
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _key, part in template.get_headers_footers(uri):
            xml += template.patch_xml(part.blob.decode("utf-8", "replace"))
    return template, xml


def _unknown_names(parsed: nodes.Template) -> list[str]:
    loop_names = {target.name for loop in parsed.find_all(nodes.For)
                  for target in loop.target.find_all(nodes.Name)}
    unknown = {name for name in meta.find_undeclared_variables(parsed)
               if name not in KNOWN and name not in loop_names}
    for node in parsed.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in KNOWN:
            allowed = KNOWN[node.node.name]
            if allowed is not None and node.attr not in allowed:
                unknown.add(f"{node.node.name}.{node.attr}")
    return sorted(unknown)


def check_template(content: bytes) -> None:
    """Refuse (InvalidInput, Vietnamese, one line) anything but a safe, parseable template whose
    every placeholder is known; the unknown names are listed."""
    if not content or len(content) > MAX_TEMPLATE_BYTES:
        raise InvalidInput(f"Mẫu phải là tệp Word (.docx) khác rỗng, tối đa "
                           f"{MAX_TEMPLATE_BYTES // (1024 * 1024)} MB.")
    if not content.startswith(b"PK\x03\x04"):
        raise InvalidInput("Mẫu bị từ chối: tệp không phải văn bản Word (.docx).")
    problem = zip_problem(content)  # before anything inflates it
    if problem:
        raise InvalidInput(f"Mẫu bị từ chối: {problem}.")
    if not signature_matches("docx", content):
        raise InvalidInput("Mẫu bị từ chối: tệp không phải văn bản Word (.docx).")
    try:
        _, xml = _template_xml(content)
    except (PackageNotFoundError, KeyError, ValueError, OSError) as err:
        raise InvalidInput(f"Mẫu bị từ chối: không đọc được tệp Word ({type(err).__name__}).") \
            from None
    try:
        parsed = environment().parse(xml)
    except TemplateSyntaxError as err:
        raise InvalidInput(f"Mẫu bị từ chối: lỗi cú pháp trường trộn ({err.message}).") from None
    unknown = _unknown_names(parsed)
    if unknown:
        raise InvalidInput("Mẫu bị từ chối: có trường trộn không được hỗ trợ: "
                           + ", ".join(unknown) + ".")


def render(content: bytes, values: dict) -> bytes:
    """The filled document (.docx bytes)."""
    template = DocxTemplate(io.BytesIO(content))
    template.render(values, environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
