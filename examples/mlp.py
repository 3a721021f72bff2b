"""A two-layer tanh network's softmax cross-entropy loss, differentiated w.r.t. its weights.
Run: python examples/mlp.py
"""
import numpy as np

import s2sad


@s2sad.differentiate(wrt=("W1", "b1", "W2", "b2"))
def loss(W1, b1, W2, b2, x, labels):
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * labels, axis=1))


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5))
    labels = np.eye(3)[rng.integers(0, 3, 8)]
    params = (0.3 * rng.standard_normal((5, 4)), np.zeros(4),
              0.3 * rng.standard_normal((4, 3)), np.zeros(3))
    value, grads = s2sad.value_and_grad(loss)(*params, x, labels)
    print("loss =", value)
    print("gradient shapes:", [g.shape for g in grads])
    print()
    print(s2sad.source(loss, args=params + (x, labels)))
