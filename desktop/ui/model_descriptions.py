"""What the model manager says about a model, in words: the cells of its row in the table (kind,
size, status, what it is used for, family), where it comes from, and for the selected one what it
needs and its licence in plain words. Plain text from a ModelEntry; no widgets.
"""

from __future__ import annotations

from desktop.models.catalog import INPAINT, TXT2IMG, human_size, recommended_models
from desktop.models.families import FAMILY_LABELS
from desktop.models.library import DOWNLOAD_PAUSED, MISSING, NOT_DOWNLOADED, READY, ModelEntry
from desktop.models.references import HUB

COLUMNS = ("Model", "Kind", "Size", "Status", "Used for", "Family")  # the manager shows Family second
FAMILY_COLUMN = COLUMNS.index("Family")
KIND_NAMES = {TXT2IMG: "Text-to-image", INPAINT: "Inpainting"}


def row_cells(entry: ModelEntry, used: list[str], progress: str | None, waiting: bool) -> tuple[str, ...]:
    """The texts of ``entry``'s row, in COLUMNS order; ``used`` names what it is chosen for,
    ``progress`` is its running download's progress text, ``waiting`` its download is queued."""
    return (
        entry.name,
        KIND_NAMES.get(entry.kind, "Unknown until downloaded" if entry.source == HUB else "Unknown"),
        human_size(entry.size_bytes) if entry.size_bytes else "—",
        status_text(entry, progress, waiting),
        ", ".join(used),
        FAMILY_LABELS.get(entry.family, "Unknown until downloaded" if entry.source == HUB else "Unknown"),
    )


def status_text(entry: ModelEntry, progress: str | None, waiting: bool) -> str:
    if progress is not None:
        return f"Downloading: {progress}"
    if waiting:
        return "Download waiting…"
    if entry.state == DOWNLOAD_PAUSED:
        if not entry.downloaded_bytes:
            return "Download paused"
        done = human_size(entry.downloaded_bytes)
        return f"Download paused at {done}" + (f" of {human_size(entry.size_bytes)}" if entry.size_bytes else "")
    if entry.state == MISSING:
        return "Missing: the file or folder is gone"
    return {READY: "Ready", NOT_DOWNLOADED: "Not downloaded"}[entry.state]


def location(entry: ModelEntry) -> str:
    """Where the model comes from: its Hugging Face id, or its folder or file."""
    if entry.source == HUB:
        return f"Hugging Face model {entry.ref}" + (" (recommended)" if entry.recommended else "")
    return entry.ref


def model_details(entry: ModelEntry | None) -> str:
    """One paragraph about a model: family, download size and memory needed, and for a recommended
    model its licence in plain words with whether logos made with it may be used commercially."""
    if entry is None:
        return ""
    family = FAMILY_LABELS.get(entry.family, "")
    parts = [f"{entry.name}: a {family} model." if family else f"{entry.name}."]
    known = {model.id: model for model in recommended_models()}.get(entry.ref)
    if known is None:
        if entry.source == HUB:
            parts.append("Check its licence on huggingface.co before using its images commercially.")
        return " ".join(parts)
    needs = f"Download about {human_size(known.download_bytes)}"
    if known.memory_bytes:
        needs += f"; runs best with about {known.memory_bytes / 1e9:.0f} GB of GPU memory (less with memory savers)"
    parts += [needs + ".", f"Licence: {known.licence_text()}"]
    return " ".join(parts)
