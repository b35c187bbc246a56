"""contests: a self-hosted contest and giveaway manager.

Flask is imported lazily so that ``contests.draw`` (the verifiable draw protocol) can be
imported on a bare Python with only the standard library.
"""


def create_app(test_config: dict | None = None):
    """Build the Flask application (the factory the WSGI server and the CLI call)."""
    from .app import build_app

    return build_app(test_config)
