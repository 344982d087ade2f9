"""Built-in plugins, registered exactly as third-party entry points are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clearance.config.loader import RuleSet
    from clearance.registry import Registry


def _xlsx() -> Any:
    from clearance.extractors.xlsx import XlsxExtractor

    return XlsxExtractor()


def _calamine() -> Any:
    from clearance.extractors.calamine_sheets import CalamineExtractor

    return CalamineExtractor()


def _delimited() -> Any:
    from clearance.extractors.delimited import DelimitedExtractor

    return DelimitedExtractor()


def _text() -> Any:
    from clearance.extractors.text import TextExtractor

    return TextExtractor()


def _archive() -> Any:
    from clearance.extractors.archive import ArchiveExtractor

    return ArchiveExtractor()


def _pdf() -> Any:
    from clearance.extractors.pdf import PdfExtractor

    return PdfExtractor()


def _image() -> Any:
    from clearance.extractors.ocr import ImageExtractor

    return ImageExtractor()


def _docx() -> Any:
    from clearance.extractors.docx import DocxExtractor

    return DocxExtractor()


def _pptx() -> Any:
    from clearance.extractors.pptx import PptxExtractor

    return PptxExtractor()


def _odt() -> Any:
    from clearance.extractors.odf_text import OdtExtractor

    return OdtExtractor()


def _html() -> Any:
    from clearance.extractors.html import HtmlExtractor

    return HtmlExtractor()


def _xml() -> Any:
    from clearance.extractors.xml_doc import XmlExtractor

    return XmlExtractor()


def _email() -> Any:
    from clearance.extractors.email_msg import EmailExtractor

    return EmailExtractor()


def _rtf() -> Any:
    from clearance.extractors.rtf import RtfExtractor

    return RtfExtractor()


def _rules(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.rules import RuleDetector

    return RuleDetector(rules, reference_year=year)


def _names(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.names import NameDetector

    return NameDetector(rules)


def _ner(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.ner import NerDetector

    return NerDetector(rules)


def _categories(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.categories import CategoryDetector

    return CategoryDetector(rules)


def _roles(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.roles import RoleDetector

    return RoleDetector(rules)


def _columns(rules: RuleSet, year: int) -> Any:
    from clearance.detectors.columns import ColumnDetector

    return ColumnDetector(rules, reference_year=year)


def _json() -> Any:
    from clearance.reports.json import JsonReporter

    return JsonReporter()


def _sarif() -> Any:
    from clearance.reports.sarif import SarifReporter

    return SarifReporter()


def _terminal() -> Any:
    from clearance.reports.terminal import TerminalReporter

    return TerminalReporter()


def register(reg: Registry) -> None:
    for name, factory in {
        "xlsx": _xlsx,
        "calamine": _calamine,
        "delimited": _delimited,
        "text": _text,
        "archive": _archive,
        "pdf": _pdf,
        "image": _image,
        "docx": _docx,
        "pptx": _pptx,
        "odt": _odt,
        "html": _html,
        "xml": _xml,
        "email": _email,
        "rtf": _rtf,
    }.items():
        reg.register("extractors", name, factory)
    for name, factory in {
        "rules": _rules,
        "names": _names,
        "categories": _categories,
        "roles": _roles,
        "columns": _columns,
    }.items():
        reg.register("detectors", name, factory)
    from clearance.detectors.ner import ner_available  # the `ner` extra: only when importable

    if ner_available():
        reg.register("detectors", "ner", _ner, optional=True)  # on with `scan.enable = ["ner"]`
    for name, factory in {"json": _json, "sarif": _sarif, "terminal": _terminal}.items():
        reg.register("reporters", name, factory)
