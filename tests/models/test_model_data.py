import pytest
import torch

from notegen.models.data import IGNORE, encode_stream, make_streams, split_documents
from notetokens.errors import NotegenError
from notetokens.vocab import BOS, EOS, CharVocab


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
