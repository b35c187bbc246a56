"""WSGI entry point: ``gunicorn wsgi:app``."""

from contests import create_app

app = create_app()
