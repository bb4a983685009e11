"""Attachments: checked by name, type and first bytes, stored under a random name in
UPLOAD_FOLDER (outside the web root), and only ever served through a permission check."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _
from grants.models import Application, Attachment
from grants.operations import GrantsError, _require_editable

# extension -> (content type, accepted leading bytes)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
}
ALLOWED_DESCRIPTION = "PDF, JPG, PNG, Word, Excel, PowerPoint or OpenDocument"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("GRANTS_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_file_name(name: str | None) -> str:
    """The original name, if it is a plain file name; refuse anything path-like."""
    name = (name or "").strip()
    if not name:
        raise GrantsError(_("Choose a file to upload."), "file")
    if any(c in name for c in ("/", "\\", "\x00")) or ".." in name or name.startswith(".") \
            or len(name) > 200:
        raise GrantsError(_("The file's name is not allowed. Rename it to a simple name such as "
                            "accounts.pdf and try again."), "file")
    return name


def check_file(name: str, data: bytes) -> str:
    """Return the content type, or refuse with a message that says what to do."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise GrantsError(_("%(name)s is not an allowed type of file. Upload a %(kinds)s file.", name=name,
                            kinds=ALLOWED_DESCRIPTION), "file")
    limit = max_bytes()
    if len(data) > limit:
        raise GrantsError(_("%(name)s is larger than %(megabytes)s MB. Make it smaller and try again.",
                            name=name, megabytes=limit // (1024 * 1024)), "file")
    if not data:
        raise GrantsError(_("%(name)s is empty.", name=name), "file")
    content_type, signatures = ALLOWED[extension]
    if not any(data.startswith(s) for s in signatures):
        raise GrantsError(_("%(name)s does not look like a real .%(extension)s file. Save it again as "
                            "%(format)s and upload it.", name=name,
                            extension=extension, format=extension.upper()), "file")
    return content_type


def store_attachment(session: Session, user, application: Application, *, file_name: str,
                     data: bytes, question_key: str | None) -> Attachment:
    _require_editable(application)
    original = check_file_name(file_name)
    content_type = check_file(original, data)
    stored_name = secrets.token_hex(20)
    (upload_folder() / stored_name).write_bytes(data)
    attachment = Attachment(application_id=application.id, question_key=question_key,
                            original_name=original, stored_name=stored_name,
                            content_type=content_type, size_bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=user.id)
    session.add(attachment)
    session.flush()
    if question_key:
        answers = dict(application.answers or {})
        answers[question_key] = str(attachment.id)
        application.answers = answers
    record(session, user, "grants.attachment_added", "application", application.id,
           {"attachment_id": attachment.id, "name": original, "size_bytes": len(data),
            "sha256": attachment.sha256})
    session.flush()
    return attachment


def remove_attachment(session: Session, user, attachment: Attachment) -> None:
    application = attachment.application
    _require_editable(application)
    attachment.removed_at = utcnow()
    answers = dict(application.answers or {})
    if attachment.question_key and answers.get(attachment.question_key) == str(attachment.id):
        answers[attachment.question_key] = ""
        application.answers = answers
    session.flush()
    record(session, user, "grants.attachment_removed", "application", application.id,
           {"attachment_id": attachment.id})


def attachment_path(attachment: Attachment) -> Path:
    # stored_name is ours (hex), never the uploader's, so this cannot leave the folder.
    return upload_folder() / attachment.stored_name
