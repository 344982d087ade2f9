"""Reports: ScanReport -> bytes, pure. json (CONTRACTS.md), sarif (2.1.0), terminal (rich)."""

from clearance.reports.json import JsonReporter
from clearance.reports.sarif import SarifReporter
from clearance.reports.terminal import TerminalReporter

__all__ = ["JsonReporter", "SarifReporter", "TerminalReporter"]
