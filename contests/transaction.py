"""The one transaction boundary of the app: commit what a request or a command did, or nothing.

Domain functions flush and raise; they never commit. The web boundary (``web/boundary.py``)
and the CLI boundary (``cli/boundary.py``) run them inside :func:`unit_of_work`, so a change is
stored whole or not at all, whatever raised in the middle. The mail sender (one commit per
message delivered, so progress survives a crash) is the only other place that commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the block ends normally; roll back on any exception, then let it go on."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def discard() -> None:
    """Forget whatever the failed request left in the session (before an error page renders)."""
    db.session.rollback()
