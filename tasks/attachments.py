"""Uploaded attachments: at most 10 MB, and only the kinds the programme's paperwork comes in.

The type is checked on the content as well as the name, so a renamed executable or web page is refused.
"""

import io
import zipfile

from django.core.exceptions import ValidationError

MAX_BYTES = 10 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extension → (content type served, what the first bytes must be)
KINDS = {
    "pdf": ("application/pdf", "pdf"),
    "doc": ("application/msword", "ole2"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word"),
    "xls": ("application/vnd.ms-excel", "ole2"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "excel"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "png": ("image/png", "png"),
}
ALLOWED_TEXT = "PDF、Word（.doc/.docx）、Excel（.xls/.xlsx）、JPG 或 PNG"


def extension(name):
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def content_type(name):
    return KINDS.get(extension(name), ("application/octet-stream", ""))[0]


def _looks_like(head, data, kind):
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "ole2":
        return head.startswith(_OLE2)
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return ("word/document.xml" if kind == "word" else "xl/workbook.xml") in names


def validate_upload(upload):
    """Raise ValidationError (in Chinese) unless `upload` is an allowed attachment; return its bytes."""
    if upload is None:
        raise ValidationError("请选择要上传的文件。")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"文件“{upload.name}”超过 10 MB，请压缩或拆分后再上传。")
    if not upload.size:
        raise ValidationError(f"文件“{upload.name}”是空的。")
    kind = KINDS.get(extension(upload.name))
    if kind is None:
        raise ValidationError(f"不支持的附件类型：只能上传 {ALLOWED_TEXT} 文件。")
    data = upload.read()
    upload.seek(0)
    if not _looks_like(data[:16], data, kind[1]):
        raise ValidationError(f"文件“{upload.name}”的内容与扩展名不符（可能已损坏或被改了扩展名），请核对后重新上传。")
    return data
