import os
import sqlite3

import numpy as np
import pytest
from PIL import Image

from desktop.errors import GalleryError
from desktop.gallery import GalleryStore
from desktop.metadata import read_params
from desktop.params import GenerationParams


def params(prompt="fox logo", seed=1) -> GenerationParams:
    return GenerationParams(prompt, width=64, height=64, seed=seed, colors=("#ff6600",))


def picture(color="red") -> Image.Image:
    return Image.new("RGB", (64, 64), color)


def test_saved_item_has_png_with_metadata_and_a_thumbnail(tmp_path):
    store = GalleryStore(tmp_path)
    item = store.add(picture(), params(seed=42))
    with Image.open(item.path) as saved:
        assert saved.getpixel((3, 3)) == (255, 0, 0)
        assert read_params(saved) == params(seed=42)
    with Image.open(item.thumbnail) as thumbnail:
        assert max(thumbnail.size) <= 256
    assert store.get(item.id) == item


def test_items_are_newest_first_and_survive_reopening(tmp_path):
    store = GalleryStore(tmp_path)
    ids = [store.add(picture(), params(f"logo {i}")).id for i in range(3)]
    assert [item.id for item in GalleryStore(tmp_path).items()] == ids[::-1]


def test_search_by_prompt_text_any_case_and_literal_wildcards(tmp_path):
    store = GalleryStore(tmp_path)
    store.add(picture(), params("Red FOX emblem"))
    store.add(picture(), params("blue whale"))
    store.add(picture(), params("100% organic"))
    assert [item.params.prompt for item in store.items("fox")] == ["Red FOX emblem"]
    assert [item.params.prompt for item in store.items("%")] == ["100% organic"]
    assert store.items("_") == []
    assert len(store.items("")) == 3


def test_delete_removes_the_item_and_restore_brings_it_back_whole(tmp_path):
    store = GalleryStore(tmp_path)
    keep, gone = store.add(picture(), params("keep")), store.add(picture("blue"), params("gone"))
    deleted = store.delete(gone.id)
    assert deleted == gone
    assert not gone.path.exists() and not gone.thumbnail.exists()
    assert [item.id for item in store.items()] == [keep.id]
    assert store.delete("no-such-id") is None
    store.restore(deleted)
    assert [item.id for item in store.items()] == [gone.id, keep.id]
    with Image.open(gone.path) as image:
        assert image.getpixel((0, 0)) == (0, 0, 255)
    assert gone.thumbnail.exists()


def test_deleted_items_are_gone_for_good_after_reopening(tmp_path):
    store = GalleryStore(tmp_path)
    gone = store.add(picture(), params("gone"))
    store.delete(gone.id)
    reopened = GalleryStore(tmp_path)
    assert reopened.items() == [] and not reopened.trash_dir.exists()


def test_crash_during_save_leaves_earlier_items_intact_and_no_partial_file(tmp_path, monkeypatch):
    store = GalleryStore(tmp_path)
    earlier = store.add(picture("blue"), params("earlier"))

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(GalleryError, match="disk holding .* is full"):
        store.add(picture(), params("doomed"))
    monkeypatch.undo()
    assert sorted(p.name for p in store.images_dir.iterdir()) == [earlier.path.name]
    reopened = GalleryStore(tmp_path)
    assert [item.id for item in reopened.items()] == [earlier.id]
    with Image.open(earlier.path) as image:
        assert image.getpixel((0, 0)) == (0, 0, 255)


def test_png_without_row_is_reindexed_from_its_metadata(tmp_path):
    store = GalleryStore(tmp_path)
    item = store.add(picture(), params("fox", seed=7), parent_id="parent-1")
    item.thumbnail.unlink()
    with sqlite3.connect(store.index_path) as db:
        db.execute("DELETE FROM items")
    reopened = GalleryStore(tmp_path)
    assert reopened.last_reconcile.reindexed == 1
    [restored] = reopened.items()
    assert (restored.id, restored.params, restored.parent_id) == (item.id, params("fox", seed=7), "parent-1")
    assert restored.created == pytest.approx(item.created)
    assert restored.thumbnail.exists()


def test_row_without_file_is_dropped(tmp_path):
    store = GalleryStore(tmp_path)
    kept = store.add(picture(), params("kept"))
    lost = store.add(picture(), params("lost"))
    lost.path.unlink()
    reopened = GalleryStore(tmp_path)
    assert reopened.last_reconcile.dropped == 1
    assert [item.id for item in reopened.items()] == [kept.id]


def test_garbled_index_is_set_aside_and_rebuilt_from_the_pngs(tmp_path):
    store = GalleryStore(tmp_path)
    ids = {store.add(picture(), params(f"logo {i}")).id for i in range(2)}
    store.index_path.write_bytes(b"this is not a database" * 100)
    reopened = GalleryStore(tmp_path)
    assert reopened.last_reconcile.rebuilt_index
    assert {item.id for item in reopened.items()} == ids
    assert list(tmp_path.glob("index.sqlite3.broken-*"))


def test_deleted_index_is_rebuilt(tmp_path):
    store = GalleryStore(tmp_path)
    item = store.add(picture(), params())
    store.index_path.unlink()
    assert [restored.id for restored in GalleryStore(tmp_path).items()] == [item.id]


def test_leftover_temporary_files_are_cleaned_and_foreign_pngs_reported(tmp_path):
    store = GalleryStore(tmp_path)
    (store.images_dir / ".tmp-abcd-half.png").write_bytes(b"\x89PNG half written")
    picture().save(store.images_dir / "no-metadata.png")
    reopened = GalleryStore(tmp_path)
    assert not list(store.images_dir.glob(".tmp-*"))
    assert reopened.last_reconcile.unreadable == ("no-metadata.png",)
    assert (store.images_dir / "no-metadata.png").exists()  # never delete what we cannot read


def test_pixels_round_trip_exactly(tmp_path):
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    item = GalleryStore(tmp_path).add(noise, params())
    with Image.open(item.path) as saved:
        assert np.array_equal(np.asarray(saved), np.asarray(noise))


def test_unwritable_gallery_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(GalleryError, match="Cannot create the gallery folder"):
        GalleryStore(blocker / "gallery")
