import pytest
import torch

from notegen.models.data import IGNORE, encode_stream, make_documents, make_streams, split_documents
from notetokens.errors import NotegenError
from notetokens.vocab import BOS, EOS, PAD, CharVocab


def test_batches_are_contiguous_rows():
    stream = torch.arange(10, 1010)  # no id is BOS (1), which is never a target
    s = make_streams(stream, batch_size=4, seq_len=10)
    assert s.rows == 4
    x0, y0 = s.batch(0)
    x1, _ = s.batch(1)
    # row r of batch 1 continues row r of batch 0: the hidden state can be carried
    assert torch.equal(x1[:, 0], x0[:, -1] + 1)
    assert torch.equal(y0, x0 + 1)
    # all rows together read the stream once, in order
    assert torch.equal(s.inputs.flatten(), stream[: s.inputs.numel()])


def test_ranks_get_disjoint_rows():
    stream = torch.arange(1000)
    a = make_streams(stream, 4, 10, rank=0, world=2)
    b = make_streams(stream, 4, 10, rank=1, world=2)
    assert a.steps == b.steps
    assert not set(a.inputs.flatten().tolist()) & set(b.inputs.flatten().tolist())


def test_bos_is_never_a_target_and_small_corpora_shrink_the_batch():
    vocab = CharVocab.build(["abc"])
    ids = encode_stream(["ab", "cab"], vocab)
    assert ids[0] == BOS and EOS in ids.tolist()
    s = make_streams(ids, batch_size=32, seq_len=128)
    assert s.rows == 1 and s.seq_len == ids.numel() - 1
    _, y = s.batch(0)
    assert (y == IGNORE).sum() == 1  # the bos of the second document


def test_unknown_character_and_empty_corpus():
    vocab = CharVocab.build(["abc"])
    with pytest.raises(NotegenError, match="lacks"):
        encode_stream(["abz"], vocab)
    with pytest.raises(NotegenError, match="empty"):
        split_documents(["", ""], 0.1, 0)


def test_split_by_documents_or_tails():
    docs = [f"doc {i}" for i in range(40)]
    train, val = split_documents(docs, 0.1, seed=3)
    assert len(val) == 4 and sorted(train + val) == sorted(docs)
    assert split_documents(docs, 0.1, seed=3) == (train, val)
    train, val = split_documents(["x" * 100], 0.1, seed=0)
    assert train == ["x" * 90] and val == ["x" * 10]


def _docs(lengths):
    """Framed documents of the given text lengths with ids that tell them apart."""
    return [[BOS, *[10 + 100 * i + j for j in range(n)], EOS] for i, n in enumerate(lengths)]


def test_document_rows_never_mix_two_documents_in_a_chunk():
    docs = _docs([5, 30, 12, 7, 19, 3, 25, 40])
    s = make_documents(docs, batch_size=3, seq_len=8)
    assert s.rows == 3 and s.seq_len == 8
    targets_seen = []
    for i in range(s.steps):
        x, y = s.batch(i)
        keep = s.keep(i)
        for r in range(s.rows):
            real = x[r][x[r] != PAD].tolist()
            # one document per chunk (ids of document i lie in [10 + 100 i, 110 + 100 i))
            owners = {(v - 10) // 100 for v in real if v >= 10}
            assert len(owners) <= 1
            if real and real[0] == BOS:
                assert keep[r] == 0  # a document starts from the zero state
            elif real:
                assert keep[r] == 1  # ... and carries it through its later chunks
            # padding is never a target, and padding only follows the document's end
            assert (y[r][x[r] == PAD] == IGNORE).all()
            if PAD in x[r].tolist():
                first_pad = x[r].tolist().index(PAD)
                assert (x[r][first_pad:] == PAD).all()
            targets_seen += [t for t in y[r].tolist() if t != IGNORE]
    # every document's targets (all of it but the bos) appear exactly once
    expected = [t for d in docs for t in d[1:]]
    assert sorted(targets_seen) == sorted(expected)
    assert 0 < s.padding < 1


def test_document_rows_are_balanced_and_ranks_agree():
    docs = _docs([49] * 6 + [8] * 12)  # 50 and 9 targets each: 5 chunks and 1
    s = make_documents(docs, batch_size=4, seq_len=10)
    # 6 x 5 chunks + 12 x 1 chunk = 42 chunks over 4 rows: at least 11 in the
    # longest row, and the greedy fill stays within one document (5 chunks) of that
    assert 11 <= s.steps <= 11 + 5 - 1
    a = make_documents(docs, 2, 10, rank=0, world=2)
    b = make_documents(docs, 2, 10, rank=1, world=2)
    assert a.steps == b.steps and a.rows == b.rows == 2
    assert not (set(a.inputs.flatten().tolist()) & set(b.inputs.flatten().tolist())) - {PAD, BOS, EOS}
    with pytest.raises(NotegenError, match="too small"):
        make_documents(_docs([3]), 4, 10, world=2)


def test_a_stream_has_no_padding_and_no_resets():
    s = make_streams(torch.arange(10, 1010), batch_size=4, seq_len=10)
    assert s.padding == 0 and s.keep(0) is None


def test_document_rows_mix_the_corpus():
    # a corpus lists its collections one after another (here: long tunes, then
    # short ones); the first chunks of the rows must not all come from the first one
    docs = _docs([49] * 20 + [8] * 20)
    s = make_documents(docs, batch_size=8, seq_len=10)
    first = s.inputs[:, 1].tolist()  # the first id after each row's bos
    long_ids = {d[1] for d in docs[:20]}
    assert any(t in long_ids for t in first) and any(t not in long_ids for t in first)


def test_copies_of_one_document_are_held_out_together():
    docs = [f"doc {i}" for i in range(40)]
    weighted = docs + docs[:20]  # the first twenty written twice (a corpus's --parts-weight 2)
    train, val = split_documents(weighted, 0.1, seed=3)
    assert len(set(val)) == 4 and not set(val) & set(train)
    assert sorted(train + val) == sorted(weighted)


def test_a_tune_and_its_copies_in_other_keys_are_held_out_together():
    from notetokens.transpose import fiddle_copy, transposition_class

    tunes = [f"M:3/4 K:F\nF4 A4 C5 | {a}:2 {b} | F4:3" for a in ("Bb4", "A4", "G4", "E4", "D5")
             for b in ("C5", "F4", "E4", "G4")]
    copies = [fiddle_copy(t) for t in tunes]
    assert all(c is not None and c != t for c, t in zip(copies, tunes, strict=True))
    assert all(transposition_class(c) == transposition_class(t) for c, t in zip(copies, tunes, strict=True))
    assert transposition_class(tunes[0]) != transposition_class(tunes[1])
    docs = tunes + copies
    for seed in range(5):
        train, val = split_documents(docs, 0.25, seed, group=transposition_class)
        assert val and sorted(train + val) == sorted(docs)
        for t, c in zip(tunes, copies, strict=True):
            assert (t in val) == (c in val)
    # without the grouping some copy lands on the other side of its tune
    assert any((t in val) != (c in val) for seed in range(5)
               for train, val in [split_documents(docs, 0.25, seed)]
               for t, c in zip(tunes, copies, strict=True))
