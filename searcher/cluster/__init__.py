"""A sharded index on a Dask cluster (``pip install "searcher[cluster]"``): see searcher.cluster.sharded.

Whether a folder holds one is answered here, without the cluster's modules: every command asks
it of the index it opens."""
from __future__ import annotations

from pathlib import Path

CLUSTER_MANIFEST = "cluster.json"  # the cluster manifest (searcher.cluster.layout)
SCHEDULER_ENV = "SEARCHER_SCHEDULER"  # the scheduler of a cluster started with the dask commands


def is_cluster(directory: Path) -> bool:
    """Whether ``directory`` holds a sharded index."""
    return (directory / CLUSTER_MANIFEST).is_file()
