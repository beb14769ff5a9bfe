"""GalleryStore: every result as a PNG with embedded parameters, indexed in SQLite.

Deleted items wait in ``trash/`` until the next open, so a delete can be undone. The PNG files
are the truth; ``index.sqlite3`` is a fast index that can always be rebuilt from
them. Writes go to a temporary file that is flushed, synced and renamed into place, so a crash
mid-save never corrupts or loses an earlier item. Opening a store reconciles the index with the
files: a PNG without a row is re-indexed from its metadata, a row without a file is dropped, an
unreadable index is set aside and rebuilt. Thread-safe: each call opens its own connection.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from desktop.errors import GalleryError, MetadataError
from desktop.files import TEMP_PREFIX, atomic_save_png, os_error_message
from desktop.metadata import png_info, read_params
from desktop.params import GenerationParams

ITEM_KEY = "logo_studio_item"  # PNG chunk with the item's id, creation time and parent
THUMBNAIL_SIZE = 256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    prompt TEXT NOT NULL,
    params TEXT NOT NULL,
    parent_id TEXT
);
CREATE INDEX IF NOT EXISTS items_created ON items(created);
"""


@dataclass(frozen=True)
class GalleryItem:
    """One saved result: its PNG, thumbnail, parameters, and the item it was made from."""

    id: str
    path: Path
    thumbnail: Path
    created: float
    params: GenerationParams
    parent_id: str | None = None
    guide: Path | None = None  # the picture its guide was made from (params.guide), beside the image

    def guide_picture(self) -> Image.Image | None:
        """The guide's picture, read in full (None when the item has none or the file is gone)."""
        if self.guide is None or not self.guide.is_file():
            return None
        try:
            with Image.open(self.guide) as picture:
                picture.load()
                return picture.copy()
        except OSError:
            return None


@dataclass(frozen=True)
class ReconcileReport:
    """What opening the store repaired."""

    reindexed: int = 0
    dropped: int = 0
    unreadable: tuple[str, ...] = ()
    rebuilt_index: bool = False


class GalleryStore:
    """The gallery under ``root``: ``images/``, ``thumbnails/``, ``guides/`` (the picture each guided
    image followed, under the image's name) and ``index.sqlite3``."""

    def __init__(self, root: Path, *, housekeeping: bool = True) -> None:
        """Open the gallery under ``root``. With ``housekeeping`` (the window's store) the trash of
        the last session is emptied and the index is reconciled with the files; the engine process,
        which only adds items, opens it without (so it never empties the window's trash)."""
        self.root = Path(root)
        self.images_dir = self.root / "images"
        self.thumbnails_dir = self.root / "thumbnails"
        self.guides_dir = self.root / "guides"
        self.trash_dir = self.root / "trash"
        self.index_path = self.root / "index.sqlite3"
        try:
            self.images_dir.mkdir(parents=True, exist_ok=True)
            self.thumbnails_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GalleryError(f"Cannot create the gallery folder {self.root}: {error.strerror or error}.") from error
        self.last_reconcile = ReconcileReport()
        if housekeeping:
            shutil.rmtree(self.trash_dir, ignore_errors=True)
            self.last_reconcile = self.reconcile()

    # -- writing -----------------------------------------------------------------------------

    def add(
        self,
        image: Image.Image,
        params: GenerationParams,
        parent_id: str | None = None,
        extra_text: dict[str, str] | None = None,
        guide: Image.Image | None = None,
    ) -> GalleryItem:
        """Save ``image`` with its parameters (and ``extra_text`` PNG chunks, and the ``guide``
        picture it followed) and return the new item; atomic."""
        item_id = uuid.uuid4().hex
        created = time.time()
        stamp = datetime.fromtimestamp(created).strftime("%Y%m%d-%H%M%S")
        path = self.images_dir / f"{stamp}-{item_id[:8]}.png"
        item_info = json.dumps({"id": item_id, "created": created, "parent_id": parent_id})
        try:
            if guide is not None:  # first: an image never names a guide that is not there
                self.guides_dir.mkdir(exist_ok=True)
                atomic_save_png(guide, self.guides_dir / path.name)
            atomic_save_png(image, path, pnginfo=png_info(params, {**(extra_text or {}), ITEM_KEY: item_info}))
            self._write_thumbnail(image, path.name)
            with self._connect() as db:
                db.execute(
                    "INSERT INTO items (id, file, created, prompt, params, parent_id) VALUES (?, ?, ?, ?, ?, ?)",
                    (item_id, path.name, created, params.prompt, json.dumps(params.to_dict()), parent_id),
                )
        except OSError as error:
            raise GalleryError(os_error_message("save the image", self.images_dir, error)) from error
        except sqlite3.Error as error:
            raise GalleryError(
                f"The image was saved to {path} but the gallery index could not be updated: {error}."
            ) from error
        return self._item(item_id, path.name, created, params, parent_id)

    def delete(self, item_id: str) -> GalleryItem | None:
        """Move an item into the trash and return it (for :meth:`restore`); None if unknown.

        Files move before the row goes, so a crash in between leaves a row that the next open
        drops. The trash is emptied for good the next time the gallery is opened.
        """
        item = self.get(item_id)
        if item is None:
            return None
        trashed_image, trashed_thumbnail = self._trash_paths(item)
        try:
            self.trash_dir.mkdir(exist_ok=True)
            os.replace(item.path, trashed_image)
            if item.thumbnail.exists():
                os.replace(item.thumbnail, trashed_thumbnail)
            if item.guide is not None and item.guide.exists():
                os.replace(item.guide, self.trash_dir / f"guide-{item.path.name}")
        except OSError as error:
            raise GalleryError(os_error_message("delete the image", item.path.parent, error)) from error
        with self._connect() as db:
            db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        return item

    def restore(self, item: GalleryItem) -> None:
        """Undo :meth:`delete` of ``item`` within the same session."""
        trashed_image, trashed_thumbnail = self._trash_paths(item)
        try:
            os.replace(trashed_image, item.path)
            if trashed_thumbnail.exists():
                os.replace(trashed_thumbnail, item.thumbnail)
            trashed_guide = self.trash_dir / f"guide-{item.path.name}"
            if item.guide is not None and trashed_guide.exists():
                os.replace(trashed_guide, item.guide)
        except OSError as error:
            raise GalleryError(os_error_message("restore the image", self.images_dir, error)) from error
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO items (id, file, created, prompt, params, parent_id) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    item.id,
                    item.path.name,
                    item.created,
                    item.params.prompt,
                    json.dumps(item.params.to_dict()),
                    item.parent_id,
                ),
            )

    def _trash_paths(self, item: GalleryItem) -> tuple[Path, Path]:
        return self.trash_dir / item.path.name, self.trash_dir / f"thumbnail-{item.path.name}"

    # -- reading -----------------------------------------------------------------------------

    def get(self, item_id: str) -> GalleryItem | None:
        """The item with this id, or None."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT id, file, created, params, parent_id FROM items WHERE id = ?", (item_id,)
            ).fetchone()
        return self._from_row(row) if row else None

    def items(self, search: str = "") -> list[GalleryItem]:
        """All items, newest first; ``search`` keeps those whose prompt contains it (any case)."""
        query = "SELECT id, file, created, params, parent_id FROM items"
        args: tuple = ()
        if search.strip():
            escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query += " WHERE prompt LIKE ? ESCAPE '\\'"
            args = (f"%{escaped}%",)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY created DESC, rowid DESC", args).fetchall()
        return [self._from_row(row) for row in rows]

    def __len__(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    # -- repair ------------------------------------------------------------------------------

    def reconcile(self) -> ReconcileReport:
        """Make the index agree with the files; see the module docstring."""
        rebuilt = False
        try:
            rows = self._indexed_files()
        except sqlite3.DatabaseError:
            broken = self.index_path.with_name(f"{self.index_path.name}.broken-{int(time.time())}")
            self.index_path.replace(broken)
            rows = self._indexed_files()
            rebuilt = True
        for leftover in [*self.images_dir.glob(TEMP_PREFIX + "*"), *self.thumbnails_dir.glob(TEMP_PREFIX + "*")]:
            leftover.unlink(missing_ok=True)
        on_disk = {path.name for path in self.images_dir.glob("*.png")}
        for orphan in self.guides_dir.glob("*"):  # a guide whose image was never saved, or is gone
            if orphan.name not in on_disk:
                orphan.unlink(missing_ok=True)
        missing = [name for name in rows if name not in on_disk]
        with self._connect() as db:
            db.executemany("DELETE FROM items WHERE file = ?", [(name,) for name in missing])
        reindexed, unreadable = 0, []
        for name in sorted(on_disk - set(rows)):
            if self._reindex(self.images_dir / name):
                reindexed += 1
            else:
                unreadable.append(name)
        for name in on_disk:
            if not (self.thumbnails_dir / name).exists() and name not in unreadable:
                try:
                    with Image.open(self.images_dir / name) as image:
                        self._write_thumbnail(image, name)
                except OSError:
                    pass  # an unreadable image keeps no thumbnail; the gallery shows a placeholder
        return ReconcileReport(reindexed, len(missing), tuple(unreadable), rebuilt)

    def _reindex(self, path: Path) -> bool:
        try:
            with Image.open(path) as image:
                params = read_params(image)
                item = json.loads(image.text.get(ITEM_KEY, "{}"))
        except (OSError, MetadataError, ValueError, SyntaxError):
            return False
        if not isinstance(item, dict):
            item = {}
        item_id = item.get("id") if isinstance(item.get("id"), str) else uuid.uuid4().hex
        created = item.get("created") if isinstance(item.get("created"), (int, float)) else path.stat().st_mtime
        parent_id = item.get("parent_id") if isinstance(item.get("parent_id"), str) else None
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO items (id, file, created, prompt, params, parent_id) VALUES (?, ?, ?, ?, ?, ?)",
                (item_id, path.name, float(created), params.prompt, json.dumps(params.to_dict()), parent_id),
            )
        return True

    # -- helpers -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.index_path, timeout=10)
        db.executescript(_SCHEMA)
        return db

    def _indexed_files(self) -> list[str]:
        with closing(self._connect()) as db:
            return [row[0] for row in db.execute("SELECT file FROM items")]

    def _write_thumbnail(self, image: Image.Image, name: str) -> None:
        thumbnail = image.copy()
        thumbnail.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        atomic_save_png(thumbnail, self.thumbnails_dir / name)

    def _from_row(self, row) -> GalleryItem:
        item_id, name, created, params_json, parent_id = row
        return self._item(item_id, name, created, GenerationParams.from_dict(json.loads(params_json)), parent_id)

    def _item(self, item_id, name, created, params, parent_id) -> GalleryItem:
        guide = self.guides_dir / name if params.guide is not None else None
        return GalleryItem(
            item_id, self.images_dir / name, self.thumbnails_dir / name, created, params, parent_id, guide
        )
