"""The verifiable draw protocol (docs/draw-protocol.md), standard library only.

Nothing here imports Flask, SQLAlchemy or the rest of the app, so that anyone can re-run a
draw with a bare Python: ``python -m contests.draw.verify RECORD.json ENTRANTS_FILE``.
"""
