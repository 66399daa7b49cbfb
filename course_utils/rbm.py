"""A Bernoulli restricted Boltzmann machine trained by contrastive divergence (CD-k), in TensorFlow."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def check_binary_data(v, n_visible: int | None = None) -> np.ndarray:
    """Return `v` as float32 (N, n_visible) after checking it is finite and in [0, 1]."""
    v = np.asarray(v)
    if v.ndim != 2:
        raise ValueError(
            f"An RBM takes a 2-D array (examples, visible units), got shape {v.shape}: "
            "flatten images first, e.g. x.reshape(len(x), -1)."
        )
    if not np.issubdtype(v.dtype, np.number) and v.dtype != bool:
        raise TypeError(f"RBM input must be numeric, got dtype {v.dtype}.")
    v = v.astype(np.float32)
    if not np.all(np.isfinite(v)):
        raise ValueError("RBM input must be finite: it holds NaN or inf values.")
    if v.size and (v.min() < 0 or v.max() > 1):
        raise ValueError(
            "RBM input must be in [0, 1] (probabilities or binary pixels), "
            f"got values in [{v.min():.3g}, {v.max():.3g}]: scale by 1/255 or binarise (x > 0.5)."
        )
    if n_visible is not None and v.shape[1] != n_visible:
        raise ValueError(f"This RBM has {n_visible} visible units, got data with {v.shape[1]} columns.")
    return v


def _positive(value, name: str, kind=int):
    """Return `value` if it is a positive int (or, for kind=float, any real number), else raise."""
    allowed = (int, np.integer) if kind is int else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise TypeError(f"{name} must be a positive {kind.__name__}, got {value!r}.")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}.")
    return value


class BernoulliRBM(keras.layers.Layer):
    """Binary visible and hidden units; `call(v)` gives p(h=1|v), so trained RBMs stack into a DBN."""

    def __init__(
        self, n_hidden: int, *, k: int = 1, learning_rate: float = 0.05, seed: int = 0, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.n_hidden = int(_positive(n_hidden, "n_hidden"))
        self.k = int(_positive(k, "k (Gibbs steps per update)"))
        self.learning_rate = float(_positive(learning_rate, "learning_rate", float))
        self.seed = int(seed)
        self._rng = tf.random.Generator.from_seed(self.seed)

    def build(self, input_shape) -> None:
        """Create W (visible x hidden) with small random values, and zero biases."""
        n_visible = int(input_shape[-1])
        init = keras.initializers.RandomNormal(stddev=0.01, seed=self.seed)
        self.W = self.add_weight(shape=(n_visible, self.n_hidden), initializer=init, name="W")
        self.visible_bias = self.add_weight(shape=(n_visible,), initializer="zeros", name="visible_bias")
        self.hidden_bias = self.add_weight(shape=(self.n_hidden,), initializer="zeros", name="hidden_bias")

    @property
    def n_visible(self) -> int:
        """Number of visible units (known once the layer is built)."""
        if not self.built:
            raise RuntimeError("The RBM is not built yet: call fit(x) or rbm.build((None, n_visible)).")
        return int(self.W.shape[0])

    def call(self, v):
        """p(h = 1 | v) = sigmoid(v W + c)."""
        return self.hidden_probs(v)

    def hidden_probs(self, v):
        """p(h = 1 | v) = sigmoid(v W + c)."""
        return tf.sigmoid(tf.matmul(v, self.W) + self.hidden_bias)

    def visible_probs(self, h):
        """p(v = 1 | h) = sigmoid(h W^T + b)."""
        return tf.sigmoid(tf.matmul(h, self.W, transpose_b=True) + self.visible_bias)

    def sample_bernoulli(self, p):
        """Draw binary units that are 1 with probability p."""
        return tf.cast(self._rng.uniform(tf.shape(p)) < p, tf.float32)

    def free_energy(self, v):
        """F(v) = -b.v - sum_j log(1 + exp(c_j + v W_j)); p(v) is proportional to exp(-F(v))."""
        v = tf.convert_to_tensor(v, tf.float32)
        visible_term = tf.linalg.matvec(v, self.visible_bias)
        hidden_term = tf.reduce_sum(tf.math.softplus(tf.matmul(v, self.W) + self.hidden_bias), axis=1)
        return -visible_term - hidden_term

    def gibbs(self, v, steps: int = 1):
        """Run `steps` rounds of v -> h -> v Gibbs sampling; return the last visible probabilities and sample."""
        steps = int(_positive(steps, "steps"))
        return self._gibbs_chain(tf.convert_to_tensor(v, tf.float32), tf.constant(steps))

    @tf.function(reduce_retracing=True)
    def _gibbs_chain(self, v_sample, steps):
        """The chain as one compiled loop (eager Python steps made long chains slow)."""
        v_prob = v_sample
        for _ in tf.range(steps):
            h_sample = self.sample_bernoulli(self.hidden_probs(v_sample))
            v_prob = self.visible_probs(h_sample)
            v_sample = self.sample_bernoulli(v_prob)
        return v_prob, v_sample

    @tf.function(reduce_retracing=True)
    def _cd_update(self, v0):
        """One CD-k update on a batch; returns the batch's mean squared reconstruction error."""
        h0 = self.hidden_probs(v0)
        h_sample = self.sample_bernoulli(h0)
        for _ in range(self.k):
            v_prob = self.visible_probs(h_sample)
            v_sample = self.sample_bernoulli(v_prob)
            hk = self.hidden_probs(v_sample)
            h_sample = self.sample_bernoulli(hk)
        n = tf.cast(tf.shape(v0)[0], tf.float32)
        # Positive phase (data) minus negative phase (the chain after k steps), averaged over the batch.
        self.W.assign_add(
            self.learning_rate
            * (tf.matmul(v0, h0, transpose_a=True) - tf.matmul(v_sample, hk, transpose_a=True))
            / n
        )
        self.visible_bias.assign_add(self.learning_rate * tf.reduce_mean(v0 - v_sample, axis=0))
        self.hidden_bias.assign_add(self.learning_rate * tf.reduce_mean(h0 - hk, axis=0))
        return tf.reduce_mean(tf.square(v0 - v_prob))

    def _checked_input(self, v) -> np.ndarray:
        """Check training data (see `check_binary_data`) and build the layer on first use."""
        v = check_binary_data(v, self.n_visible if self.built else None)
        if not self.built:
            self.build(v.shape)
        return v

    def cd_step(self, v) -> float:
        """Apply one contrastive-divergence update to a batch and return its reconstruction error."""
        return float(self._cd_update(tf.constant(self._checked_input(v))))

    def reconstruction_error(self, v) -> float:
        """Mean squared error between v and its mean-field reconstruction p(v | p(h | v)) (no sampling)."""
        v = check_binary_data(v, self.n_visible)
        return float(tf.reduce_mean(tf.square(v - self.visible_probs(self.hidden_probs(v)))))

    def fit(
        self, x, *, epochs: int = 5, batch_size: int = 64, shuffle_seed: int = 0
    ) -> dict[str, list[float]]:
        """Train by CD-k; return per-epoch `reconstruction_error` and mean `free_energy` of the data.

        `x` holds binary pixels or probabilities in [0, 1]: a grey value is read as the probability that
        the pixel is on (the positive phase uses it as is, as in Hinton's practical guide); anything
        outside [0, 1] is refused.
        """
        epochs, batch_size = int(_positive(epochs, "epochs")), int(_positive(batch_size, "batch_size"))
        x = self._checked_input(x)
        rng = np.random.default_rng(shuffle_seed)
        history: dict[str, list[float]] = {"reconstruction_error": [], "free_energy": []}
        for _ in range(epochs):
            order = rng.permutation(len(x))
            errors = [
                float(self._cd_update(tf.constant(x[order[i : i + batch_size]])))
                for i in range(0, len(x), batch_size)
            ]
            history["reconstruction_error"].append(float(np.mean(errors)))
            history["free_energy"].append(float(tf.reduce_mean(self.free_energy(x))))
        return history

    def sample(self, n: int, *, steps: int = 1000, start=None) -> np.ndarray:
        """Draw n visible probability vectors after `steps` Gibbs rounds from `start` (default: random bits)."""
        n = int(_positive(n, "n"))
        if start is None:
            start = self.sample_bernoulli(tf.fill((n, self.n_visible), 0.5))
        else:
            start = check_binary_data(start, self.n_visible)
        v_prob, _ = self.gibbs(start, steps)
        return v_prob.numpy()

    def to_dense(self, **kwargs) -> keras.layers.Dense:
        """A sigmoid Dense layer initialised with this RBM's W and hidden bias (for fine-tuning)."""
        dense = keras.layers.Dense(self.n_hidden, activation="sigmoid", **kwargs)
        dense.build((None, self.n_visible))
        dense.set_weights([self.W.numpy(), self.hidden_bias.numpy()])
        return dense
