"""WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from contests import create_app

app = create_app()

# The ~190,000 objects of the loaded app (modules, mappers, templates) live as long as the
# process: frozen, the collector stops walking them. A full collection over them cost about 90 ms
# every thousand entries, in whichever request it fell on (bench/entry_load.py's p99, issue 19).
gc.freeze()
