"""clearance: stop personal data from being published by mistake.

Public API (CONTRACTS.md): ``scan(paths)`` and ``detect_text(text)``; ``load_config``;
``Registry``; the model types.
"""

from __future__ import annotations

from clearance.config.loader import Config, load_config
from clearance.model import (
    FileReport,
    Finding,
    Location,
    ScanReport,
    Span,
    Verdict,
    Visibility,
)
from clearance.registry import Registry

__version__ = "0.1.0"

__all__ = [
    "Config",
    "FileReport",
    "Finding",
    "Location",
    "Registry",
    "ScanReport",
    "Span",
    "Verdict",
    "Visibility",
    "__version__",
    "detect_text",
    "load_config",
    "scan",
]


def scan(paths, config: Config | None = None, registry: Registry | None = None) -> ScanReport:  # type: ignore[no-untyped-def]
    """Scan files or directories; returns the same content as ``clearance scan --format json``."""
    from clearance import pipeline

    return pipeline.scan([str(p) for p in paths], config=config, registry=registry)


def detect_text(text: str, config: Config | None = None, registry: Registry | None = None) -> list[Span]:
    """Run the scanner's text detectors over prose; character-offset spans."""
    from clearance import pipeline

    return pipeline.detect_text(text, config=config, registry=registry)
