"""The cluster seen from a client: a Dask client, the shards' actors, and calls to every shard.

Dask provides the processes, their placement, the transport and the failure detection; this
module only finds the worker named after each shard, keeps one actor there per shard
(searcher.cluster.host.ShardActor), and turns a lost worker into a failure named by shard.

On one machine ``Workers.local`` starts the cluster itself: a scheduler and one worker process
per shard (Dask's ``SpecCluster``, the machinery of its ``LocalCluster``, here with named
workers), each started with the preload module on its shard's folder. With a scheduler's
address (``Workers.remote``) the workers are the ones started with ``dask worker``.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searcher.errors import SearcherError

PRELOAD = "searcher.cluster.preload"
START_TIMEOUT = 120  # seconds for a local cluster's workers to start
ACTOR_TIMEOUT = 30  # seconds for a worker to take a client's actor
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler


class ShardUnavailable(SearcherError):
    """A shard's worker is not there, or was lost during a call."""


@dataclass
class Outcome:
    """What each shard answered, and why the others did not."""

    results: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # shard -> reason

    def check(self) -> None:
        """Raises ShardUnavailable naming the first shard that did not answer."""
        for name, reason in self.failed.items():
            others = f" (and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            raise ShardUnavailable(f"shard {name} did not answer{others}: {reason}")


class Workers:
    """A Dask client and the actor of each shard on the worker named after it."""

    def __init__(self, client, cluster=None):
        self.client = client
        self._cluster = cluster  # a local cluster this object started, closed with it
        self._actors: dict[str, tuple[Any, Any]] = {}  # shard -> (actor, its future)

    @classmethod
    def local(cls, folders: Mapping[str, Path], processes: bool = True) -> "Workers":
        """Starts a scheduler and one worker per shard on this machine (``processes=False``:
        threads of this process, for tests)."""
        import dask
        from distributed import Client, Nanny, Scheduler, SpecCluster, Worker

        # The workers' own logs stay quiet: failures reach the client as errors naming the shard.
        options = {"nthreads": 1, "host": "127.0.0.1", "dashboard": False, "silence_logs": logging.CRITICAL}
        if processes:
            options["memory_limit"] = 0  # shards are sized by their data, not by Dask's memory manager
        workers = {name: {"cls": Nanny if processes else Worker,
                          "options": {**options, "name": name, "preload": [PRELOAD],
                                      "preload_argv": ["--shard-dir", str(folder)]}}
                   for name, folder in folders.items()}
        scheduler = {"cls": Scheduler, "options": {"host": "127.0.0.1", "dashboard": False, "dashboard_address": ":0"}}
        with dask.config.set({"logging.distributed": "error"}):
            cluster = SpecCluster(workers=workers, scheduler=scheduler, silence_logs=logging.CRITICAL, name="searcher")
        client = Client(cluster, set_as_default=False, direct_to_workers=True)
        try:
            client.wait_for_workers(len(workers), timeout=START_TIMEOUT)
        except BaseException:
            client.close()
            cluster.close()
            raise
        return cls(client, cluster)

    @classmethod
    def remote(cls, address: str) -> "Workers":
        """Connects to the scheduler at ``address`` (tcp://HOST:PORT)."""
        from distributed import Client

        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False, direct_to_workers=True)
        except (OSError, TimeoutError) as error:
            raise SearcherError(f"cannot reach the Dask scheduler at {address} ({error}): start it with "
                                f"`dask scheduler`, or give its address with --scheduler") from error
        return cls(client)

    def close(self) -> None:
        self._actors.clear()
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def call(self, calls: Mapping[str, tuple], quick: bool = False) -> Outcome:
        """Calls ``ShardActor.run(*arguments)`` of each shard in ``calls`` (shard -> arguments),
        all at once; waits for every answer. A lost worker is a failure of its shard; an error
        raised by a shard (SearcherError) is raised here; anything else is a bug and raised too.
        ``quick``: calls of a few milliseconds (a query's), run on the workers' event loops."""
        return self.settle({name: self.call_async(name, arguments, quick) for name, arguments in calls.items()})

    def call_async(self, name: str, arguments: tuple, quick: bool = False):
        """Starts one call of a shard's actor; ``settle`` waits for it. A quick call runs on the
        worker's event loop, not in its actor thread (two hand-overs between threads less): it
        must not take long, since the worker answers nothing else meanwhile."""
        try:
            actor = self._actor(name)
            return actor.run(*arguments, separate_thread=False) if quick else actor.run(*arguments)
        except ShardUnavailable as error:
            return error
        except RuntimeError as error:
            self._actors.pop(name, None)
            return ShardUnavailable(f"its worker was lost ({error})")

    def settle(self, calls: Mapping[str, Any]) -> Outcome:
        """Waits for calls started by ``call_async`` (shard -> call), all in one wait on the
        client's event loop."""
        outcome = Outcome()
        started = {name: future for name, future in calls.items() if not isinstance(future, ShardUnavailable)}
        outcome.failed = {name: str(future) for name, future in calls.items() if name not in started}

        async def answers() -> list:
            return await asyncio.gather(*started.values(), return_exceptions=True)

        for name, answer in zip(started, self.client.sync(answers) if started else []):
            if isinstance(answer, OSError):  # Dask: "Unable to contact Actor's worker"
                self._actors.pop(name, None)
                outcome.failed[name] = f"its worker was lost during the call ({answer})"
            elif isinstance(answer, BaseException):
                raise answer
            else:
                outcome.results[name] = answer
        return outcome

    def addresses(self) -> dict[str, str]:
        """Worker name -> address, of the workers connected to the scheduler now."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return {str(info.get("name")): address for address, info in workers.items()}

    def _actor(self, name: str):
        held = self._actors.get(name)
        if held is not None and held[1].status == "finished":
            return held[0]
        from searcher.cluster.host import ShardActor

        address = self.addresses().get(name)
        if address is None:
            raise ShardUnavailable(f"no worker named {name} is connected to the scheduler: start it with "
                                   f"`dask worker SCHEDULER --name {name} --preload {PRELOAD} --shard-dir DIR`")
        future = self.client.submit(ShardActor, workers=[address], allow_other_workers=False, actor=True, pure=False,
                                    key=f"searcher-{name}-{uuid.uuid4().hex}")
        try:
            with self.client.as_current():  # the actor handle binds to the current client as it is made
                actor = future.result(timeout=ACTOR_TIMEOUT)
        except Exception as error:
            future.cancel()
            raise ShardUnavailable(f"its worker ({address}) did not take the shard's actor ({error})") from error
        self._actors[name] = (actor, future)
        return actor
