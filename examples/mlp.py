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


def sample_arguments(batch=8, inputs=5, hidden=4, classes=3, seed=0):
    """(W1, b1, W2, b2, x, labels): small random weights, a batch and one-hot labels."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, inputs))
    labels = np.eye(classes)[rng.integers(0, classes, batch)]
    return (0.3 * rng.standard_normal((inputs, hidden)), np.zeros(hidden),
            0.3 * rng.standard_normal((hidden, classes)), np.zeros(classes), x, labels)


EXAMPLE_ARGS = {"loss": sample_arguments()}    # the arguments generated/mlp.py is written for


if __name__ == "__main__":
    args = sample_arguments()
    value, grads = s2sad.value_and_grad(loss)(*args)
    print("loss =", value)
    print("gradient shapes:", [g.shape for g in grads])
    print()
    print(s2sad.source(loss, args=args))
