"""The bundled text corpora of notebook 17 (course_utils.data.load_text)."""

import numpy as np
import pytest

from course_utils.data import TEXTS, load_text


def test_polarity_sentences_and_labels():
    texts, labels = load_text("polarity")
    assert len(texts) == len(labels) == 200
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [100, 100]
    assert all(isinstance(t, str) and t and not t.startswith("__label__") for t in texts)
    assert texts[0] == "simplistic , silly and tedious ."
    assert labels[0] == 0
    assert any("\u2014" in t for t in texts)  # Windows-1252 dashes decoded, not mangled


def test_lee_news_is_unlabelled_english_text():
    texts, labels = load_text("LEE_NEWS")  # names are case-insensitive
    assert labels is None
    assert len(texts) == 300
    words = sum(len(t.split()) for t in texts)
    assert 55_000 < words < 65_000
    assert texts[0].startswith("Hundreds of people have been forced to vacate their homes")


def test_unknown_name_lists_the_corpora_and_suggests():
    with pytest.raises(ValueError, match="Unknown text corpus 'polarty'.*Did you mean 'polarity'") as err:
        load_text("polarty")
    for name in TEXTS:
        assert repr(name) in str(err.value)
    with pytest.raises(ValueError, match="Unknown text corpus"):
        load_text(3)


def test_missing_gensim_is_explained(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "gensim" else real(n, *a))
    with pytest.raises(ImportError, match="pip install"):
        load_text("polarity")
