"""The request being edited: every field the user sets before pressing Generate, with a
``changed(field)`` signal the panels bind to. Plain values, validated only when a request is made
from them (``to_params`` raises InvalidParameters naming the field)."""

from __future__ import annotations

import contextlib
import json
import secrets

from PySide6.QtCore import QObject, QSettings, Signal

from desktop.errors import InvalidParameters
from desktop.params import FAST, QUALITY, SEED_MAX, GenerationParams

__all__ = ["FAST", "QUALITY", "RequestModel"]
from desktop.presets import StylePreset, apply_preset, load_presets, subject_of

# Fields of GenerationParams that the request holds (mode comes from the action, seed below).
PARAM_FIELDS = (
    "prompt",
    "negative_prompt",
    "colors",
    "background",
    "model",
    "scheduler",
    "steps",
    "guidance",
    "width",
    "height",
    "batch_count",
    "strength",
    "mask_blur",
    "inpaint_only_masked",
    "inpaint_padding",
    "loras",
    "speed",
)
# Fields of the brief and the controls that are not part of a generation request.
EXTRA_DEFAULTS = {
    "brand_name": "",
    "style": "",  # a preset's name, '' for none
    "seed": None,  # the locked seed; None until the user locks one
    "seed_locked": False,
    "last_seed": None,  # the seed of the last job that ran (shown when the lock is taken)
    "variation": 0.6,
}


class RequestModel(QObject):
    changed = Signal(str)  # the field that changed

    def __init__(self, presets: list[StylePreset] | None = None) -> None:
        super().__init__()
        self.presets = presets if presets is not None else load_presets()
        defaults = GenerationParams("-").to_dict()
        self._values = {name: defaults[name] for name in PARAM_FIELDS} | dict(EXTRA_DEFAULTS)
        self._values["colors"], self._values["loras"] = tuple(self._values["colors"]), ()
        self._values["prompt"] = ""

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    def set(self, field: str, value) -> None:
        """Change one field; emits ``changed(field)`` when the value differs."""
        if field not in self._values:
            raise KeyError(field)
        if isinstance(value, list):
            value = tuple(value)
        if self._values[field] != value:
            self._values[field] = value
            self.changed.emit(field)

    def set_palette(self, colors, background: str) -> None:
        """Change the brand colours and the background together (one ``changed("colors")``)."""
        colors = tuple(colors)
        if (colors, background) != (self.colors, self.background):
            self._values["colors"], self._values["background"] = colors, background
            self.changed.emit("colors")

    # -- actions -------------------------------------------------------------------------------

    def choose_style(self, name: str) -> None:
        """Apply the style preset ``name`` to the prompt (keeping the subject), or none ('')."""
        preset = next((p for p in self.presets if p.name == name), None)
        if preset is None:
            self.set("prompt", subject_of(self.prompt, self.presets))
        else:
            prompt, negative = apply_preset(self.prompt, self.negative_prompt, preset, self.presets)
            self.set("prompt", prompt)
            self.set("negative_prompt", negative)
        self.set("style", name if preset else "")

    def lock_seed(self, locked: bool) -> None:
        """Lock the seed (to the last one used, or a new one), or go back to a random seed per job."""
        if locked and self.seed is None:
            self.set("seed", self.last_seed if self.last_seed is not None else secrets.randbelow(SEED_MAX + 1))
        self.set("seed_locked", locked)

    def reuse_seed(self, seed: int) -> None:
        self.set("seed", seed)
        self.set("seed_locked", True)

    def image_made(self, params: GenerationParams) -> None:
        """An image was made with ``params``: remember its seed for the lock (a job that fails
        before making one leaves the seed alone)."""
        self.set("last_seed", params.seed)

    def to_params(self, mode: str, size: tuple[int, int] | None = None) -> GenerationParams:
        """The request for ``mode`` (``size`` overrides width/height, e.g. the canvas for inpainting).
        Raises InvalidParameters naming the field."""
        values = {name: self._values[name] for name in PARAM_FIELDS}
        values["prompt"] = values["prompt"].strip()
        values["negative_prompt"] = values["negative_prompt"].strip()
        if size is not None:
            values["width"], values["height"] = size
        seed = self.seed if self.seed_locked else None
        return GenerationParams(mode=mode, seed=seed, **values)

    def apply(self, params: GenerationParams, style: str | None = None) -> None:
        """Show ``params`` (reuse parameters, restore from a PNG or from the settings); a seed in
        them is locked, so the same image can be made again. The style is the one given, else the
        preset whose wording ends the prompt."""
        for name in PARAM_FIELDS:
            value = getattr(params, name)
            if name in ("colors", "background") or (name == "model" and not value):
                continue
            self.set(name, value)
        self.set_palette(params.colors, params.background)
        if params.seed is not None:  # the same parameters should make the same image
            self.reuse_seed(params.seed)
        if style is None:
            style = next((p.name for p in self.presets if params.prompt.strip().endswith(p.suffix)), "")
        self.set("style", style)

    # -- settings ------------------------------------------------------------------------------

    def save(self, settings: QSettings) -> None:
        """Remember the request (a valid one; an invalid one keeps what was saved last)."""
        with contextlib.suppress(InvalidParameters):
            settings.setValue("params/last", json.dumps(self.to_params("txt2img").to_dict()))
        settings.setValue("params/seedLocked", "true" if self.seed_locked else "false")
        if self.seed is not None:
            settings.setValue("params/seed", int(self.seed))
        settings.setValue("request/style", self.style)
        settings.setValue("request/brandName", self.brand_name)
        settings.setValue("request/variation", float(self.variation))

    def restore(self, settings: QSettings) -> None:
        with contextlib.suppress(InvalidParameters, ValueError, TypeError):  # none saved, or unreadable
            params = GenerationParams.from_dict(json.loads(settings.value("params/last", "") or "null"))
            self.apply(params, style=str(settings.value("request/style", "") or ""))
        with contextlib.suppress(ValueError, TypeError):
            seed = settings.value("params/seed", None)
            if seed is not None:
                self.set("seed", min(max(int(seed), 0), SEED_MAX))
        self.set("seed_locked", settings.value("params/seedLocked", "false") == "true" and self.seed is not None)
        self.set("brand_name", str(settings.value("request/brandName", "") or ""))
        with contextlib.suppress(ValueError, TypeError):
            self.set("variation", min(max(float(settings.value("request/variation", 0.6)), 0.1), 1.0))
