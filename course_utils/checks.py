"""Exercise checks that tell a learner what was expected, what they gave, and what to try."""

from __future__ import annotations

import numpy as np


class CheckFailed(AssertionError):
    """An exercise check failed; the message says what was expected and what was found."""


def _fail(what: str, expected, got, hint: str = "") -> CheckFailed:
    message = f"{what}: expected {expected}, got {got}."
    return CheckFailed(f"{message} {hint}".strip())


def check_defined(value, name: str = "your answer"):
    """Fail when the exercise still holds its placeholder (None or Ellipsis)."""
    if value is None or value is Ellipsis:
        raise CheckFailed(f"{name} is not set yet: replace the placeholder with your code.")
    return value


def _shape_of(value) -> tuple:
    """Shape of an array, tensor, or Keras model's output."""
    if hasattr(value, "output_shape") and not hasattr(value, "numpy"):
        return tuple(value.output_shape)
    if hasattr(value, "shape"):
        return tuple(None if d is None else int(d) for d in value.shape)
    return np.shape(value)


def check_shape(value, expected: tuple, name: str = "output") -> None:
    """Check the shape of an array/tensor or a model's output (None matches any size)."""
    check_defined(value, name)
    got = _shape_of(value)
    expected = tuple(expected)
    same = len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected, got))
    if not same:
        hint = (
            "Check the last layer's units and any Flatten/Reshape."
            if len(got) == len(expected)
            else ("The number of dimensions differs: a missing batch or channel axis?")
        )
        raise _fail(f"{name} shape", expected, got, hint)


def check_dtype(value, expected, name: str = "output") -> None:
    """Check the dtype of an array or tensor (e.g. 'float32')."""
    check_defined(value, name)
    got = np.dtype(
        getattr(getattr(value, "dtype", None), "as_numpy_dtype", getattr(value, "dtype", type(value)))
    )
    if got != np.dtype(expected):
        raise _fail(
            f"{name} dtype",
            np.dtype(expected).name,
            got.name,
            f"Convert with .astype('{np.dtype(expected).name}').",
        )


def check_range(value, low: float, high: float, name: str = "values") -> None:
    """Check that every value lies in [low, high] and is finite."""
    check_defined(value, name)
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise CheckFailed(f"{name} contain NaN or infinity: look for a division by zero or a log of 0.")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < low or hi > high:
        raise _fail(
            f"{name} range", f"[{low}, {high}]", f"[{lo:.4g}, {hi:.4g}]", "Did you scale or clip them?"
        )


def check_close(value, expected, *, atol: float = 1e-5, rtol: float = 1e-4, name: str = "result") -> None:
    """Check values against a reference with a tolerance, reporting the worst mismatch."""
    check_defined(value, name)
    got, want = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise _fail(f"{name} shape", want.shape, got.shape)
    if not np.allclose(got, want, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape) if got.shape else ()
        raise _fail(
            f"{name} at index {tuple(int(i) for i in worst)}",
            f"{want[worst]:.6g}",
            f"{got[worst]:.6g}",
            f"(tolerance atol={atol}, rtol={rtol}).",
        )


def check_param_count(model, expected: int, *, tolerance: float = 0.0, name: str = "model") -> None:
    """Check a Keras model's trainable+non-trainable parameter count (tolerance is a fraction)."""
    check_defined(model, name)
    if not hasattr(model, "count_params"):
        raise CheckFailed(f"{name} is a {type(model).__name__}, not a Keras model or layer.")
    if not model.built:
        raise CheckFailed(f"{name} is not built yet: call it on a batch or give it an Input first.")
    got = int(model.count_params())
    if abs(got - expected) > tolerance * expected:
        raise _fail(
            f"{name} parameter count",
            f"{expected:,}" + (f" ± {tolerance:.0%}" if tolerance else ""),
            f"{got:,}",
            "Compare your layer sizes with the instructions (model.summary() lists them).",
        )


def check_metric(value, floor: float, *, name: str = "accuracy", higher_is_better: bool = True) -> None:
    """Check that a metric reaches its floor (or stays under its ceiling)."""
    check_defined(value, name)
    value = float(value)
    ok = np.isfinite(value) and (value >= floor if higher_is_better else value <= floor)
    if not ok:
        relation = "≥" if higher_is_better else "≤"
        raise _fail(
            name, f"{relation} {floor}", f"{value:.4g}", "Train longer, fix the loss, or check the labels."
        )


def check_equal(value, expected, name: str = "result") -> None:
    """Check exact equality of plain values (numbers, strings, lists, dicts); use check_close for arrays."""
    check_defined(value, name)
    if isinstance(value, np.ndarray) or isinstance(expected, np.ndarray):
        raise TypeError(f"check_equal compares plain values; {name} is an array: use check_close.")
    if value != expected:
        raise _fail(name, repr(expected), repr(value))


def check_raises(call, error: type[Exception], name: str) -> None:
    """Check that `call()` raises `error` (e.g. a ValueError on bad input); other errors propagate."""
    try:
        call()
    except error:
        return
    raise CheckFailed(f"{name}: expected a {error.__name__}, got no error.")
