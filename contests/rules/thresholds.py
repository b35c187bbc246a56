"""Legal amounts the rules print, read from the templates' data files with their dates of effect.

The law moves (the US Form 1099 threshold went from $600 to $2,000 for payments after 2025, and
is indexed from 2027): each amount lives in ``rules_templates/<country>/thresholds.yaml`` with
the date it took effect and its source, and the rules print the one in force on the draw date.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=16)
def read_facts(path: Path) -> dict:
    """A data file of legal facts (empty when absent), read once per process."""
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def in_force(root: Path, country: str, name: str, on: date) -> dict | None:
    """The entry of ``name`` in force on ``on`` (its amount, source, indexation), or None."""
    values = read_facts(root / country / "thresholds.yaml").get(name, {}).get("values", [])
    current = [v for v in values if v["from"] <= on]
    return max(current, key=lambda v: v["from"]) if current else None


def form_1099_threshold(root: Path, on: date) -> str:
    """The Form 1099 reporting threshold as the US rules print it: "$2,000", with "(adjusted for
    inflation)" once its indexation has begun."""
    fact = in_force(root, "us", "form_1099", on)
    if fact is None:
        return ""
    amount = f"${fact['amount']:,}"
    if fact.get("indexed_from") and on.year >= fact["indexed_from"]:
        return f"{amount} (as adjusted for inflation for {on.year})"
    return amount
