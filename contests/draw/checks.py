"""What a failed check raises, shared by the verifier's modules. Standard library only."""

from __future__ import annotations


class CheckFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
