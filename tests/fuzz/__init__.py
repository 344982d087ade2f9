"""Fuzz harnesses: mutate valid seed files and feed them through the whole pipeline.

``seeds`` builds small valid files per format, ``mutate`` changes them (bytes and structure),
``harness`` checks the fail-closed invariants on one input, ``run`` drives a harness for a time
budget (atheris when installed, else a seeded pure-Python loop). See bench/fuzz_report.md.
"""
