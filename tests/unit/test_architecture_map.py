"""docs/architecture.md stays true: every file, folder, function and setting it cites exists.

The map is how a new engineer finds the one file to open per layer; a name that moved or never existed (an
earlier map cited ``fetch_cadences``) costs them a search. Paths are checked on disk; code names are checked
against the definitions of the package (``def``, ``class``, an assignment or field, a keyword or a quoted
name such as an asset key); ``SOUNDCHARTS_*`` settings against the package's source. The glossary's words are
checked the same way.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "soundcharts_assets"
DOCS = [ROOT / "docs" / "architecture.md"]

#: Where a relative path of the map may live: the page says package paths are relative to the package and
#: test paths to tests/; a few name the repository's own files.
BASES = (PACKAGE, ROOT / "tests", ROOT)
FILE = re.compile(r"^[\w.\-/]+\.(py|md|yaml|json|toml|cfg)$")
FOLDER = re.compile(r"^[\w\-/]+/$")
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?$")
SETTING = re.compile(r"SOUNDCHARTS_[A-Z0-9_]+")
#: Backticked words of the page that are not code names: commands, CLI words, payload fields and prose.
NOT_CODE = {
    "next", "null", "seed", "today", "quota", "demo", "dev", "export", "report", "alerts", "charts",
    "audience", "client", "auth", "transport", "endpoints", "events", "detect", "spikes", "emulator",
    "Definitions",  # Dagster's
}  # fmt: skip
#: Files the project writes at run time, not in a checkout.
GENERATED = ("data/",)


def cited(doc: Path) -> set[str]:
    return {token.strip() for token in re.findall(r"`([^`\n]+)`", doc.read_text())}


@cache
def package_sources() -> str:
    files = [*PACKAGE.rglob("*.py"), ROOT / "pyproject.toml", ROOT / "setup.cfg"]
    return "\n".join(path.read_text() for path in files)


def path_exists(token: str) -> bool:
    if token.startswith("/") or token.startswith(GENERATED):
        return True  # outside the repository (the shared API reference), or written at run time
    if "/" not in token.rstrip("/"):  # a bare file name, cited beside its package
        return any(PACKAGE.rglob(token.rstrip("/"))) or (ROOT / token).exists()
    return any((base / token).exists() for base in BASES)


#: What defines a name: ``def``/``class``, an assignment or annotated field at a line's start, a keyword
#: argument, ``self.x =``, or a quoted name (an asset key, a column).
DEFINITIONS = re.compile(
    r"\b(?:async\s+)?def\s+(\w+)|\bclass\s+(\w+)|^\s*(\w+)\s*[:=]|\b(\w+)=|[\"'](\w+)(?=[\"'])|\bself\.(\w+)\s*=",
    re.MULTILINE,
)


@cache
def defined_names() -> frozenset[str]:
    """Every name the package defines, in one pass over its sources (a search per cited name took seconds)."""
    return frozenset(name for groups in DEFINITIONS.findall(package_sources()) for name in groups if name)


def defined(name: str) -> bool:
    return name in defined_names()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_cited_path_exists(doc: Path) -> None:
    missing = sorted(t for t in cited(doc) if (FILE.match(t) or FOLDER.match(t)) and not path_exists(t))
    assert not missing, f"{doc.name} cites paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_cited_code_name_is_defined(doc: Path) -> None:
    names = {
        t.removesuffix("()").rsplit(".", 1)[-1]
        for t in cited(doc)
        if IDENTIFIER.match(t)
        and not FILE.match(t)
        and t not in NOT_CODE
        and not t.isupper()
        and not t.startswith("dg.")
    }
    missing = sorted(n for n in names if not defined(n))
    assert not missing, f"{doc.name} cites names the package does not define: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_cited_setting_is_read(doc: Path) -> None:
    settings = {s for t in cited(doc) for s in SETTING.findall(t)}
    missing = sorted(s for s in settings if s not in package_sources())
    assert not missing, f"{doc.name} cites settings the package never reads: {missing}"


def test_the_check_catches_a_name_that_does_not_exist() -> None:
    assert not defined("fetch_cadences")
    assert defined("refresh_tracks") and defined("ChartStore")
    assert not path_exists("cascade/cadences.py") and path_exists("cascade/ranking.py")
