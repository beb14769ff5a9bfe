"""Regenerate docs/screens/server-*.png: the real window under Xvfb at 1366×768 with jobs on a real
ComfyUI server (the test server of tests/comfyui_server.py, its random tiny checkpoint): the "Where
jobs run" dialog after Test connection, and the window with the server's model and LoRA chosen
after a job made there.

    make tiny-model
    Xvfb :99 -screen 0 1366x768x24 &
    DISPLAY=:99 .venv/bin/python docs/make_server_screens.py docs/screens
"""

import os
import sys
import tempfile
from pathlib import Path

import screen_tools  # beside this script
from screen_tools import pump

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "build" / "tiny"


def main(out: Path) -> None:
    scratch = Path(tempfile.mkdtemp())
    os.environ["LOGO_STUDIO_DATA_DIR"] = str(scratch)
    os.environ["LOGO_STUDIO_ENGINE"] = "in-process"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    sys.path.insert(0, str(ROOT / "tests"))
    from comfyui_server import STYLE_LORA, make_text_encoder_lora, start
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.params import LoraRef
    from desktop.remote.address import NO_SIGN_IN
    from desktop.state.server import SERVER

    app = QApplication(sys.argv)  # noqa: F841 - the application lives as long as the script
    out.mkdir(parents=True, exist_ok=True)
    server = start(scratch / "comfyui", {STYLE_LORA: make_text_encoder_lora(scratch / STYLE_LORA, 1)})

    def grab(widget, name: str) -> None:
        screen_tools.grab(widget, out / name)

    try:
        window = build_window(scratch / "gallery", model=str(TINY / "txt2img"), device="cpu", config_dir=scratch / "c")
        window.ask = lambda title, text: True
        window.resize(1366, 740)
        window.show()
        pump(2)
        window.server_link.open_dialog()
        dialog = window.server_link.dialog
        dialog.server.setChecked(True)
        dialog.address.setText(server.url)
        dialog.test.click()
        pump(until=lambda: dialog.status.text().startswith("ComfyUI"))
        grab(dialog, "server-dialog-tested.png")
        dialog.accept()
        state = window.server_link.state
        pump(until=lambda: state.catalog is not None and state.usable)
        for field, value in (("width", 256), ("height", 256), ("steps", 4), ("prompt", "fox logo, flat vector")):
            window.request.set(field, value)
        window.request.set("loras", (LoraRef(STYLE_LORA, 0.8),))
        window.actions.generate()
        pump(until=lambda: not window.jobs.running)
        assert state.location == SERVER
        grab(window, "server-window-after-a-job.png")
        window.server_link.state.apply("local", server.url, NO_SIGN_IN, "", "", None)  # leave the settings local
        window.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens"))
