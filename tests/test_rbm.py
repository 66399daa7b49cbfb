"""Tests of course_utils.rbm: the energy model, CD-k learning, sampling, stacking, bad inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_utils.rbm import BernoulliRBM, check_binary_data


def bars(n: int, size: int = 4, seed: int = 0) -> np.ndarray:
    """Binary images of one horizontal or vertical bar: a tiny data set an RBM must learn."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), np.float32)
    for image, (vertical, where) in zip(images, zip(rng.integers(0, 2, n), rng.integers(0, size, n))):
        if vertical:
            image[:, where] = 1
        else:
            image[where, :] = 1
    return images.reshape(n, -1)


def random_rbm(n_visible=3, n_hidden=2, seed=1) -> BernoulliRBM:
    rbm = BernoulliRBM(n_hidden, seed=seed)
    rbm.build((None, n_visible))
    rng = np.random.default_rng(seed)
    rbm.set_weights(
        [rng.normal(0, 1, (n_visible, n_hidden)), rng.normal(0, 1, n_visible), rng.normal(0, 1, n_hidden)]
    )
    return rbm


def test_free_energy_matches_the_energy_summed_over_hidden_states():
    rbm = random_rbm()
    W, b, c = (w for w in rbm.get_weights())
    states = np.array(list(itertools.product([0, 1], repeat=3)), np.float32)
    hiddens = np.array(list(itertools.product([0, 1], repeat=2)), np.float32)
    # exp(-F(v)) = sum_h exp(-E(v, h)) with E(v, h) = -b.v - c.h - v W h
    brute = [np.log(sum(np.exp(b @ v + c @ h + v @ W @ h) for h in hiddens)) for v in states]
    np.testing.assert_allclose(-rbm.free_energy(states).numpy(), brute, rtol=1e-5)


def test_conditionals_are_sigmoids_of_the_weights():
    rbm = random_rbm()
    W, b, c = rbm.get_weights()
    v = np.array([[1, 0, 1]], np.float32)
    h = np.array([[0, 1]], np.float32)
    np.testing.assert_allclose(rbm.hidden_probs(v).numpy(), 1 / (1 + np.exp(-(v @ W + c))), rtol=1e-5)
    np.testing.assert_allclose(rbm.visible_probs(h).numpy(), 1 / (1 + np.exp(-(h @ W.T + b))), rtol=1e-5)
    np.testing.assert_allclose(rbm(v).numpy(), rbm.hidden_probs(v).numpy())


def test_cd_training_learns_bars():
    x = bars(400)
    rbm = BernoulliRBM(8, k=1, learning_rate=0.3, seed=0)
    history = rbm.fit(x, epochs=30, batch_size=20)
    errors = history["reconstruction_error"]
    assert len(errors) == 30 and len(history["free_energy"]) == 30
    assert errors[-1] < 0.5 * errors[0]
    assert rbm.reconstruction_error(x) < 0.08  # the untrained RBM reconstructs at ~0.19
    # Learning lowers the free energy of the data relative to random bit patterns.
    noise = (np.random.default_rng(1).random(x.shape) < x.mean()).astype(np.float32)
    assert rbm.free_energy(x).numpy().mean() < rbm.free_energy(noise).numpy().mean() - 2


def test_cd_k_and_cd_step_update_the_weights():
    x = bars(64)
    rbm = BernoulliRBM(6, k=3, seed=0)
    first = rbm.cd_step(x)
    before = rbm.W.numpy().copy()
    rbm.cd_step(x)
    assert np.isfinite(first) and not np.allclose(before, rbm.W.numpy())


def test_samples_and_gibbs_shapes_and_range():
    x = bars(300)
    rbm = BernoulliRBM(8, learning_rate=0.3, seed=0)
    rbm.fit(x, epochs=20, batch_size=20)
    samples = rbm.sample(50, steps=200)
    assert samples.shape == (50, 16) and samples.min() >= 0 and samples.max() <= 1
    # Samples of a trained RBM look like bars: about four pixels on, not eight.
    assert abs((samples > 0.5).sum(1).mean() - 4) < 1.5
    probs, bits = rbm.gibbs(x[:5], steps=2)
    assert probs.shape == bits.shape == (5, 16)
    assert set(np.unique(bits.numpy())) <= {0.0, 1.0}
    assert rbm.sample(3, steps=1, start=x[:3]).shape == (3, 16)


def test_to_dense_computes_the_hidden_probabilities():
    rbm = random_rbm(n_visible=5, n_hidden=4)
    v = (np.random.default_rng(0).random((7, 5)) > 0.5).astype(np.float32)
    dense = rbm.to_dense()
    np.testing.assert_allclose(dense(v).numpy(), rbm.hidden_probs(v).numpy(), rtol=1e-6)


def test_stacked_rbms_train_on_the_hidden_probabilities():
    x = bars(200)
    first, second = BernoulliRBM(8, seed=0), BernoulliRBM(4, seed=1)
    first.fit(x, epochs=2)
    features = first(x).numpy()
    second.fit(features, epochs=2)
    assert second.n_visible == 8 and second(features).shape == (200, 4)


@pytest.mark.parametrize(
    "data, error, match",
    [
        (np.ones(16), ValueError, "2-D array"),
        (np.full((2, 16), 255.0), ValueError, r"in \[0, 1\].*1/255"),
        (np.full((2, 16), np.nan), ValueError, "finite"),
        (np.array([["a"] * 16]), TypeError, "numeric"),
    ],
)
def test_bad_data_is_a_clear_error(data, error, match):
    with pytest.raises(error, match=match):
        check_binary_data(data)
    with pytest.raises(error, match=match):
        BernoulliRBM(4).fit(data)


def test_wrong_width_is_a_clear_error():
    rbm = BernoulliRBM(4)
    rbm.fit(bars(10), epochs=1)
    with pytest.raises(ValueError, match="16 visible units, got data with 9 columns"):
        rbm.cd_step(np.zeros((2, 9)))


def test_unbuilt_rbm_says_how_to_build_it():
    with pytest.raises(RuntimeError, match="not built"):
        BernoulliRBM(4).sample(2)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_hidden": 0}, ValueError),
        ({"n_hidden": 2.5}, TypeError),
        ({"n_hidden": 4, "k": 0}, ValueError),
        ({"n_hidden": 4, "learning_rate": -0.1}, ValueError),
        ({"n_hidden": 4, "learning_rate": "fast"}, TypeError),
    ],
)
def test_bad_settings_are_clear_errors(kwargs, error):
    with pytest.raises(error, match="must be"):
        BernoulliRBM(**kwargs)


def test_bad_budgets_are_clear_errors():
    rbm = BernoulliRBM(4)
    with pytest.raises(ValueError, match="epochs must be > 0"):
        rbm.fit(bars(10), epochs=0)
    with pytest.raises(ValueError, match="batch_size must be > 0"):
        rbm.fit(bars(10), batch_size=-1)
