import pytest

from desktop.metadata import parse_a1111_text, to_a1111_text
from desktop.palette import color_word, palette_prompt
from desktop.params import GenerationParams


@pytest.mark.parametrize(
    ("color", "word"),
    [
        ("#ff6600", "orange"),
        ("#001f3f", "dark blue"),
        ("#000080", "navy blue"),
        ("#ffffff", "white"),
        ("#0a0a0a", "black"),
        ("#d4af37", "gold"),
        ("#e02020", "red"),
        ("#008080", "teal"),
    ],
)
def test_colours_are_named_in_words(color, word):
    assert color_word(color) == word


def test_palette_is_added_to_the_prompt_in_words():
    assert palette_prompt("fox logo", ("#ff6600", "#000080"), "#ffffff") == (
        "fox logo, orange and navy blue colors, on a plain white background"
    )
    assert palette_prompt("fox logo", ("#ff6600", "#ff6a00", "#000090"), "") == "fox logo, orange and navy blue colors"
    assert palette_prompt("fox logo", (), "") == "fox logo"


def test_a1111_text_carries_the_prompt_as_sent_and_reads_back_without_doubling():
    params = GenerationParams("fox logo", colors=("#ff6600",), background="#ffffff", seed=1)
    text = to_a1111_text(params)
    assert text.splitlines()[0] == "fox logo, orange colors, on a plain white background"
    assert parse_a1111_text(text) == params


def test_engine_sends_the_palette_words(engine):
    import numpy as np

    plain = GenerationParams("fox logo, orange colors", width=64, height=64, steps=2, seed=3)
    with_palette = GenerationParams("fox logo", colors=("#ff6600",), width=64, height=64, steps=2, seed=3)
    first = np.asarray(next(engine.generate(plain)).image)
    second = np.asarray(next(engine.generate(with_palette)).image)
    assert np.array_equal(first, second)
