"""courselib.gpt: the shared small GPT is causal, ignores trailing padding, learns, and scores rows exactly."""
import pytest
import torch
import torch.nn.functional as F

from courselib.corpus import generate_corpus
from courselib.gpt import GPT, Vocabulary, lm_loss, n_params, pad_rows, sequence_log_probs, train_lm


def _model(vocab_size=11, seed=0, **kw):
    torch.manual_seed(seed)
    return GPT(vocab_size, d_model=16, n_layers=2, n_heads=2, max_len=12, **kw).eval()


def test_vocabulary_round_trips_and_puts_specials_first():
    sentences = generate_corpus(200, seed=3).tokens()
    vocab = Vocabulary.from_sentences(sentences)
    assert (vocab.pad, vocab.bos, vocab.eos) == (0, 1, 2)
    batch = vocab.batch(sentences[:5])
    for row, words in zip(batch, sentences[:5]):
        ids = row[row != vocab.pad].tolist()
        assert vocab.decode(ids) == ["<bos>", *words, "<eos>"]
    with pytest.raises(KeyError):
        vocab.encode(["no-such-word"])


def test_pad_rows_refuses_rows_longer_than_length():
    assert pad_rows([[5, 6], [7]], pad_id=0).tolist() == [[5, 6], [7, 0]]
    with pytest.raises(ValueError):
        pad_rows([[1, 2, 3]], pad_id=0, length=2)


def test_a_later_token_never_changes_an_earlier_logit():
    model = _model(seed=1)
    g = torch.Generator().manual_seed(1)
    idx = torch.randint(11, (3, 10), generator=g)
    changed = idx.clone()
    changed[:, 6:] = torch.randint(11, (3, 4), generator=g)
    a, b = model(idx), model(changed)
    assert torch.allclose(a[:, :6], b[:, :6], atol=1e-6)
    assert not torch.allclose(a[:, 6:], b[:, 6:], atol=1e-3)


def test_sequence_log_probs_equal_the_sum_of_token_log_probabilities():
    model = _model(seed=2)
    batch = pad_rows([[1, 4, 5, 6, 2], [1, 7, 2], [1, 3, 3, 3, 3, 3, 2]], pad_id=0)
    logp = F.log_softmax(model(batch[:, :-1]), dim=-1)
    expected = torch.stack([
        sum(logp[i, t, batch[i, t + 1]] for t in range(len(row) - 1))
        for i, row in enumerate([[1, 4, 5, 6, 2], [1, 7, 2], [1, 3, 3, 3, 3, 3, 2]])])
    assert torch.allclose(sequence_log_probs(model, batch), expected, atol=1e-5)
    # start=3 drops the first two predicted tokens
    later = sequence_log_probs(model, batch, start=3)
    assert torch.allclose(later[0], logp[0, 2, 6] + logp[0, 3, 2], atol=1e-5)


def test_training_learns_a_deterministic_sequence_and_the_mask_restricts_the_loss():
    model = _model(seed=3)
    data = torch.tensor([[1, 3, 4, 5, 6, 7, 8, 2]] * 8)
    before = lm_loss(model, data).item()
    losses = train_lm(model, data, steps=150, batch_size=8, lr=1e-2, generator=torch.Generator().manual_seed(0))
    assert len(losses) == 150 and losses[-1] < 0.05 < before
    mask = torch.zeros(8, 7, dtype=torch.bool)
    mask[:, -1] = True                                        # only the <eos> prediction
    logits = model(data[:, :-1])
    assert lm_loss(model, data, loss_mask=mask).item() == pytest.approx(
        F.cross_entropy(logits[:, -1], data[:, -1]).item(), rel=1e-5)


def test_n_params_leaves_out_embeddings_unless_asked():
    model = _model(vocab_size=11)
    embeddings = 11 * 16 + 12 * 16
    assert n_params(model, embeddings=True) - n_params(model) == embeddings
    assert n_params(model, embeddings=True) == sum(p.numel() for p in model.parameters())


def test_longer_than_max_len_is_refused():
    with pytest.raises(ValueError, match="max_len"):
        _model()(torch.zeros(1, 13, dtype=torch.long))
