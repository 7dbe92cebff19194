"""The built-in scenarios (YAML files shipped in scenarios/builtin)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .spec import Scenario, ScenarioError, load_scenario

BUILTIN = (
    "quickstart",
    "change-propagation",
    "deletion-semantics",
    "calendar-mirror",
    "storage-management-safety",
    "managed-folders",
    "throttling-storm",
    "group-churn",
    "task-recreate",
    "two-sites",
    "site-sizing",
    "multi-site",
)


def builtin_path(name: str) -> Path:
    return Path(str(resources.files("scenarios") / "builtin" / f"{name}.yaml"))


def resolve(name_or_file: str) -> Scenario:
    """A built-in scenario by name, or a scenario file."""
    if name_or_file in BUILTIN:
        return load_scenario(builtin_path(name_or_file))
    path = Path(name_or_file)
    if not path.exists():
        raise ScenarioError(f"no such file, and not a built-in scenario ({', '.join(BUILTIN)})", name_or_file)
    return load_scenario(path)


__all__ = ["BUILTIN", "builtin_path", "resolve"]
