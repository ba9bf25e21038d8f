"""Writing with several processes: Whoosh's MpWriter made safe for searcher's writers.

Worker processes analyse batches of articles and each write a segment of their own, with its
ranking arrays (searcher.backend.whoosh.writer); only the parent commits the table of contents,
so a run killed at any point leaves the last commit.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import queue
import time
import signal
import sys
from collections.abc import Callable

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from searcher.backend.whoosh.collecting import collecting_by_hand
from searcher.backend.whoosh.postings import with_batched_runs
from searcher.backend.whoosh.writer import ArraysMixin, ArticleWriter
from searcher.config import IndexConfig
from searcher.errors import WorkerFailed
from searcher.model import Article, Provenance

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WORKER_POLL_SECONDS = 0.5  # how often an idle worker checks that its parent lives
RESULT_WAIT_SECONDS = 120  # how long the commit waits for a finished worker's segment
WORKER_LIMIT_MB = 128  # each worker's in-memory posting buffer


class WorkerJobs:
    """The workers' job queue. A worker ends when the process that started it is gone (killed
    before it could send the end of the jobs): no orphan keeps the inherited file descriptor of
    the writer lock, and with it the lock. The parent stops waiting for room in the queue when
    ``workers_failed()`` says the workers that would make room have died."""

    def __init__(self, jobs: queue.Queue, workers_failed: Callable[[], bool]):
        self._jobs = jobs
        self.parent = os.getpid()
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
                if os.getppid() != self.parent:
                    os._exit(1)


def die_with_parent(parent: int) -> None:
    """Has the kernel kill this worker when its parent dies (Linux: ``prctl(PR_SET_PDEATHSIG)``),
    so a worker busy analysing a batch does not run on after its parent was killed. Elsewhere,
    and as a second guard, an idle worker polls its parent's pid (``WorkerJobs.get``)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class Results:
    """The workers' result queue as the parent reads it at commit, once every worker has ended.
    Whoosh waits one second for each worker's segment and commits without it when none came (on
    a loaded machine, a worker's articles could be lost without a word); here the wait goes on,
    up to ``RESULT_WAIT_SECONDS``, while a worker that ended well has not delivered, and the
    commit is refused when a segment is still missing (``ParallelWriter._commit_toc``). A worker
    that failed delivers nothing, and is not waited for."""

    def __init__(self, results, succeeded: Callable[[], int]):
        self.queue = results
        self.succeeded = succeeded
        self.received = 0

    def get(self, timeout: float | None = None):
        deadline = time.monotonic() + RESULT_WAIT_SECONDS
        while True:
            try:
                found = self.queue.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                if self.received >= self.succeeded() or time.monotonic() > deadline:
                    raise
                continue
            self.received += 1
            return found


class ArticleTask(SubWriterTask):
    """A worker process writing the articles it is sent into a segment of its own, with an
    ArticleWriter (posting runs in batches, ranking arrays), garbage collected by hand
    (searcher.backend.whoosh.collecting)."""

    def __init__(self, storage, indexname, jobqueue, resultqueue, kwargs, index_config: IndexConfig, signature: str):
        super().__init__(storage, indexname, jobqueue, resultqueue, kwargs, multisegment=True)
        self.index_config = index_config
        self.signature = signature

    def run(self) -> None:
        die_with_parent(self.jobqueue.parent)
        try:
            self._write()
        except OSError as error:  # a full disk: one line (the parent reports the run's failure)
            print(f"searcher: an indexing worker stopped: {error.strerror or error}", file=sys.stderr, flush=True)
            sys.exit(1)

    def _write(self) -> None:
        with collecting_by_hand() as collector:
            ix = self.storage.open_index(self.indexname)
            writer = self.writer = ArticleWriter(ix, self.index_config, self.signature, _lk=False, **self.kwargs)
            while self.running:
                job = self.jobqueue.get()
                if job is None:
                    break
                self._process_file(*job)
                collector.add(job[1])
            if not self.running:
                writer.cancel()
            else:
                fieldnames = writer.pool.fieldnames
                self.resultqueue.put((None, fieldnames, writer._finalize_segment()), timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                self.writer.add_article(*pickle.load(f))
        tempstorage.delete_file(filename)


class ParallelWriter(ArraysMixin, MpWriter):
    """MpWriter sending articles to workers that analyse and write them (one segment each), that
    end with their parent, are terminated on cancel; a commit is refused when a worker failed
    (its articles would be missing). Segments merged at commit get their arrays merged here."""

    def __init__(self, ix, procs: int, index_config: IndexConfig, signature: str, **options):
        """``options``: SegmentWriter options for this writer and its workers alike."""
        super().__init__(ix, procs=procs, multisegment=True, subargs={"limitmb": WORKER_LIMIT_MB, **options}, _lk=False,
                         **options)
        self.jobqueue = WorkerJobs(self.jobqueue, self._worker_failed)
        self.resultqueue = Results(self.resultqueue, lambda: sum(task.exitcode == 0 for task in self.tasks))
        with_batched_runs(self)
        self.index_config = index_config
        self.signature = signature
        self._start_arrays()

    def add_article(self, article: Article, provenance: Provenance) -> None:
        """Queues ``article`` for a worker (pickled in batches, as Whoosh queues documents)."""
        self.docbuffer.append((article, provenance))
        if len(self.docbuffer) >= self.batchsize:
            self._enqueue()
        self._added_sub = True

    def _enqueue(self) -> None:
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for job in self.docbuffer:
                pickle.dump(job, f, pickle.HIGHEST_PROTOCOL)
        if len(self.tasks) < self.procs:
            self._new_task()
        self.jobqueue.put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _new_task(self) -> ArticleTask:
        task = ArticleTask(self.storage, self.indexname, self.jobqueue, self.resultqueue.queue, self.subargs,
                           self.index_config, self.signature)
        self.tasks.append(task)
        task.start()
        return task

    def _worker_failed(self) -> bool:
        return any(task.exitcode not in (None, 0) for task in self.tasks)

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
            task.join()
        self.columnar.cancel()
        self._arrays_done = True
        SegmentWriter.cancel(self)

    def _commit_toc(self, segments) -> None:
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed:
            raise WorkerFailed(f"{len(failed)} indexing worker process(es) failed (exit codes {failed}); "
                               "nothing of this run was committed")
        if self.resultqueue.received < len(self.tasks):
            raise WorkerFailed(f"{len(self.tasks) - self.resultqueue.received} indexing worker process(es) sent no "
                               "segment; nothing of this run was committed")
        super()._commit_toc(segments)
