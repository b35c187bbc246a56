"""Skill contests (fr/concours): works submitted with entries, a jury that scores them on the
published criteria, the tie-breaker, the ranking and the jury's procès-verbal.

A skill contest is not a draw: nothing here uses chance. The ranking is computed from the
jurors' scores and frozen when the organizer closes the deliberation; the procès-verbal prints
it with the jurors' signatures.
"""
