"""Why a service refused to act. Views turn these into a message (portal) or a status (API).

Bad input is django.core.exceptions.ValidationError, keyed by field, so forms can show it
next to the field.
"""


class ActionRefused(Exception):
    """The action can't be taken; nothing was changed."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(ActionRefused):
    """This person may not take this action on this complaint."""

    status_code = 403


class WrongState(ActionRefused):
    """The complaint is not in a state (or condition) that allows the action."""

    status_code = 409
