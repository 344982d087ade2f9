"""Fake-data generators for tests and examples (Faker only; every value is invented).

``people`` makes fake detainees; ``workbooks`` hides them in leak-shaped xlsx files (one per
placement) or writes clean aggregate workbooks; ``tables`` writes CSV/TSV.
"""
