"""Exception hierarchy and exit statuses (CONTRACTS.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # every file passed
    FINDINGS = 1  # at least one file blocked or needs review
    USAGE = 2  # usage or configuration error
    UNSCANNABLE = 3  # at least one file unscannable, none blocked


class ClearanceError(Exception):
    """Base class of clearance's own errors."""


class ConfigError(ClearanceError):
    """A configuration, rule or policy file is invalid. The message names file, rule and field."""


class UsageError(ClearanceError):
    """The command line asks for something impossible."""
