"""PIL <-> QImage conversion (GUI thread only), without PIL.ImageQt's optional imports."""

from __future__ import annotations

from PIL import Image
from PySide6.QtGui import QImage


def pil_to_qimage(image: Image.Image) -> QImage:
    """A QImage that owns a copy of ``image``'s pixels (RGB, RGBA or L)."""
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    formats = {
        "RGB": QImage.Format.Format_RGB888,
        "RGBA": QImage.Format.Format_RGBA8888,
        "L": QImage.Format.Format_Grayscale8,
    }
    data = image.tobytes()
    bytes_per_line = image.width * len(image.getbands())
    return QImage(data, image.width, image.height, bytes_per_line, formats[image.mode]).copy()


def qimage_to_pil(image: QImage) -> Image.Image:
    """A PIL image from a QImage (greyscale stays "L", anything else becomes "RGBA")."""
    if image.format() == QImage.Format.Format_Grayscale8:
        mode, converted = "L", image
    else:
        mode, converted = "RGBA", image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = converted.width(), converted.height()
    stride = converted.bytesPerLine()
    data = bytes(converted.constBits())[: stride * height]
    return Image.frombuffer(mode, (width, height), data, "raw", mode, stride, 1).copy()
