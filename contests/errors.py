"""Typed errors the domain functions raise and the views and CLI turn into messages."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a user can fix; the message is already translated (lazily)."""

    def messages(self) -> list[str]:
        """Every problem, one sentence each, in the current language."""
        return [str(self)]


class ValidationFailed(DomainError):
    """Values were refused; ``errors`` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        # Rendered on demand: the messages are lazy translations that need a locale.
        return "; ".join(
            f"{field}: {', '.join(str(m) for m in msgs)}" for field, msgs in self.errors.items()
        )

    def messages(self) -> list[str]:
        return [str(message) for messages in self.errors.values() for message in messages]


class ContestLocked(DomainError):
    """The contest is no longer a draft, so its terms cannot change freely."""


class PublishRefused(DomainError):
    """Publishing needs fields that are still empty; ``missing`` lists their labels."""

    def __init__(self, missing: list):
        super().__init__(missing)
        self.missing = missing

    def __str__(self) -> str:
        return ", ".join(str(m) for m in self.missing)

    def messages(self) -> list[str]:
        return [str(m) for m in self.missing]


class WrongState(DomainError):
    """The action does not apply to the contest in its current state."""
