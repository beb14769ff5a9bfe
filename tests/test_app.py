from PIL import Image

from desktop.app import build_window
from desktop.gallery import GalleryStore
from desktop.params import GenerationParams


def test_window_opens_on_the_given_gallery(qtbot, tmp_path):
    GalleryStore(tmp_path).add(Image.new("RGB", (64, 64)), GenerationParams("fox", seed=1, width=64, height=64))
    window = build_window(tmp_path)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Logo Studio"
    assert window.store.root == tmp_path and len(window.store) == 1
