"""Attachments of a node's sub-negotiations (ethics approvals, protocols): files plus a SQLite index.

Files are written atomically (temp file, then rename) under ``attachments/`` beside the store; the
index holds what the hub also keeps (name, size, sha256) and which request they belong to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pmbridge.errors import AccessRequestError
from pmbridge.local_db import open_sqlite

INDEX_FILE: Final = "attachments.sqlite"
FOLDER: Final = "attachments"
MAX_BYTES: Final = 5 * 1024 * 1024
MAX_NAME: Final = 120
MAGIC: Final = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
MEDIA_TYPES: Final = (*MAGIC, "text/plain")
_ID = re.compile(r"^at-[0-9a-f]{16}$")
_UNSAFE = re.compile(r"[^\w.\- ()]+")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, request TEXT NOT NULL, resource TEXT NOT NULL, name TEXT NOT NULL,
    media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Attachment:
    """One stored attachment's index entry."""

    id: str
    request: str
    resource: str
    name: str
    media_type: str
    size: int
    sha256: str

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "size": self.size,
            "mediaType": self.media_type,
            "name": self.name,
        }


def safe_name(name: str) -> str:
    """The basename of ``name`` without path or control characters, at most 120 characters.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\ethics.pdf")
    ('passwd', 'ethics.pdf')
    """
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:MAX_NAME] or "attachment"


def decode_content(content: str, media_type: str) -> bytes:
    """The base64 ``content``, checked for size and, for pdf / png / jpeg, against its magic bytes."""
    if media_type not in MEDIA_TYPES:
        raise AccessRequestError(
            f"media type {media_type!r} is not accepted", hint=f"use one of {', '.join(MEDIA_TYPES)}"
        )
    if len(content) > (MAX_BYTES // 3 + 1) * 4 + 4:
        raise AccessRequestError("the attachment is larger than 5 MiB", hint="send a smaller file")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise AccessRequestError(
            "content is not valid base64", hint="send the file's bytes base64-encoded"
        ) from None
    if len(data) > MAX_BYTES:
        raise AccessRequestError("the attachment is larger than 5 MiB", hint="send a smaller file")
    magic = MAGIC.get(media_type)
    if magic is not None and not data.startswith(magic):
        raise AccessRequestError(
            f"the content is not a {media_type} file", hint="send the file with its true media type"
        )
    if media_type == "text/plain":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise AccessRequestError("text/plain content is not UTF-8", hint="send UTF-8 text") from None
    return data


def store_attachment(
    folder: Path, *, request: str, resource: str, name: str, media_type: str, data: bytes
) -> Attachment:
    """Write the file (atomically) and then its index row; returns the entry."""
    entry = Attachment(
        id="at-" + secrets.token_hex(8),
        request=request,
        resource=resource,
        name=safe_name(name),
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    files = folder / FOLDER
    files.mkdir(parents=True, exist_ok=True)
    temp = files / f".{entry.id}.tmp"
    temp.write_bytes(data)
    os.replace(temp, files / entry.id)
    with _connect(folder / INDEX_FILE) as con, con:
        con.execute("INSERT INTO attachments VALUES (?,?,?,?,?,?,?)", _row(entry))
    return entry


def read_attachment(folder: Path, attachment_id: str) -> tuple[Attachment, bytes] | None:
    """The entry and bytes of ``attachment_id``, or None when this node holds no such attachment."""
    index = folder / INDEX_FILE
    if not _ID.match(attachment_id) or not index.exists():
        return None
    with _connect(index) as con:
        row = con.execute("SELECT * FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
    if row is None:
        return None
    entry = Attachment(*row)
    return entry, (folder / FOLDER / entry.id).read_bytes()


def _connect(path: Path) -> AbstractContextManager[sqlite3.Connection]:
    return open_sqlite(
        path,
        _SCHEMA,
        what="the attachment index",
        hint="check that the node's folder is writable and the file is not damaged",
    )


def _row(entry: Attachment) -> tuple[object, ...]:
    return (entry.id, entry.request, entry.resource, entry.name, entry.media_type, entry.size, entry.sha256)
