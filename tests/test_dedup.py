"""Near-duplicate signatures and grouping (searcher.dedup)."""
from __future__ import annotations

from searcher import dedup
from searcher.analysis.article import analyse
from searcher.config import IndexConfig, RankingConfig
from searcher.model import Article

THRESHOLD = RankingConfig().near_duplicate_threshold
STORY = "Het kabinet presenteert een nieuw plan voor de woningmarkt waarin starters voorrang krijgen bij nieuwbouw"
OTHER = "Iets totaal anders over het weer morgen in Utrecht en de omgeving met veel regen en wind"


def signature(text: str, lang: str = "nl", title: str = "") -> bytes:
    """The signature indexing gives an article with this title and body."""
    article = Article(id="a", title=title, body=text, lang=lang, date=None, path="", source=None, url=None,
                      content_hash="", derived_title=not title)
    return analyse(article, IndexConfig()).signature


def test_copies_agree_and_unrelated_texts_do_not():
    assert dedup.similarity(signature(STORY), signature(STORY)) == 1.0
    assert dedup.similarity(signature(STORY), signature(STORY + " en huurders")) > THRESHOLD
    assert dedup.similarity(signature(STORY), signature(OTHER)) < THRESHOLD


def test_signatures_fold_spelling_variants():
    assert signature("رئیس‌جمهور روسیه با ترامپ تلفنی گفتگو کرد و درباره ایران سخن گفت", "fa") == signature(
        "رئيس جمهور روسيه با ترامپ تلفنی گفتگو کرد و درباره ايران سخن گفت", "fa"
    )


def test_groups_are_led_by_the_best_ranked_copy():
    story, other = signature(STORY), signature(OTHER)
    assert dedup.group_leaders([other, story, None, story], THRESHOLD) == [0, 1, 2, 1]
    assert dedup.signature([]) is None


def test_headlines_with_a_label_for_body_are_told_apart_by_their_titles():
    first = signature("Video", title="Kabinet presenteert plan voor de woningmarkt")
    second = signature("Video", title="Storm zorgt voor overlast in Utrecht")
    assert dedup.similarity(first, second) < THRESHOLD
    assert signature("", title="Alleen een kop")


def pairwise_leaders(signatures: list[bytes | None], threshold: float) -> list[int]:
    """Grouping as the definition says, by comparing each item with every earlier leader."""
    leaders: list[int] = []
    assigned = []
    for position, value in enumerate(signatures):
        if value is None:
            assigned.append(position)
            continue
        best = max(leaders, key=lambda leader: dedup.similarity(signatures[leader], value), default=None)
        if best is not None and dedup.similarity(signatures[best], value) >= threshold:
            assigned.append(best)
        else:
            leaders.append(position)
            assigned.append(position)
    return assigned


def edited_signatures(count: int, seed: int) -> list[bytes | None]:
    """Signatures of originals and of copies agreeing with one of them in 20 to 64 positions
    (around every threshold), a few missing, in a shuffled order."""
    import random
    import struct

    rng = random.Random(seed)
    originals = [[rng.randrange(1 << 32) for _ in range(dedup.NUM_PERM)] for _ in range(count // 3)]
    items: list[bytes | None] = []
    for _ in range(count):
        if rng.random() < 0.05:
            items.append(None)
            continue
        values = list(rng.choice(originals))
        for position in rng.sample(range(dedup.NUM_PERM), rng.randint(0, 44)):
            values[position] = rng.randrange(8)  # small values: unrelated signatures share some
        items.append(struct.pack(f"<{dedup.NUM_PERM}I", *values))
    return items


def test_grouping_fed_in_chunks_equals_the_pairwise_definition():
    for seed, threshold in ((1, THRESHOLD), (2, 0.8), (3, 0.3)):
        items = edited_signatures(600, seed)
        expected = pairwise_leaders(items, threshold)
        assert dedup.group_leaders(items, threshold) == expected
        values, present = dedup.as_matrix(items)
        for chunks in (((0, 1), (1, 7), (8, 100), (108, 492)), ((0, 256), (256, 344)), ((0, 600),)):
            grouper = dedup.Grouper(threshold)
            fed = []
            for start, size in chunks:
                fed += grouper.add(values[start:start + size], present[start:start + size]).tolist()
            assert fed == expected, chunks
        assert len(set(expected)) < len(items) - 30  # copies were folded


def test_grouping_from_the_pairs_of_a_larger_set_equals_the_pairwise_definition():
    """Folding from the similar pairs of a whole index: any of its items, in any rank order,
    group as the definition (and the Grouper) groups them."""
    import random

    import numpy as np

    for seed, threshold in ((5, THRESHOLD), (6, 0.8), (7, 0.3), (8, 1.01)):
        items = edited_signatures(600, seed)
        pairs = dedup.similar_pairs(*dedup.as_matrix(items), threshold)
        rng = random.Random(seed)
        for size in (0, 1, 100, 600):
            ranked = rng.sample(range(len(items)), size)
            expected = pairwise_leaders([items[item] for item in ranked], threshold)
            assert dedup.leaders_from_pairs(np.array(ranked, dtype=np.int64), pairs).tolist() == expected
        if threshold < 1:
            assert len(pairs.others) > 30  # copies were paired
    assert dedup.similar_pairs(*dedup.as_matrix(edited_signatures(50, 4)), 0.0) is None  # every pair


def test_thresholds_of_nothing_and_everything():
    items = edited_signatures(50, 4)
    present = [i for i, value in enumerate(items) if value is not None]
    assert dedup.group_leaders(items, 0.0) == [present[0] if value is not None else i for i, value in enumerate(items)]
    assert dedup.group_leaders(items, 1.01) == list(range(len(items)))
    assert dedup.group_leaders(items, 0.0) == pairwise_leaders(items, 0.0)


def _rank_files(index_dir):
    return sorted(index_dir.glob("gen-*/*.rank"))


def test_ranking_arrays_without_signatures_are_rebuilt_with_them(make_index):
    """Rank files of format 1 (before the signatures were kept in them) read as stale: opening
    the index rebuilds them, each document's row the signature its Whoosh column holds, and
    folding finds the copy."""
    import struct
    import zlib

    from whoosh import index as whoosh_index

    from searcher import open_index
    from searcher.backend.whoosh.columnar import ColumnarSegment
    from searcher.backend.whoosh.store import INDEX_NAME

    index = make_index({"id": "story", "text": STORY}, {"id": "copy", "text": STORY + " vandaag"},
                       {"id": "other", "text": OTHER}, {"id": "empty", "text": "", "title": "de het"})
    folder = index.path
    index.close()
    for path in _rank_files(folder):
        data = bytearray(path.read_bytes())
        data[8:12] = struct.pack("<I", 1)
        data[44:48] = struct.pack("<I", zlib.crc32(bytes(data[:44])))
        path.write_bytes(bytes(data))
    with open_index(folder) as reopened:
        page = reopened.search("kabinet woningmarkt", group=True, suggest=False)
        [hit] = page.hits
        assert {hit.id, *hit.similar} == {"story", "copy"}
    [generation] = {path.parent for path in _rank_files(folder)}
    with whoosh_index.open_dir(str(generation), indexname=INDEX_NAME).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            column = leaf.column_reader("dup_signature")
            with ColumnarSegment.open(generation / leaf.segment().make_filename(".rank")) as segment:
                rows = [row.tobytes() if mark else b"" for row, mark in zip(segment.minhash, segment.has_minhash)]
                assert rows == [column[docnum] for docnum in range(leaf.doc_count_all())]
                assert b"" in rows  # the article without content words has none


def test_verify_names_a_damaged_signature_array(make_index):
    from searcher.backend.whoosh.columnar import ColumnarSegment

    index = make_index({"id": "story", "text": STORY}, {"id": "other", "text": OTHER})
    [path] = _rank_files(index.path)
    with ColumnarSegment.open(path) as segment:
        offset = segment._meta["arrays"]["doc.minhash"]["offset"]
    data = bytearray(path.read_bytes())
    data[offset + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = index.verify().problems
    assert any(path.name in problem and "doc.minhash: checksum does not match" in problem for problem in problems), problems
