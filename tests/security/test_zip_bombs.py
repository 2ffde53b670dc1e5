"""Office uploads are ZIP containers: too many entries, too much inflated data, absurd compression
ratios, encryption and broken archives are refused from the central directory before storing."""
from __future__ import annotations

import io
import zipfile

import pytest

from engine.errors import InvalidInput
from petitions.register import documents
from petitions.register.documents import FolderDocumentStore
from tests.web.conftest import app, client, engine_ctx, login  # noqa: F401  (fixtures)
from tests.web.test_reception import _form, _post

BASE = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def _docx(extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**BASE, **(extra or {})}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _encrypted(content: bytes) -> bytes:
    """The "encrypted" bit set in every central-directory entry, as a password-protected file
    has (Python's zipfile cannot write encrypted archives)."""
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x01
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.fixture
def store(tmp_path):
    return FolderDocumentStore(tmp_path / "docs")


def _refused(store, name: str, content: bytes) -> str:
    with pytest.raises(InvalidInput) as info:
        store.put(name, content)
    assert not store.folder.exists() or list(store.folder.iterdir()) == []
    return info.value.message


def test_an_ordinary_office_file_is_accepted(store):
    doc = store.put("đơn.docx", _docx({"word/media/anh.png": bytes(range(256)) * 400}))
    assert doc.size > 0 and store.exists(doc.stored_name)


def test_too_many_entries(store):
    many = {f"word/part{i}.xml": b"<x/>" for i in range(documents.MAX_ZIP_ENTRIES)}
    message = _refused(store, "nhieu.docx", _docx(many))
    assert f"tối đa {documents.MAX_ZIP_ENTRIES}" in message and "nhieu.docx" in message


def test_too_much_inflated_data(store):
    # 101 MB of zeros deflates to about 100 kB: a bomb that passes the 20 MB upload limit.
    bomb = _docx({"word/document.xml": bytes(101 * 1024 * 1024)})
    assert len(bomb) < documents.MAX_FILE_BYTES
    assert "tối đa 100 MB" in _refused(store, "bom.docx", bomb)


def test_an_absurd_compression_ratio(store):
    message = _refused(store, "bang.xlsx", _docx({"xl/workbook.xml": bytes(5 * 1024 * 1024),
                                                  "[Content_Types].xml": b"<Types/>"}))
    assert "tỉ lệ bất thường" in message and "bom nén" in message


def test_encrypted_and_broken_archives(store):
    assert "mật khẩu" in _refused(store, "kin.docx", _encrypted(_docx()))
    truncated = _docx()[:-30]  # the central directory cut off
    assert "bị hỏng" in _refused(store, "hong.docx", truncated)
    assert "bị hỏng" in _refused(store, "hong.odt", b"PK\x03\x04" + b"\x00" * 100)


def test_a_bomb_at_the_reception_desk_changes_nothing(app, client, login, engine_ctx):
    login("tiepdan")
    page = client.get("/reception/new")
    response = _post(client, _form(page), files=[("bom.docx", _docx({"word/document.xml":
                                                                     bytes(3 * 1024 * 1024)}))])
    assert response.status_code == 422 and "bom nén" in response.get_data(as_text=True)
    documents_folder = app.config["PETITIONS_SETTINGS"].data_dir / "documents"
    assert not documents_folder.exists() or list(documents_folder.iterdir()) == []
