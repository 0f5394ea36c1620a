"""Evidence uploads: allow-listed types sniffed from content, per-type size limits, sha256.

The extension the customer gave must agree with what the bytes are: an executable renamed
.png, or HTML renamed .pdf, is refused. Plain text and CSV have no magic number, so they are
accepted only when they decode as UTF-8, hold no NUL bytes and don't look like markup.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MB = 1024 * 1024


@dataclass(frozen=True)
class EvidenceType:
    content_type: str
    extension: str
    max_size: int
    label: object  # a lazily translated name


ALLOWED_TYPES = {
    "png": EvidenceType("image/png", ".png", 10 * MB, gettext_lazy("PNG image")),
    "jpg": EvidenceType("image/jpeg", ".jpg", 10 * MB, gettext_lazy("JPEG image")),
    "webp": EvidenceType("image/webp", ".webp", 10 * MB, gettext_lazy("WebP image")),
    "gif": EvidenceType("image/gif", ".gif", 10 * MB, gettext_lazy("GIF image")),
    "pdf": EvidenceType("application/pdf", ".pdf", 15 * MB, gettext_lazy("PDF document")),
    "mp4": EvidenceType("video/mp4", ".mp4", 15 * MB, gettext_lazy("MP4 video")),
    "txt": EvidenceType("text/plain", ".txt", 2 * MB, gettext_lazy("text file")),
    "csv": EvidenceType("text/csv", ".csv", 2 * MB, gettext_lazy("CSV file")),
}
EXTENSION_ALIASES = {"jpeg": "jpg", "log": "txt"}
_MARKUP_SIGNS = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<iframe", b"<body")


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    type: EvidenceType
    size: int
    sha256: str


def safe_original_name(name: str) -> str:
    """The uploader's file name, kept for display only. Path tricks are refused, not repaired."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError(_("The file has no name."))
    base = PureWindowsPath(PurePosixPath(name).name).name
    if base != name or name in {".", ".."} or ".." in name:
        raise ValidationError(_("The file name “%(name)s” is not allowed: use a plain name.") % {"name": name[:80]})
    if any(unicodedata.category(ch).startswith("C") for ch in name) or len(name) > 200:
        raise ValidationError(_("The file name contains characters that are not allowed."))
    return name


def _declared_extension(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    return EXTENSION_ALIASES.get(suffix, suffix)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            return False
    lowered = head.lower().lstrip()
    return not any(sign in lowered for sign in _MARKUP_SIGNS)


def _sniff(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    return EXTENSION_ALIASES.get(kind.extension, kind.extension)


def check_upload(uploaded) -> CheckedFile:
    """Validate an uploaded file; raise ValidationError with a sentence the uploader can act on."""
    name = safe_original_name(getattr(uploaded, "name", ""))
    declared = _declared_extension(name)
    if declared not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ValidationError(_("Files of this type can't be attached. Allowed: %(allowed)s.") % {"allowed": allowed})
    kind = ALLOWED_TYPES[declared]
    size = uploaded.size
    if not size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    if size > kind.max_size:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; a %(label)s may be at most %(max)d MB.")
            % {"name": name, "size": size / MB, "label": kind.label, "max": kind.max_size // MB}
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    sniffed = _sniff(head)
    is_text_type = kind.content_type.startswith("text/")
    if (is_text_type and (sniffed is not None or not _looks_like_text(head))) or (
        not is_text_type and sniffed != declared
    ):
        raise ValidationError(
            _("“%(name)s” is not really a %(label)s; its content doesn't match its name.")
            % {"name": name, "label": kind.label}
        )
    return CheckedFile(original_name=name, type=kind, size=size, sha256=_sha256(uploaded))


def _sha256(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()
