"""Logo style presets: a prompt suffix and a negative prompt each, read from resources/presets.json.

Applying a style rewrites the prompt text the user sees (and can edit): the previous style's
suffix is swapped for the new one, so the subject the user typed is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class StylePreset:
    name: str
    suffix: str
    negative: str


def load_presets() -> list[StylePreset]:
    """The bundled presets, in file order."""
    text = resources.files("desktop.resources").joinpath("presets.json").read_text(encoding="utf-8")
    return [StylePreset(entry["name"], entry["suffix"], entry["negative"]) for entry in json.loads(text)["presets"]]


def subject_of(prompt: str, presets: list[StylePreset]) -> str:
    """``prompt`` without a preset suffix at its end."""
    text = prompt.strip()
    for preset in presets:
        if text.endswith(preset.suffix):
            return text[: -len(preset.suffix)].rstrip(" ,")
    return text


def apply_preset(prompt: str, negative: str, preset: StylePreset, presets: list[StylePreset]) -> tuple[str, str]:
    """(prompt, negative) with ``preset`` in place of any earlier preset.

    The negative prompt is replaced only when it is empty or an unedited preset negative.
    """
    subject = subject_of(prompt, presets)
    new_prompt = f"{subject}, {preset.suffix}" if subject else preset.suffix
    known_negatives = {p.negative for p in presets}
    new_negative = preset.negative if not negative.strip() or negative.strip() in known_negatives else negative
    return new_prompt, new_negative
