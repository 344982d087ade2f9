"""Sanitizers: per-format writers that consume a Plan and write a clean copy (STYLE.md habit 12).

Writers are found here, not in the scan registry: each built-in module in ``BUILTIN_MODULES``
exposes ``SANITIZERS = (WriterClass, ...)``; third parties publish classes under the entry-point
group ``clearance.sanitizers.v1``. A module that is not there yet is simply skipped.
"""

from __future__ import annotations

import importlib
import warnings
from importlib.metadata import entry_points

from clearance.actions.sanitize.base import (
    Action,
    ActionKind,
    CannotSanitize,
    HiddenRows,
    Plan,
    Removal,
    SanitizeOptions,
    Sanitizer,
    Summary,
    Treatment,
)

BUILTIN_MODULES = ("xlsx", "delimited", "json_html", "docx", "pptx", "pdf")
ENTRY_POINT_GROUP = "clearance.sanitizers.v1"


def sanitizers(*, third_party: bool = True) -> dict[str, Sanitizer]:
    """media type -> writer instance, built fresh each call (no module globals)."""
    found: dict[str, Sanitizer] = {}
    for name in BUILTIN_MODULES:
        modname = f"{__name__}.{name}"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:  # the writer for this format is not written yet
                continue
            raise
        for cls in getattr(mod, "SANITIZERS", ()):
            writer = cls()
            for mt in cls.media_types:
                found.setdefault(mt, writer)
    if third_party:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                cls = ep.load()
                writer = cls()
                for mt in cls.media_types:
                    found.setdefault(mt, writer)
            except Exception as exc:  # a broken plugin must not break sanitizing other formats
                warnings.warn(
                    f"clearance sanitizer {ep.name!r} ({ep.value}) failed to load: {exc}. "
                    "Reinstall it or remove it with 'pip uninstall'.",
                    stacklevel=2,
                )
    return found


__all__ = [
    "Action",
    "ActionKind",
    "CannotSanitize",
    "HiddenRows",
    "Plan",
    "Removal",
    "SanitizeOptions",
    "Sanitizer",
    "Summary",
    "Treatment",
    "sanitizers",
]
