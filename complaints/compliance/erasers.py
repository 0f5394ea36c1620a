"""Where personal data lives, each place with its eraser.

An eraser takes the complaint being erased and returns how many records it pseudonymised or
deleted. The compliance app registers the ones for the complaints and escalation apps; another
app registers its own from its AppConfig.ready():

    from complaints.compliance.erasers import register_eraser
    register_eraser("channels.quarantined_email", erase_quarantined_emails)

Erasers run inside the erasure's transaction, in registration order; a file deletion is
deferred until that transaction commits (see erasure.delete_file_on_commit).
"""

from collections.abc import Callable

Eraser = Callable[["Complaint"], int]  # noqa: F821 - complaints.models.Complaint

_ERASERS: dict[str, Eraser] = {}


def register_eraser(name: str, eraser: Eraser) -> None:
    """Register (or replace) the eraser for one place personal data lives."""
    _ERASERS[name] = eraser


def registered_erasers() -> dict[str, Eraser]:
    return dict(_ERASERS)


def register_builtin_erasers() -> None:
    from . import channel_erasers, erasure

    for name, eraser in {**erasure.BUILTIN_ERASERS, **channel_erasers.channel_erasers()}.items():
        _ERASERS.setdefault(name, eraser)  # an app that registered its own eraser first keeps it
