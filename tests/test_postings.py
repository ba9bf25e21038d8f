"""The writer's posting pool: runs spilled to temporary files come back complete and in order."""
from __future__ import annotations

import random

from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from searcher.backend.whoosh.postings import RUN_BATCH, BatchedPostingPool


def postings(n: int, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    words = [f"w{k}".encode() for k in range(500)]
    return [(rng.choice(["content", "body"]), rng.choice(words), rng.randrange(10_000), rng.random() * 3,
             None if rng.random() < 0.1 else bytes([rng.randrange(256)])) for _ in range(n)]


def pooled(pool_class, items: list[tuple], limitmb: float, directory) -> tuple[list[tuple], int]:
    directory.mkdir()
    pool = pool_class(FileStorage(str(directory)), segment=None, limitmb=limitmb)
    for item in items:
        pool.add(item)
    runs = len(pool.runs)
    return list(pool.iter_postings()), runs


def test_spilled_runs_merge_to_whooshs_order(tmp_path):
    items = postings(2 * RUN_BATCH + 3_000)  # runs longer than one marshalled batch
    ours, runs = pooled(BatchedPostingPool, items, 2.0, tmp_path / "ours")
    whooshs, _ = pooled(PostingPool, items, 2.0, tmp_path / "whooshs")
    assert runs >= 3  # the limit forced spills, so runs were written and read back
    assert ours == whooshs == sorted(items)


def test_pool_without_spill_is_whooshs(tmp_path):
    items = postings(1_000)
    ours, runs = pooled(BatchedPostingPool, items, 128, tmp_path / "ours")
    assert runs == 0 and ours == sorted(items)


def test_spilled_runs_leave_no_temporary_files(tmp_path):
    pooled(BatchedPostingPool, postings(RUN_BATCH), 1.0, tmp_path / "ours")
    assert list((tmp_path / "ours").iterdir()) == []
