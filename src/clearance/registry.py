"""One explicit registry of plugins: plugin kind -> {name: factory}.

Built-ins register the same way third-party plugins do (entry-point groups
``clearance.extractors.v1``, ``clearance.detectors.v1``, ``clearance.reporters.v1``). No module
globals: ``Registry.default()`` builds a fresh one each call, so tests can build their own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

KINDS = ("extractors", "detectors", "reporters")


@dataclass
class Registry:
    plugins: dict[str, dict[str, Callable[..., Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    # Plugins that run only when the configuration enables them (``scan.enable``): slow or
    # model-based ones, such as the spaCy NER detector, must never change a default scan.
    optional: set[tuple[str, str]] = field(default_factory=set)

    def register(self, kind: str, name: str, factory: Callable[..., Any], *, optional: bool = False) -> None:
        if kind not in self.plugins:
            raise ValueError(f"unknown plugin kind {kind!r}; expected one of {', '.join(KINDS)}")
        self.plugins[kind][name] = factory
        if optional:
            self.optional.add((kind, name))

    def active(self, kind: str, enabled: Iterable[str] = ()) -> list[str]:
        """The plugins of ``kind`` that run: every default one, plus the enabled optional ones."""
        on = set(enabled)
        return [n for n in self.names(kind) if (kind, n) not in self.optional or n in on]

    def get(self, kind: str, name: str) -> Callable[..., Any]:
        try:
            return self.plugins[kind][name]
        except KeyError:
            known = ", ".join(sorted(self.plugins.get(kind, {}))) or "none"
            raise KeyError(f"no {kind} plugin named {name!r} (known: {known})") from None

    def names(self, kind: str) -> list[str]:
        return sorted(self.plugins[kind])

    def load_entry_points(self) -> None:
        for kind in KINDS:
            for ep in entry_points(group=f"clearance.{kind}.v1"):
                try:
                    self.register(kind, ep.name, ep.load())
                except Exception as exc:  # a broken plugin must not break scanning
                    warnings.warn(
                        f"clearance plugin {ep.name!r} ({ep.value}) failed to load: {exc}. "
                        f"Reinstall it or remove it with 'pip uninstall'.",
                        stacklevel=2,
                    )

    @classmethod
    def default(cls, *, third_party: bool = True) -> Registry:
        from clearance import builtins

        reg = cls()
        builtins.register(reg)
        if third_party:
            reg.load_entry_points()
        return reg
