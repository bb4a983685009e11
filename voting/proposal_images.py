"""A proposal's picture: checked like every upload (grants.uploads: a plain file name, an
allowed type, a size limit and the first bytes of a real file), images only, with alt text
required; stored under a random name outside the web root and only ever served through the
proposal's page rules, with headers that let a browser do nothing but show it.
Nothing here commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _
from commonpot.refusals import Refused
from voting.errors import VotingError
from voting.models import Proposal, ProposalImage

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg")
DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ALT_TEXT = 300
# What a browser may do with a served picture: show it, nothing else (no scripts, no
# frames, no sniffing it into HTML).
IMAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class ImageUpload:
    file_name: str
    data: bytes
    alt_text: str


@dataclass(frozen=True)
class CheckedImage:
    file_name: str
    data: bytes
    alt_text: str
    content_type: str


def max_image_bytes() -> int:
    return int(current_app.config.get("VOTING_IMAGE_MAX_BYTES", DEFAULT_MAX_IMAGE_BYTES))


def check_image(upload: ImageUpload) -> CheckedImage:
    """The picture as it will be stored, or VotingError saying what to change."""
    from grants import uploads

    alt_text = " ".join((upload.alt_text or "").split())
    try:
        name = uploads.check_file_name(upload.file_name)
    except Refused:
        raise VotingError(_("The picture’s file name is not allowed. Rename it to a simple name "
                            "such as benches.jpg and try again."), "image") from None
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in IMAGE_EXTENSIONS:
        raise VotingError(_("%(name)s is not a JPG or PNG picture. Upload a .jpg or .png file.",
                            name=name), "image")
    limit = max_image_bytes()
    if len(upload.data) > limit:
        size = (_("%(num)d MB", num=limit // (1024 * 1024)) if limit >= 1024 * 1024
                else _("%(num)d KB", num=limit // 1024))
        raise VotingError(_("%(name)s is larger than %(size)s. Make the picture smaller and try again.",
                            name=name, size=size), "image")
    try:
        content_type = uploads.check_file(name, upload.data)  # first bytes, emptiness
    except Refused as exc:
        raise VotingError(str(exc), "image") from None
    if not alt_text:
        raise VotingError(_("Describe the picture for people who cannot see it."), "image_alt")
    if len(alt_text) > MAX_ALT_TEXT:
        raise VotingError(_("Describe the picture in %(most)d characters or fewer.", most=MAX_ALT_TEXT),
                          "image_alt")
    return CheckedImage(name, upload.data, alt_text, content_type)


def image_folder() -> Path:
    from grants.uploads import upload_folder

    return upload_folder()


def store_image(session: Session, actor, proposal: Proposal, image: CheckedImage) -> ProposalImage:
    """Write the checked picture under a random name and record it. The caller has made
    every other check first, so a refused proposal leaves no file behind."""
    if proposal.image is not None:
        raise VotingError(_("This proposal already has a picture."), "image")
    stored_name = secrets.token_hex(20)
    row = ProposalImage(proposal_id=proposal.id, original_name=image.file_name,
                        stored_name=stored_name, content_type=image.content_type,
                        size_bytes=len(image.data), sha256=hashlib.sha256(image.data).hexdigest(),
                        alt_text=image.alt_text,
                        uploaded_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    (image_folder() / stored_name).write_bytes(image.data)
    session.expire(proposal, ["image"])
    record(session, actor, "voting.proposal_image_added", "voting_proposal", proposal.id,
           {"image_id": row.id, "sha256": row.sha256, "size_bytes": row.size_bytes,
            "alt_text": row.alt_text})
    return row


def remove_image(session: Session, actor, proposal: Proposal, reason: str) -> None:
    """A moderator hides a proposal's picture, saying why; the row stays for the audit trail."""
    image = proposal.image
    if image is None:
        raise VotingError(_("This proposal has no picture to remove."))
    if not (reason or "").strip():
        raise VotingError(_("Give the reason for removing the picture: the proposer will see it."),
                          "removal_reason")
    image.removed_at = utcnow()
    image.removed_reason = reason.strip()
    session.flush()
    session.expire(proposal, ["image"])
    record(session, actor, "voting.proposal_image_removed", "voting_proposal", proposal.id,
           {"image_id": image.id, "reason": image.removed_reason})


def image_path(image: ProposalImage) -> Path:
    # stored_name is ours (hex), never the uploader's, so this cannot leave the folder.
    return image_folder() / image.stored_name
