"""GUI responsiveness: the longest event-loop stall while models load and generate, and the time
from launch to a visible window.

Targets: no stall above 50 ms; window visible within 1.5 s (torch/diffusers load after it shows).

    python bench/ui_latency.py            # tiny model at 256 px, plus launch time
    python bench/ui_latency.py --full     # also the full-size SD 1.5 architecture (random weights), 256 px

Runs offscreen unless DISPLAY is set (use Xvfb for a real window).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

LAUNCH_PROBE = """
import sys, time
from PySide6.QtCore import QObject, QEvent, QTimer
from PySide6.QtWidgets import QApplication
from pathlib import Path
app = QApplication(sys.argv)
import desktop.app
window = desktop.app.build_window(Path(sys.argv[1]), config_dir=Path(sys.argv[2]))

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"{time.time():.6f} {'torch' in sys.modules}", flush=True)
            QTimer.singleShot(0, window.close)
            self.deleteLater()
        return False

probe = FirstPaint()
window.installEventFilter(probe)
window.show()
app.exec()
import os
os._exit(0)  # as the app's entry point does when the worker is still starting
"""


def launch_time(runs: int = 5) -> list[tuple[float, bool]]:
    """Seconds from starting the interpreter to the window's first paint, and whether torch was loaded."""
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, LOGO_STUDIO_DATA_DIR=scratch, HF_HUB_OFFLINE="1")
        for _ in range(runs):
            started = time.time()
            output = subprocess.run(
                [sys.executable, "-c", LAUNCH_PROBE, f"{scratch}/gallery", f"{scratch}/config"],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=120,
                check=True,
            ).stdout.split()
            results.append((float(output[0]) - started, output[1] == "True"))
    return results


class StallMeter:
    """Ticks every 5 ms on the GUI thread and keeps the longest gap between ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock, self.timer = QElapsedTimer(), QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest, self.ticks, self._last = 0, 0, 0

    def _tick(self) -> None:
        now = self.clock.elapsed()
        if self.ticks:
            self.longest = max(self.longest, now - self._last)
        self._last, self.ticks = now, self.ticks + 1

    def run_until(self, done, limit_s: float = 1800) -> float:
        """Process events until ``done()``; returns the seconds it took."""
        from PySide6.QtWidgets import QApplication

        self.clock.start()
        self.timer.start()
        started = time.monotonic()
        while not done() and time.monotonic() - started < limit_s:
            QApplication.processEvents()
            time.sleep(0.001)
        self.timer.stop()
        return time.monotonic() - started


def measure(model: str, size: int, steps: int, count: int) -> dict[str, tuple[float, float]]:
    """Longest stall (ms) and duration (s) of: start-up with the model preloading, then a job."""
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window

    QApplication.instance() or QApplication(sys.argv)
    scratch = Path(tempfile.mkdtemp())
    window = build_window(scratch / "gallery", model=model, device="cpu", config_dir=scratch / "config")
    window.show()
    startup = StallMeter()
    load_seconds = startup.run_until(lambda: window.run_panel.progress_bar.format() == "Model ready")
    window.brief.prompt_edit.setPlainText("a fox logo, flat vector")
    window.advanced.width_spin.setValue(size)
    window.advanced.height_spin.setValue(size)
    window.advanced.steps_spin.setValue(steps)
    window.advanced.batch_spin.setValue(count)
    job = StallMeter()
    window.actions.generate()
    job_seconds = job.run_until(lambda: not window.host.pending and not window.run_panel.cancel_button.isEnabled())
    if bool(window.notices.text("error")):
        raise SystemExit(f"generation failed: {window.notices.text('error')}")
    window.close()
    return {"start-up + model preload": (startup.longest, load_seconds), "generation": (job.longest, job_seconds)}


def report(label: str, results: dict[str, tuple[float, float]]) -> None:
    for phase, (stall, seconds) in results.items():
        print(f"{label}, {phase} ({seconds:.1f} s): longest event-loop stall {stall:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also measure with the full-size SD 1.5 architecture")
    args = parser.parse_args()

    launches = launch_time()
    times = sorted(t for t, _ in launches)
    print(
        f"launch to visible window: median {times[len(times) // 2]:.2f} s, worst {times[-1]:.2f} s over "
        f"{len(times)} runs; torch imported before the first paint: {any(loaded for _, loaded in launches)}"
    )

    from make_tiny_model import make_tiny_model

    tiny = ROOT / "build" / "tiny" / "txt2img"
    if not (tiny / "model_index.json").is_file():
        tiny = make_tiny_model(Path(tempfile.mkdtemp()))
    report("tiny model, 256 px, 2 images x 20 steps", measure(str(tiny), 256, 20, 2))
    if args.full:
        from sd15_random import make_sd15_random

        full = make_sd15_random(ROOT / "build" / "sd15-random")
        report("full-size SD 1.5 architecture, 256 px, 1 image x 2 steps", measure(str(full), 256, 2, 1))


if __name__ == "__main__":
    main()
