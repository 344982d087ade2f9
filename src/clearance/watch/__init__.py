"""``clearance watch``: find what is published, within a minute, and what changed.

Built on the pipeline, never the other way round: sources.http fetches, pipeline scans,
watch decides what to fetch, compares versions (drift), checks the gate and alerts.
"""
