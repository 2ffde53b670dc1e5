"""The documents folder: allowed types by extension AND signature, safe names, atomic writes."""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile

import pytest

from engine.errors import InvalidInput
from petitions.register import documents
from petitions.register.documents import MAX_FILE_BYTES, FolderDocumentStore, display_name

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.fixture
def store(tmp_path):
    return FolderDocumentStore(tmp_path / "documents")


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_pdf_is_stored_under_a_random_name_atomically(store):
    doc = store.put("Đơn khiếu nại – bản gốc.pdf", PDF, "application/pdf")
    assert doc.file_name == "Đơn khiếu nại – bản gốc.pdf"
    assert len(doc.stored_name) == 36 and doc.stored_name.endswith(".pdf")
    assert doc.content_type == "application/pdf" and doc.size == len(PDF)
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert store.open(doc.stored_name) == PDF
    assert store.path(doc.stored_name).parent == store.folder
    assert _files(store.folder) == [doc.stored_name]  # no temporary file left behind
    assert store.put("Đơn khiếu nại – bản gốc.pdf", PDF).stored_name != doc.stored_name


@pytest.mark.parametrize("name, content, expected_type", [
    ("ảnh chụp sổ đỏ.JPG", JPEG, "image/jpeg"), ("scan.jpeg", JPEG, "image/jpeg"),
    ("bản đồ.png", PNG, "image/png"), ("biên bản.doc", OLE2, "application/msword"),
    ("bảng kê.xls", OLE2, "application/vnd.ms-excel"),
    ("đơn.docx", DOCX, documents.TYPES["docx"].content_type),
    ("bảng.xlsx", XLSX, documents.TYPES["xlsx"].content_type),
    ("tường trình.odt", ODT, documents.TYPES["odt"].content_type),
    ("ghi chú.txt", "Nội dung tường trình\r\nDòng hai\t(tab)".encode("utf-8"), "text/plain; charset=utf-8"),
    ("bom.txt", "\ufeffCó BOM".encode("utf-8"), "text/plain; charset=utf-8"),
])
def test_every_allowed_type_with_its_signature(store, name, content, expected_type):
    doc = store.put(name, content)
    assert doc.content_type == expected_type and doc.file_name == name
    assert doc.stored_name.endswith("." + name.rsplit(".", 1)[1].lower())


@pytest.mark.parametrize("name, content, message", [
    ("hop-dong.pdf", EXE, "PDF"),                       # an .exe renamed .pdf
    ("anh.jpg", PNG, "JPEG"),                           # a PNG pretending to be a JPEG
    ("don.docx", _zip({"a.txt": b"x"}), "Word"),        # any ZIP is not a Word file
    ("don.docx", b"PK\x03\x04 broken zip", "Word"),
    ("don.odt", DOCX, "OpenDocument"),
    ("bang.xlsx", DOCX, "Excel"),
    ("ghichu.txt", b"abc\x00def", "văn bản thuần"),     # binary named .txt
    ("ghichu.txt", b"\xff\xfe\x00", "văn bản thuần"),  # not UTF-8
    ("virus.exe", EXE, "không được chấp nhận"),
    ("trang.html", b"<script>alert(1)</script>", "không được chấp nhận"),
    ("khong-duoi", PDF, "không được chấp nhận"),
    ("rong.pdf", b"", "rỗng"),
])
def test_wrong_type_or_signature_is_refused_and_nothing_written(store, name, content, message):
    with pytest.raises(InvalidInput) as info:
        store.put(name, content, "application/pdf")
    assert message in info.value.message
    assert _files(store.folder) == []


def test_oversize_file_is_refused(store):
    with pytest.raises(InvalidInput) as info:
        store.put("lon.pdf", PDF + b"0" * (MAX_FILE_BYTES - len(PDF) + 1))
    assert "20 MB" in info.value.message
    assert _files(store.folder) == []
    assert store.put("vua.pdf", PDF + b"0" * (MAX_FILE_BYTES - len(PDF))).size == MAX_FILE_BYTES


@pytest.mark.parametrize("hostile, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("a/b.pdf", "b.pdf"),
    ("C:\\fakepath\\Đơn.pdf", "Đơn.pdf"),
    ("..\\..\\windows\\system.ini.pdf", "system.ini.pdf"),
    ("bao\x00cao.pdf", "baocao.pdf"),
    ("dong\nmoi\r.pdf", "dongmoi.pdf"),
    ("  .an.pdf  ", "an.pdf"),
    ('ten<>:"|?*.pdf', "ten_______.pdf"),
])
def test_hostile_names_are_sanitised_and_files_stay_inside(store, hostile, shown):
    doc = store.put(hostile, PDF)
    assert doc.file_name == shown
    assert _files(store.folder) == [doc.stored_name]
    assert not (store.folder.parent / "etc").exists()


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd",                # no allowed extension once the path is dropped
    "hoso.pdf\x00.exe",                # NUL trick: what remains ends in .exe
    "\u202efdp.exe",                   # right-to-left override hiding .exe
    "..", "/", "",
])
def test_hostile_names_without_an_allowed_type_are_refused(store, hostile):
    with pytest.raises(InvalidInput):
        store.put(hostile, PDF)
    assert _files(store.folder) == []


def test_display_name_keeps_vietnamese_and_limits_length():
    decomposed = unicodedata.normalize("NFD", "Đơn tố cáo.pdf")  # as macOS sends it
    assert display_name(decomposed) == "Đơn tố cáo.pdf"
    long = display_name("Tài liệu " * 60 + ".pdf")
    assert len(long) <= 200 and long.endswith(".pdf") and long.startswith("Tài liệu")
    assert display_name("a" * 300) == "a" * 200


@pytest.mark.parametrize("stored_name", [
    "../documents/" + "a" * 32 + ".pdf", "/etc/passwd", "passwd", "a" * 32 + ".exe",
    "A" * 32 + ".pdf", "a" * 31 + ".pdf", "a" * 32 + ".pdf/../x", "", "a" * 32 + ".pdf\x00",
    "a" * 32 + ".pdf\n",
])
def test_open_refuses_names_that_are_not_ours(store, stored_name):
    with pytest.raises(InvalidInput):
        store.open(stored_name)
    with pytest.raises(InvalidInput):
        store.path(stored_name)


def test_missing_file_is_a_clear_error(store):
    with pytest.raises(InvalidInput) as info:
        store.open("0" * 32 + ".pdf")
    assert "Không tìm thấy" in info.value.message


def test_put_all_is_all_or_nothing(store):
    with pytest.raises(InvalidInput) as info:
        store.put_all([("a.pdf", PDF, None)] * 11)
    assert "Tối đa 10 tệp" in info.value.message
    with pytest.raises(InvalidInput) as info:
        store.put_all([("tot.pdf", PDF, None), ("xau.pdf", EXE, None), ("anh.png", PNG, None)])
    assert "xau.pdf" in info.value.message and "tot.pdf" not in info.value.message
    assert _files(store.folder) == []
    docs = store.put_all([("tot.pdf", PDF, None), ("anh.png", PNG, None)])
    assert sorted(_files(store.folder)) == sorted(d.stored_name for d in docs)


def test_a_failed_write_leaves_nothing(store, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(documents.os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.put_all([("a.pdf", PDF, None), ("b.pdf", PDF, None)])
    assert _files(store.folder) == []


def test_written_files_are_not_world_readable(store):
    doc = store.put("a.pdf", PDF)
    assert os.stat(store.path(doc.stored_name)).st_mode & 0o007 == 0


def test_move_between_stores_and_delete(tmp_path, store):
    staging = FolderDocumentStore(tmp_path / "uploads" / ("f" * 32))
    doc = staging.put("a.pdf", PDF)
    staging.move_to(doc.stored_name, store)
    assert store.open(doc.stored_name) == PDF and not staging.exists(doc.stored_name)
    store.delete(doc.stored_name)
    store.delete(doc.stored_name)  # idempotent
    assert _files(store.folder) == []
