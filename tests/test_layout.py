"""The layout's import rule, checked by reading the source (ast), never by importing it.

Imports point one way: cli → api → coach/store/eval → learn → core → settings/errors.
`learn/` stays pure (no database): the store aggregates counts, learn turns them into priors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "assist"

# What each part may import from the rest of `assist` (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": {"settings", "errors"},
    "coach": {"core", "settings", "errors"},
    "store": {"core", "settings", "errors"},
    "eval": {"learn", "core", "settings", "errors"},
    "learn": {"core", "settings", "errors"},
    "api": {"learn", "coach", "store", "eval", "core", "settings", "errors", "__init__"},
    "cli": {"api", "learn", "coach", "store", "eval", "core", "settings", "errors", "client"},
}
# Third-party frameworks that belong to one edge only.
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "core": {"fastapi", "starlette", "uvicorn", "click", "rich", "sqlalchemy", "alembic", "httpx"},
    "coach": {"fastapi", "starlette", "uvicorn", "click", "rich", "sqlalchemy", "alembic"},
    "eval": {"fastapi", "starlette", "uvicorn", "click", "sqlalchemy", "alembic"},
    "store": {"fastapi", "starlette", "uvicorn", "click", "rich"},
    "learn": {"fastapi", "starlette", "uvicorn", "click", "rich", "sqlalchemy", "alembic", "httpx"},
}


def imported_names(path: Path, package: Path) -> list[tuple[int, str]]:
    """Every module a file imports, as absolute dotted names (relative ones resolved)."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    depth_of_file = len(path.relative_to(package).parts) - 1  # folders below assist/
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, node.module or ""))
                continue
            base = ["assist", *path.relative_to(package).parts[:depth_of_file]]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, node.module] if node.module else base)
            if node.module is None:  # `from .. import x`: x may be a module
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


def violations(part: str, package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted((package / part).rglob("*.py")):
        for line, name in imported_names(path, package):
            where = f"{path.relative_to(package.parent)}:{line}"
            top, _, rest = name.partition(".")
            if top == "assist":
                target = rest.split(".")[0] or "__init__"
                if target not in (part, "__version__") and target not in ALLOWED[part]:
                    problems.append(f"{where}: {part}/ may not import assist.{target}")
            elif top in FORBIDDEN_THIRD_PARTY.get(part, ()):
                problems.append(f"{where}: {part}/ may not import {top}")
    return problems


@pytest.mark.parametrize("part", sorted(p for p in ALLOWED if (PACKAGE / p).is_dir()))
def test_imports_point_one_way(part: str) -> None:
    assert violations(part) == []


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    # A copy of core/ with one web import added must be reported, with file and line.
    import shutil

    fake = tmp_path / "assist"
    shutil.copytree(PACKAGE / "core", fake / "core")
    text = (fake / "core" / "render.py").read_text("utf-8")
    (fake / "core" / "render.py").write_text("import fastapi\n" + text, "utf-8")
    (fake / "core" / "mood.py").write_text("from ..api import app\n", "utf-8")
    found = violations("core", fake)
    assert "assist/core/render.py:1: core/ may not import fastapi" in found
    assert "assist/core/mood.py:1: core/ may not import assist.api" in found


def test_every_module_lives_in_a_part() -> None:
    # Only the shared modules stay at the top; everything else belongs to a part.
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top <= {"__init__.py", "__main__.py", "settings.py", "errors.py", "client.py"}
