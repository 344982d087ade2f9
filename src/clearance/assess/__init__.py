"""Assess: Candidates -> Findings, distinct people, special categories, small cells.

``Assessor`` streams (``add`` item by item, ``finish`` once); ``assess`` is the one-shot form.
"""

from clearance.assess.assessor import Assessor, assess

__all__ = ["Assessor", "assess"]
