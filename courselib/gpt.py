"""A small decoder-only Transformer (GPT) on word tokens, and its training loop. Defined for chapter 5.4.

Chapter 5.3 builds every part of this model by hand (book/nlp/transformer.ipynb); chapter 5.4
uses it as a tool, the way a researcher uses a model they already understand, so that its
sections (decoding, scaling laws, prompting, retrieval, evaluation) spend their budget on
their own experiment. Nothing here decodes: sampling, beam search and the KV cache are what
chapter 5.4 and the *decoding* assignment teach, so they are written there.

    vocab = Vocabulary.from_sentences(corpus.tokens())
    batch = vocab.batch(corpus.tokens()[:512])          # (N, T) ids: <bos> w1 ... wn <eos> <pad>...
    model = GPT(len(vocab), d_model=64, n_layers=2, n_heads=4, max_len=batch.shape[1])
    losses = train_lm(model, batch, steps=300, generator=torch.Generator().manual_seed(seed_for(0)))
    log_p = sequence_log_probs(model, batch)             # (N,) natural-log probability of each row

Model (pre-LN, as GPT-2; Radford et al. 2019): x_0 = E[w_t] + P[t]; for each layer
x += Attn(LN(x)) with a causal mask, x += MLP(LN(x)); logits = LN(x) E^T (tied embeddings).
Padding is only ever at the end of a row, so the causal mask alone keeps it from reaching
a real position; the loss ignores the positions whose target is <pad>.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


@dataclass
class Vocabulary:
    """Word <-> id, with <pad> = 0, <bos> = 1, <eos> = 2 first and the words in sorted order."""
    words: list

    @classmethod
    def from_sentences(cls, sentences) -> "Vocabulary":
        """Every distinct token of `sentences` (lists of words) after the three specials."""
        return cls([PAD, BOS, EOS] + sorted({w for s in sentences for w in s} - {PAD, BOS, EOS}))

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def pad(self) -> int:
        return self.index[PAD]

    @property
    def bos(self) -> int:
        return self.index[BOS]

    @property
    def eos(self) -> int:
        return self.index[EOS]

    def encode(self, words) -> list:
        """Ids of `words`; a word outside the vocabulary is a KeyError, never a silent <unk>."""
        return [self.index[w] for w in words]

    def decode(self, ids) -> list:
        """Words of `ids`, specials included."""
        return [self.words[int(i)] for i in ids]

    def batch(self, sentences, bos: bool = True, eos: bool = True, length: int = None) -> torch.Tensor:
        """(N, T) long tensor: each sentence as <bos> ids <eos>, right-padded with <pad> to T
        (the longest row, or `length`)."""
        rows = [([self.bos] if bos else []) + self.encode(s) + ([self.eos] if eos else [])
                for s in sentences]
        return pad_rows(rows, self.pad, length)


def pad_rows(rows, pad_id: int, length: int = None) -> torch.Tensor:
    """Lists of ids -> (N, T) long tensor right-padded with pad_id (T = longest row or `length`)."""
    T = max(len(r) for r in rows) if length is None else length
    if any(len(r) > T for r in rows):
        raise ValueError(f"a row is longer than length={T}")
    out = torch.full((len(rows), T), pad_id, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, :len(r)] = torch.as_tensor(r, dtype=torch.long)
    return out


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t attends to positions <= t."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        assert d_model % n_heads == 0, "d_model must be a multiple of n_heads"
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):                                   # x: (B, T, D)
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)              # each (B, T, D)
        q, k, v = (z.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (B, H, T, D/H)
        return self.out(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    """Pre-LN Transformer layer: x + Attn(LN(x)), then x + MLP(LN(x)) with a 4x wide GELU MLP."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x):                                   # (B, T, D) -> (B, T, D)
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Decoder-only language model: ids (B, T) -> next-token logits (B, T, V)."""

    def __init__(self, vocab_size: int, d_model: int = 64, n_layers: int = 2, n_heads: int = 4,
                 max_len: int = 64):
        super().__init__()
        self.max_len = max_len
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.apply(_init_weights)
        for name, p in self.named_parameters():             # GPT-2: scale residual writes by depth
            if name.endswith(("attn.out.weight", "mlp.2.weight")):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * n_layers))

    def hidden(self, idx):                                  # idx: (B, T) -> (B, T, D)
        T = idx.shape[1]
        if T > self.max_len:
            raise ValueError(f"sequence of {T} tokens is longer than max_len={self.max_len}")
        x = self.embed(idx) + self.position(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x)

    def forward(self, idx):                                 # (B, T) -> (B, T, V)
        return self.hidden(idx) @ self.embed.weight.T


def _init_weights(module) -> None:
    """N(0, 0.02) weights and zero biases (GPT-2's initialisation)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def n_params(model: nn.Module, embeddings: bool = False) -> int:
    """Number of parameters; without the token and position embeddings by default, the count
    that scaling laws use (Kaplan et al. 2020)."""
    skip = set() if embeddings else {"embed.weight", "position.weight"}
    return sum(p.numel() for name, p in model.named_parameters() if name not in skip)


def lm_loss(model: nn.Module, batch: torch.Tensor, pad_id: int = 0, loss_mask=None) -> torch.Tensor:
    """Mean cross-entropy (nats) of predicting batch[:, 1:] from batch[:, :-1].

    Targets equal to pad_id are ignored; `loss_mask` (N, T-1) of bools, if given, restricts the
    loss further (e.g. to an answer after a prompt)."""
    logits = model(batch[:, :-1])                           # (N, T-1, V)
    targets = batch[:, 1:].clone()                          # (N, T-1)
    ignore = targets == pad_id
    if loss_mask is not None:
        ignore |= ~loss_mask.bool()
    targets[ignore] = -100
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def train_lm(model: nn.Module, data: torch.Tensor, steps: int, batch_size: int = 64, lr: float = 3e-3,
             generator: torch.Generator = None, pad_id: int = 0, loss_mask=None,
             warmup: int = 20, weight_decay: float = 0.0) -> list:
    """Train with AdamW on random rows of `data` (N, T); return the loss of every step.

    The learning rate warms up linearly for `warmup` steps, then decays along a cosine to 10%
    of `lr`. Rows are drawn with `generator`, so a seeded generator makes the run repeat.
    `loss_mask` (N, T-1), if given, is indexed with the same rows."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: _lr_factor(s, steps, warmup))
    losses = []
    model.train()
    for _ in range(steps):
        rows = torch.randint(len(data), (batch_size,), generator=generator)
        mask = None if loss_mask is None else loss_mask[rows]
        loss = lm_loss(model, data[rows], pad_id, mask)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return losses


def _lr_factor(step: int, steps: int, warmup: int) -> float:
    """Linear warm-up to 1, then cosine decay to 0.1 at the last step."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def sequence_log_probs(model: nn.Module, batch: torch.Tensor, pad_id: int = 0, start: int = 1,
                       chunk: int = 512) -> torch.Tensor:
    """(N,) natural-log probability of each row's tokens from position `start` on, given the
    ones before; <pad> targets are skipped. start=1 scores everything after <bos>."""
    out = []
    for rows in batch.split(chunk):
        logp = F.log_softmax(model(rows[:, :-1]), dim=-1)              # (n, T-1, V)
        targets = rows[:, 1:]
        token_logp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (n, T-1)
        keep = targets != pad_id
        keep[:, :start - 1] = False
        out.append((token_logp * keep).sum(dim=1))
    return torch.cat(out)
