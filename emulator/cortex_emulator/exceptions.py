"""Error ids of docs/protocol.md §3, and the exceptions that carry them.

Every ``<error><id>`` the emulator writes is one of the constants below; clients match them, so they are stable.
"""

from __future__ import annotations

BAD_REQUEST = "BadRequest"
NOT_FOUND = "NotFound"
DUPLICATE = "Duplicate"
MISSING_FIELD = "MissingField"
INVALID_FIELD = "InvalidField"
INVALID_DOMAIN = "InvalidDomain"
PRIMARY_DOMAIN_NOT_IN_DOMAINS = "PrimaryDomainNotInDomains"
DOMAIN_IN_USE = "DomainInUse"
DOMAIN_NOT_OWNED = "DomainNotOwned"
LOGIN_TOO_LONG = "LoginTooLong"
IMMUTABLE_FIELD = "ImmutableField"
PASSWORD_TOO_SHORT = "PasswordTooShort"
PASSWORD_TOO_LONG = "PasswordTooLong"
PASSWORD_CONTAINS_NAME = "PasswordContainsName"
PASSWORD_COMPLEXITY = "PasswordComplexity"
PASSWORD_REQUIRED = "PasswordRequired"
NEVER_EXPIRES_NOT_ALLOWED = "NeverExpiresNotAllowed"
UNKNOWN_ROLE = "UnknownRole"
ROLE_NOT_ALLOWED = "RoleNotAllowed"
ROLE_IN_USE = "RoleInUse"
UNKNOWN_PLAN = "UnknownPlan"
PLAN_NOT_ENABLED = "PlanNotEnabled"
PLAN_IN_USE = "PlanInUse"
PLAN_LIMIT_REACHED = "PlanLimitReached"
PARENT_NOT_PROVISIONED = "ParentNotProvisioned"
SERVICES_PROVISIONED = "ServicesProvisioned"
HAS_USERS = "HasUsers"
FORBIDDEN = "Forbidden"  # answered with HTTP 401 (and an XML body)
INTERNAL_ERROR = "InternalError"  # HTTP 500
BUSY = "Busy"  # HTTP 503 with Retry-After


class BadRequest(Exception):
    """The request as a whole is unusable (HTTP 400 ``BadRequest``); the message is safe to show."""


class Problems(list):
    """The ``(error id, message)`` pairs found while checking one object, in the order they were found.

    Checks go on after a problem, so that one answer names every bad field; :meth:`raise_if_any` ends them.
    """

    def add(self, code: str, message: str) -> None:
        self.append((code, message))

    def raise_if_any(self) -> None:
        if self:
            raise Refused(list(self))


class Refused(Exception):
    """One object of a SET or DELETE is refused; the others of the request still proceed."""

    def __init__(self, errors: list[tuple[str, str]] | tuple[str, str]):
        if isinstance(errors, tuple):
            errors = [errors]
        super().__init__(errors)
        self.errors = errors


def refuse(code: str, message: str) -> Refused:
    """``raise refuse(NOT_FOUND, "...")``: a refusal with a single error."""
    return Refused([(code, message)])
