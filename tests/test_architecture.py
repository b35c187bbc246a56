"""The rules of docs/architecture.md that a machine can check, so the document cannot drift.

Imports are read with ``ast`` from the source files, relative imports resolved, including those
inside functions: an arrow that points up is an arrow, wherever it is written.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "contests"
MAX_LINES = 400

#: Layers from the top; a module may import its own layer's and lower layers' modules.
WEB_FACING = ("contests.admin", "contests.public", "contests.auth", "contests.cli")
DOMAIN = (
    "contests.contest",
    "contests.jury",
    "contests.entries",
    "contests.rules",
    "contests.winners",
    "contests.documents",
    "contests.reporting",
    "contests.organizations",
    "contests.accounts",
    "contests.links",
    "contests.jobs",
    "contests.audit",
    "contests.mail",
    "contests.demo",
)
PURE = ("contests.identity", "contests.timezones", "contests.money", "contests.errors")
#: The sideways arrows the document names: the contest, prize and question fields are WTForms
#: fields.
SIDEWAYS = {
    ("contests.contest.fields", "contests.web.forms"),
    ("contests.contest.question_fields", "contests.web.forms"),
    ("contests.contest.jury_fields", "contests.web.forms"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every ``contests...`` module this file imports (``from . import x`` gives the submodule)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "contests" or name.startswith("contests.")}


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _existing(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").is_file() or (
        ROOT / relative / "__init__.py"
    ).is_file()


def _violations(paths) -> list[str]:
    wrong = []
    for path in paths:
        module = _module_name(path)
        targets = {name for name in _imports(path) if _existing(name)}
        for target in targets:
            if _within(module, DOMAIN + ("contests.models", "contests.web")) and _within(
                target, WEB_FACING
            ):
                wrong.append(f"{module} -> {target}")
            if (
                _within(module, DOMAIN + ("contests.models",))
                and _within(target, ("contests.web",))
                and (module, target) not in SIDEWAYS
            ):
                wrong.append(f"{module} -> {target}")
            if _within(module, PURE) and target != "contests":
                wrong.append(f"{module} -> {target}")
            if _within(module, ("contests.draw",)) and not _within(target, ("contests.draw",)):
                wrong.append(f"{module} -> {target}")
            if _within(module, ("contests.models",)) and _within(target, DOMAIN):
                wrong.append(f"{module} -> {target}")
    return sorted(set(wrong))


def test_arrows_point_down():
    """The domain never imports a blueprint, the CLI or the web plumbing; the pure modules and the
    draw protocol import nothing of the app."""
    wrong = _violations(_sources())
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_the_check_sees_an_upward_arrow():
    """Relative imports are resolved, inside functions too: a domain module importing views is
    caught."""
    probe = PACKAGE / "entries" / "_arrow_probe.py"
    probe.write_text(
        "from ..admin import bp\n\n\ndef f():\n    from ..public.entry import thanks\n"
    )
    try:
        assert _violations([probe]) == [
            "contests.entries._arrow_probe -> contests.admin",
            "contests.entries._arrow_probe -> contests.public.entry",
        ]
    finally:
        probe.unlink()


_COMMIT = re.compile(r"\.(commit|rollback)\(\)|\.autocommit\s*=\s*True")
#: The boundary, the mail sender that commits after each message delivered, the SQLite
#: driver's connection class whose commit and rollback give back the writers' turn (it starts no
#: transaction and ends none of its own: it wraps the driver's methods SQLAlchemy calls), and the
#: driver statement that runs as its own transaction when it is all its unit of work writes.
MAY_COMMIT = {
    "contests/transaction.py",
    "contests/web/boundary.py",
    "contests/mail.py",
    "contests/sqlite_turns.py",
    "contests/driver_statements.py",
}


def test_only_the_boundary_commits():
    """Views, commands and domain functions never commit or roll back by hand."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if str(path.relative_to(ROOT)) not in MAY_COMMIT
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _COMMIT.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_modules_stay_small():
    """No module grows into a grab-bag; split by feature before it does."""
    large = {
        str(p.relative_to(ROOT)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not large, large


def test_the_documented_packages_exist():
    """Every module docs/architecture.md names in backquotes with a .py exists."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = set(re.findall(r"`([a-z_/]+\.py)`", text))
    missing = [
        name
        for name in names
        if not (ROOT / name).is_file()
        and not (PACKAGE / name).is_file()
        and not list(PACKAGE.rglob(Path(name).name))
    ]
    assert not missing, missing


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_verifier_help_exits_zero(flag):
    """The published verifier explains itself on a bare Python (no Flask, no database)."""
    result = subprocess.run(
        [sys.executable, "-S", "-m", "contests.draw.verify", flag],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "RECORD" in result.stdout and "ENTRANTS" in result.stdout


def test_verifier_without_arguments_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-S", "-m", "contests.draw.verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "usage" in result.stderr.lower()
