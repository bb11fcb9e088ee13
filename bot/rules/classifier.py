"""A small discriminative classifier over the rules' own wording: which entry is this question for?

The lexical matcher in ``bot.rules.engine`` scores how much of a question an entry covers; it cannot
learn that, say, 学时 decides between two entries while 不够 or 怎么办 decide nothing. A
multinomial logistic regression trained on every entry's question variants, title, keywords and
answer learns exactly those weights from the knowledge base itself. Its log-probabilities are one
more ranking signal next to the lexical scores, not a replacement for them.

Features are sparse (a question touches a few dozen words and bigrams), so the design matrix is a
scipy CSR matrix and L-BFGS fits the bundled KB (~4,000 texts, 126 classes) in about a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix

#: L2 penalty (per unit of total sample weight); keeps a rare word from deciding alone
L2 = 1e-4
MAX_ITER = 200
MIN_DOCS = 2


@dataclass
class SoftmaxClassifier:
    """Weights ``W[feature, class]`` and biases; ``vocab`` maps feature strings to rows."""

    vocab: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def fit(
        cls,
        docs: Sequence[tuple[int, Sequence[str], float]],
        n_classes: int,
        *,
        l2: float = L2,
        max_iter: int = MAX_ITER,
        init: SoftmaxClassifier | None = None,
    ) -> SoftmaxClassifier:
        """Train on ``(class, features, sample weight)`` documents.

        ``init`` (a model fitted on nearly the same documents, e.g. before one taught question
        was added) is the starting point, so a refit takes a few steps instead of a full fit.
        """
        # a feature seen in a single text cannot generalise; leaving it out halves the model
        seen = Counter(f for _c, feats, _w in docs for f in set(feats))
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for d, (_c, feats, _w) in enumerate(docs):
            for f in dict.fromkeys(feats):
                if seen[f] >= MIN_DOCS:
                    rows.append(d)
                    cols.append(vocab.setdefault(f, len(vocab)))
        n_docs, n_feats = len(docs), len(vocab)
        row = np.asarray(rows, dtype=np.int64)
        # binary features scaled to unit length, so a long answer text weighs like a question
        lengths = np.bincount(row, minlength=n_docs).astype(np.float64)
        val = 1.0 / np.sqrt(np.maximum(lengths[row], 1.0))
        x = csr_matrix((val, (row, np.asarray(cols, dtype=np.int64))), shape=(n_docs, n_feats))
        xt = x.T.tocsr()
        y = np.asarray([c for c, _f, _w in docs], dtype=np.int64)
        sw = np.asarray([w for _c, _f, w in docs], dtype=np.float64)
        sw = sw / sw.sum()
        labels = np.arange(n_docs)
        size = n_feats * n_classes

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w = theta[:size].reshape(n_feats, n_classes)
            b = theta[size:]
            logits = x @ w + b
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            z = p.sum(axis=1)
            nll = float(sw @ (np.log(z) - logits[labels, y]))
            p /= z[:, None]
            p[labels, y] -= 1.0
            p *= sw[:, None]
            grad_w = xt @ p + l2 * w
            value = nll + 0.5 * l2 * float((w * w).sum())
            return value, np.concatenate([grad_w.ravel(), p.sum(axis=0)])

        theta0 = np.zeros(size + n_classes)
        if init is not None and init.bias.shape == (n_classes,):
            start = theta0[:size].reshape(n_feats, n_classes)
            for f, k in vocab.items():
                j = init.vocab.get(f)
                if j is not None:
                    start[k] = init.weights[j]
            theta0[size:] = init.bias
        res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "maxcor": 5})
        theta = res.x
        return cls(vocab, theta[:size].reshape(n_feats, n_classes), theta[size:].copy())

    def log_proba(self, feats: Sequence[str]) -> np.ndarray:
        """Log-probability of every class for one question's features."""
        idx = sorted({self.vocab[f] for f in feats if f in self.vocab})
        logits = self.bias.copy()
        if idx:
            logits += self.weights[idx].sum(axis=0) / np.sqrt(len(idx))
        logits -= logits.max()
        out: np.ndarray = logits - np.log(np.exp(logits).sum())
        return out
