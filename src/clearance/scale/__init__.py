"""Scale-out scanning (the ``[scale]`` extra): the pipeline on Ray, sources at scale (manifests,
URL lists, object storage), the incremental-scan cache and streaming report files. Built on
``clearance.pipeline``, never the other way round."""

from clearance.scale.engine import EngineOptions, Summary, scan_source

__all__ = ["EngineOptions", "Summary", "scan_source"]
