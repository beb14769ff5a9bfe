"""The request being edited: every field the user sets before pressing Generate, with a
``changed(field)`` signal the panels bind to. Plain values, validated only when a request is made
from them (``to_params`` raises InvalidParameters naming the field).

It remembers which fields the user set (typed, picked, reused from an image): a model family's
defaults replace only the others (``fit_to_family``), so nothing the user chose is lost when
another kind of model loads."""

from __future__ import annotations

import contextlib
import json
import secrets

from PySide6.QtCore import QObject, QSettings, Signal

from desktop.errors import InvalidParameters
from desktop.guides import DEFAULTS as GUIDE_DEFAULTS
from desktop.guides import GUIDE_KINDS, SKETCH
from desktop.params import FAST, QUALITY, SEED_MAX, GenerationParams, Guide

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
# The guide (a shape to follow, params.guide): its settings; the picture is in state/guide.py.
GUIDE_FIELDS = {
    "guide_on": False,
    "guide_kind": SKETCH,
    "guide_model": "",  # the ControlNet: a hub id, folder or file ('' until one is chosen)
    "guide_strength": GUIDE_DEFAULTS[SKETCH][0],
    "guide_start": 0.0,
    "guide_end": GUIDE_DEFAULTS[SKETCH][1],
    "guide_detail": 0.5,
}
# What a model family has defaults for (ModelFamily.defaults), in the order a notice names them.
FAMILY_FIELDS = ("width", "height", "steps", "guidance", "scheduler")


class RequestModel(QObject):
    changed = Signal(str)  # the field that changed

    def __init__(self, presets: list[StylePreset] | None = None) -> None:
        super().__init__()
        self.presets = presets if presets is not None else load_presets()
        defaults = GenerationParams("-").to_dict()
        self._values = {name: defaults[name] for name in PARAM_FIELDS} | dict(EXTRA_DEFAULTS) | dict(GUIDE_FIELDS)
        self._values["colors"], self._values["loras"] = tuple(self._values["colors"]), ()
        self._values["prompt"] = ""
        self._by_user: set[str] = set()  # fields the user set; the others follow the model family

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    def set(self, field: str, value, *, by_user: bool = True) -> None:
        """Change one field; emits ``changed(field)`` when the value differs. ``by_user`` False: the
        app chose the value (what a model needs), so the field follows the model family again."""
        if field not in self._values:
            raise KeyError(field)
        if isinstance(value, list):
            value = tuple(value)
        if by_user:
            self._by_user.add(field)
        else:
            self._by_user.discard(field)
        if self._values[field] != value:
            self._values[field] = value
            self.changed.emit(field)

    def set_by_user(self, field: str) -> bool:
        """True when the user set ``field`` (typed, picked or reused it)."""
        return field in self._by_user

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

    def fit_to_family(self, family) -> str:
        """Make the request fit a model of ``family`` (a ModelFamily) that was just loaded: its
        defaults replace the size, steps, guidance and sampler the user did not set; a sampler or
        size the family cannot take is changed even so. Returns what changed and what was kept, in
        words ('' when nothing did)."""
        changed, kept, notes = [], [], []
        for field, value in family.defaults().items():
            if not self.set_by_user(field):
                if self._values[field] != value:
                    changed.append(field)
                    self.set(field, value, by_user=False)
            elif field == "scheduler" and self.scheduler not in family.samplers:
                notes.append(f"{family.label} cannot use the {self.scheduler} sampler: using {value}.")
                self.set(field, value, by_user=False)
            elif self._values[field] != value:
                kept.append(field)
        for field in ("width", "height"):
            value = self._values[field]
            if value % family.size_multiple:
                fitted = max(round(value / family.size_multiple), 1) * family.size_multiple
                notes.append(
                    f"{family.label} needs multiples of {family.size_multiple} px: {field} {value} is now {fitted}."
                )
                self.set(field, fitted)
        if kept:
            notes.insert(0, f"Kept what you set: {_describe(self, kept)}.")
        if changed:
            notes.insert(0, f"{family.label} defaults: {_describe(self, changed)}.")
        return " ".join(notes)

    def to_params(self, mode: str, size: tuple[int, int] | None = None, *, guided: bool = True) -> GenerationParams:
        """The request for ``mode`` (``size`` overrides width/height, e.g. the canvas for inpainting).
        Raises InvalidParameters naming the field."""
        values = {name: self._values[name] for name in PARAM_FIELDS}
        values["prompt"] = values["prompt"].strip()
        values["negative_prompt"] = values["negative_prompt"].strip()
        if size is not None:
            values["width"], values["height"] = size
        seed = self.seed if self.seed_locked else None
        return GenerationParams(mode=mode, seed=seed, guide=self.guide() if guided else None, **values)

    def guide(self) -> Guide | None:
        """The guide's settings as a Guide (None while it is off); InvalidParameters("guide")."""
        if not self.guide_on:
            return None
        if not self.guide_model.strip():
            raise InvalidParameters(
                "guide", "Choose a ControlNet model for the guide (the model that makes the image follow the shape)."
            )
        return Guide(
            self.guide_kind,
            self.guide_model.strip(),
            round(float(self.guide_strength), 2),
            round(float(self.guide_start), 2),
            round(float(self.guide_end), 2),
            round(float(self.guide_detail), 2),
        )

    def choose_guide_kind(self, kind: str) -> None:
        """Another guide kind, with its own strength and follow-until defaults."""
        if kind not in GUIDE_KINDS:
            raise KeyError(kind)
        self.set("guide_kind", kind)
        strength, end = GUIDE_DEFAULTS[kind]
        self.set("guide_strength", strength, by_user=False)
        self.set("guide_end", end, by_user=False)

    def fit_guide_model(self, family: str) -> None:
        """Offer the ControlNet recommended for the guide's kind on ``family`` (a model of that family
        was loaded, or the kind changed), unless the user chose one of their own."""
        from desktop.state.guide import is_recommended, recommended_controlnet

        if self.guide_model and self.set_by_user("guide_model") and not is_recommended(self.guide_model):
            return
        recommended = recommended_controlnet(family, self.guide_kind)
        if recommended or not self.set_by_user("guide_model"):
            self.set("guide_model", recommended, by_user=False)

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
        self.apply_guide(params.guide)
        if params.seed is not None:  # the same parameters should make the same image
            self.reuse_seed(params.seed)
        if style is None:
            style = next((p.name for p in self.presets if params.prompt.strip().endswith(p.suffix)), "")
        self.set("style", style)

    def apply_guide(self, guide: Guide | None) -> None:
        """Show a request's guide settings (a reused image's); None turns the guide off."""
        if guide is not None:
            for name in ("kind", "model", "strength", "start", "end", "detail"):
                self.set(f"guide_{name}", getattr(guide, name))
        self.set("guide_on", guide is not None)

    # -- settings ------------------------------------------------------------------------------

    def save(self, settings: QSettings) -> None:
        """Remember the request (a valid one; an invalid one keeps what was saved last) and which
        of its settings the user set."""
        with contextlib.suppress(InvalidParameters):
            settings.setValue("params/last", json.dumps(self.to_params("txt2img", guided=False).to_dict()))
            settings.setValue("request/setByUser", " ".join(sorted(self._by_user & set(FAMILY_FIELDS))))
        settings.setValue("params/seedLocked", "true" if self.seed_locked else "false")
        if self.seed is not None:
            settings.setValue("params/seed", int(self.seed))
        settings.setValue("request/style", self.style)
        settings.setValue("request/brandName", self.brand_name)
        settings.setValue("request/variation", float(self.variation))
        for name in ("kind", "model", "strength", "end", "detail"):  # the picture is not kept: the guide starts off
            settings.setValue(f"guide/{name}", getattr(self, f"guide_{name}"))

    def restore(self, settings: QSettings) -> None:
        with contextlib.suppress(InvalidParameters, ValueError, TypeError):  # none saved, or unreadable
            params = GenerationParams.from_dict(json.loads(settings.value("params/last", "") or "null"))
            self.apply(params, style=str(settings.value("request/style", "") or ""))
            by_user = settings.value("request/setByUser", None)
            if by_user is not None:  # saved before this was recorded: everything restored counts as set
                self._by_user -= set(FAMILY_FIELDS) - set(str(by_user).split())
        with contextlib.suppress(ValueError, TypeError):
            seed = settings.value("params/seed", None)
            if seed is not None:
                self.set("seed", min(max(int(seed), 0), SEED_MAX))
        self.set("seed_locked", settings.value("params/seedLocked", "false") == "true" and self.seed is not None)
        self.set("brand_name", str(settings.value("request/brandName", "") or ""))
        with contextlib.suppress(ValueError, TypeError):
            self.set("variation", min(max(float(settings.value("request/variation", 0.6)), 0.1), 1.0))
        self._restore_guide(settings)

    def _restore_guide(self, settings: QSettings) -> None:
        kind = str(settings.value("guide/kind", SKETCH) or SKETCH)
        if kind in GUIDE_KINDS:
            self.choose_guide_kind(kind)
        model = str(settings.value("guide/model", "") or "")
        self.set("guide_model", model, by_user=bool(model))  # the user's: a model family keeps their own
        for name, low, high in (("strength", 0.0, 2.0), ("end", 0.05, 1.0), ("detail", 0.0, 1.0)):
            with contextlib.suppress(ValueError, TypeError):
                value = settings.value(f"guide/{name}", None)
                if value is not None:
                    self.set(f"guide_{name}", round(min(max(float(value), low), high), 2))


def _describe(request: RequestModel, fields: list[str]) -> str:
    """'size 1024×1024, 28 steps, guidance 3.5, the Euler sampler': ``fields``' values in words."""
    words = []
    if "width" in fields or "height" in fields:
        words.append(f"size {request.width}×{request.height}")
    if "steps" in fields:
        words.append(f"{request.steps} steps")
    if "guidance" in fields:
        words.append(f"guidance {request.guidance:g}")
    if "scheduler" in fields:
        words.append(f"the {request.scheduler} sampler")
    return ", ".join(words)
