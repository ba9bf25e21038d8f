"""The Dask preload module of a shard's worker: opens the shard from this machine's disk.

    dask worker tcp://SCHEDULER:8786 --name shard-0 --nthreads 1 \\
        --preload searcher.cluster.preload --shard-dir /data/news/shard-0

The worker's name says which shard of the cluster it holds (``shard-N``); ``--shard-dir`` is
that shard's folder on this machine (made on the cluster's first run when it does not exist).
Dask runs ``dask_setup`` when the worker starts, and again in a worker its nanny restarts.
"""
from __future__ import annotations

import click

from searcher.cluster.host import PLUGIN, ShardPlugin


@click.command()
@click.option("--shard-dir", required=True, type=click.Path(file_okay=False),
              help="The folder of the shard this worker holds.")
async def dask_setup(worker, shard_dir: str) -> None:
    await worker.plugin_add(ShardPlugin(shard_dir), name=PLUGIN)
