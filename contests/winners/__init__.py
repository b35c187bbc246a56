"""A contest's draws from the database: commitment, the draw itself, substitutions, what pages show.

The protocol (hashes, selection, verification) is ``contests.draw``, standard library only;
this package feeds it from the database and stores what it returns.
"""
