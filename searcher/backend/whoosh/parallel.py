"""Writing with several processes: Whoosh's MpWriter made safe for searcher's writers.

Worker processes analyse batches of articles and each write a segment of their own; only the
parent commits the table of contents, so a run killed at any point leaves the last commit.
"""
from __future__ import annotations

import os
import queue
from collections.abc import Callable

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from searcher.backend.whoosh.collecting import collecting_by_hand
from searcher.backend.whoosh.postings import with_batched_runs
from searcher.errors import WorkerFailed

WORKER_POLL_SECONDS = 0.5  # how often an idle worker checks that its parent lives
WORKER_LIMIT_MB = 128  # each worker's in-memory posting buffer


class WorkerJobs:
    """The workers' job queue. A worker ends when the process that started it is gone (killed
    before it could send the end of the jobs): no orphan keeps the inherited file descriptor of
    the writer lock, and with it the lock. The parent stops waiting for room in the queue when
    ``workers_failed()`` says the workers that would make room have died."""

    def __init__(self, jobs: queue.Queue, workers_failed: Callable[[], bool]):
        self._jobs = jobs
        self._parent = os.getpid()
        self._workers_failed = workers_failed

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_workers_failed": None}  # the parent's alone

    def put(self, job) -> None:
        while True:
            try:
                return self._jobs.put(job, timeout=WORKER_POLL_SECONDS)
            except queue.Full:
                if self._workers_failed():
                    raise WorkerFailed("an indexing worker process failed (its error is printed above); "
                                       "nothing of this run was committed") from None

    def get(self):
        while True:
            try:
                return self._jobs.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                if os.getppid() != self._parent:
                    os._exit(1)


class BatchedRunsTask(SubWriterTask):
    """A worker process whose segment writer writes its posting runs in batches
    (searcher.backend.whoosh.postings; the task makes that writer itself, before its first job),
    with garbage collected by hand (searcher.backend.whoosh.collecting)."""

    def run(self) -> None:
        with collecting_by_hand() as self.collector:
            super().run()

    def _process_file(self, filename: str, doc_count: int) -> None:
        with_batched_runs(self.writer)
        super()._process_file(filename, doc_count)
        self.collector.add(doc_count)


class ParallelWriter(MpWriter):
    """MpWriter with one segment per worker, workers that end with their parent, terminated on
    cancel, and a commit refused when a worker failed (its articles would be missing)."""

    def __init__(self, ix, procs: int, **options):
        """``options``: SegmentWriter options for this writer and its workers alike."""
        super().__init__(ix, procs=procs, multisegment=True, subargs={"limitmb": WORKER_LIMIT_MB, **options}, _lk=False,
                         **options)
        self.jobqueue = WorkerJobs(self.jobqueue, self._worker_failed)
        with_batched_runs(self)

    def _new_task(self) -> BatchedRunsTask:
        task = BatchedRunsTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                               self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def _worker_failed(self) -> bool:
        return any(task.exitcode not in (None, 0) for task in self.tasks)

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
            task.join()
        SegmentWriter.cancel(self)

    def _commit_toc(self, segments) -> None:
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed:
            raise WorkerFailed(f"{len(failed)} indexing worker process(es) failed (exit codes {failed}); "
                               "nothing of this run was committed")
        super()._commit_toc(segments)
