"""Every declared dependency is credited in NOTICE, and the project's own licence is GPL-3.0-or-later."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTICE_ENTRY = re.compile(r"^- (\S+) — ", re.MULTILINE)
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """PEP 503: lowercase, runs of '-', '_' and '.' become one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution name of a PEP 508 requirement, without extras, versions or markers."""
    match = REQUIREMENT_NAME.match(requirement)
    assert match, f"cannot read a distribution name from {requirement!r}"
    return normalize(match.group(1))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared_dependencies() -> set[str]:
    project = pyproject()["project"]
    requirements = [*project.get("dependencies", []), *project.get("optional-dependencies", {}).get("test", [])]
    return {requirement_name(r) for r in requirements}


def notice_names() -> set[str]:
    return {normalize(name) for name in NOTICE_ENTRY.findall((ROOT / "NOTICE").read_text(encoding="utf-8"))}


def test_requirement_names_are_normalized():
    assert requirement_name("PySide6-Essentials>=6.7") == "pyside6-essentials"
    assert requirement_name("Foo_Bar.baz[extra]>=1; python_version>'3'") == "foo-bar-baz"
    assert requirement_name("colour-science>=0.4.4") == "colour-science"


def test_every_declared_dependency_is_in_notice():
    declared = declared_dependencies()
    assert declared, "pyproject.toml declares no dependencies"
    missing = sorted(declared - notice_names())
    assert not missing, f"NOTICE does not list these dependencies declared in pyproject.toml: {', '.join(missing)}"


def test_license_is_gpl3_or_later():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    head = license_text[:200]
    assert "GNU GENERAL PUBLIC LICENSE" in head and "Version 3" in head, "LICENSE must start with the GPL v3 text"
    assert pyproject()["project"]["license"] == "GPL-3.0-or-later"


def test_notice_names_the_project_and_its_licence():
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    assert notice.startswith("AIPROD Studio")
    assert "GPL-3.0-or-later" in notice
