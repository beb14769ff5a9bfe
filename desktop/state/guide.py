"""The guide's picture (what the user drew on the sketch layer or opened as the guide) and what a
ControlNet would see of it: the control image of the request's kind at the job's size, or why there
is none (an empty sketch, a FLUX.1 model), in words. The request's guide settings (on, kind,
ControlNet, strength, follow until, detail) are fields of the RequestModel; the pixels live here.

Also the ControlNets to offer per model family: the recommended ones of models.json ("guides",
read by desktop.models.catalog)."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QObject, Signal

from desktop import guides
from desktop.errors import InvalidParameters
from desktop.models.catalog import default_controlnet, guide_kind, guide_models, human_size
from desktop.params import GenerationParams


def controlnets_for(family: str, kind: str) -> list[tuple[str, str]]:
    """(id, words) of the recommended ControlNets to offer for ``family`` ('' before a model is
    loaded: all), the ones made for ``kind`` first; the words say what it is, its size and licence."""
    models = sorted(guide_models(family or None), key=lambda model: guide_kind(model.id) != kind)
    return [(model.id, f"{model.name}: {human_size(model.download_bytes)}, {model.licence}") for model in models]


def recommended_controlnet(family: str, kind: str) -> str:
    """The ControlNet recommended for ``kind`` on ``family`` ('' when there is none, as for FLUX.1)."""
    return default_controlnet(family, kind) if family else ""


def is_recommended(ref: str) -> bool:
    return any(ref == model.id for model in guide_models())


class GuideModel(QObject):
    """The guide picture, kept in step with the sketch layer (``set_picture`` after each edit)."""

    picture_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.picture: Image.Image | None = None  # dark lines on light paper, or an opened picture
        self.empty = True  # nothing drawn and nothing opened

    def set_picture(self, picture: Image.Image | None, empty: bool = False) -> None:
        self.picture, self.empty = picture, empty or picture is None
        self.picture_changed.emit()

    def control_image(self, kind: str, size: tuple[int, int], detail: float, family=None) -> tuple[Image.Image, str]:
        """What the ControlNet will see (white lines on black at ``size``) and a note ('' or how the
        picture was fitted). InvalidParameters (field "guide") says why there is none."""
        if family is not None:
            guides.check_guide_family(family)
        if self.empty or self.picture is None:
            raise InvalidParameters("guide", guides_empty_text(kind))
        return guides.control_image(self.picture, kind, size, detail)

    def for_job(self, params: GenerationParams, family=None) -> Image.Image | None:
        """The picture a job of ``params`` follows (None when its guide is off). InvalidParameters
        when it cannot: no picture, no lines in it, or a model family without ControlNets."""
        if params.guide is None:
            return None
        self.control_image(params.guide.kind, (params.width, params.height), params.guide.detail, family)
        return self.picture.copy()


def guides_empty_text(kind: str) -> str:
    if kind == guides.SKETCH:
        return "The sketch is empty: draw the shape on the canvas (Sketch, S), or open a picture as the guide."
    return (
        "There is no guide picture yet: open one (a logo, a letterform, a photo of a drawing) or drop it on the canvas."
    )
