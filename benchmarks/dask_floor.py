"""The floor under a sharded query: what one Dask round trip costs on a local cluster.

Usage (from the repository root, in the venv with ``pip install -e ".[cluster]"``)::

    nice -n 10 python benchmarks/dask_floor.py --calls 300

Starts a local cluster of 2 worker processes of one thread each (as searcher.cluster starts
one for 2 shards) and a client connected directly to the workers (``direct_to_workers``, as
searcher.cluster.connect does), then times calls that do no work, the ways of calling taking
turns call by call so that the machine's drift hits them alike:

* ``task 1``: ``client.submit(noop, workers=[one worker])`` and its result;
* ``task 2``: the same on both workers at once, both results;
* ``actor 1``: one method call of an actor on one worker (client to worker, no scheduler);
* ``actor 2``: one call on each of two actors, one per worker, at once, both answers;
* ``actor 2, 20 KB``: the same, each answer 20 KB of bytes (about a page of hits with snippets);
* ``actor 2, loop``: as ``actor 2``, the method run on the worker's event loop instead of its
  actor thread (Dask's ``separate_thread=False``);
* ``actor 2, loop, 1 sync``: as ``actor 2, loop``, both calls awaited in one coroutine on the
  client's event loop (one hand-over between the calling thread and that loop, not one a call).

Printed: p50 / p95 ms of each, and the CPU time of this (the client's) process per call.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time


def noop(value=None):
    return value


class Echo:
    """An actor answering at once."""

    def echo(self, size: int = 0):
        return b"x" * size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL, memory_limit=0) as cluster, \
            Client(cluster, direct_to_workers=True) as client:
        client.wait_for_workers(2)
        workers = sorted(client.scheduler_info()["workers"])
        actors = [client.submit(Echo, workers=[address], actor=True).result() for address in workers]

        def task1():
            client.submit(noop, time.perf_counter(), workers=[workers[0]], pure=False).result()

        def task2():
            client.gather([client.submit(noop, time.perf_counter(), workers=[address], pure=False)
                           for address in workers])

        def actor1():
            actors[0].echo().result()

        def actor2(size: int = 0, **options):
            for future in [actor.echo(size, **options) for actor in actors]:
                future.result()

        async def both():
            return await asyncio.gather(*[actor.echo(0, separate_thread=False) for actor in actors])

        ways = {"task 1": task1, "task 2": task2, "actor 1": actor1, "actor 2": actor2,
                "actor 2, 20 KB": lambda: actor2(20_000), "actor 2, loop": lambda: actor2(separate_thread=False),
                "actor 2, loop, 1 sync": lambda: client.sync(both)}
        for way in ways.values():  # warm: connections made, functions pickled once
            for _ in range(20):
                way()
        times: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, float] = dict.fromkeys(ways, 0.0)
        names = list(ways)
        for number in range(args.calls):
            for name in names[number % len(names):] + names[:number % len(names)]:
                start, start_cpu = time.perf_counter(), time.process_time()
                ways[name]()
                times[name].append((time.perf_counter() - start) * 1000)
                cpu[name] += time.process_time() - start_cpu
    print(f"{'way of calling':<24}{'p50 ms':>8}{'p95 ms':>8}{'client CPU ms/call':>20}")
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
        print(f"{name:<24}{statistics.median(values):>8.2f}{p95:>8.2f}{cpu[name] * 1000 / args.calls:>20.2f}")


if __name__ == "__main__":
    main()
