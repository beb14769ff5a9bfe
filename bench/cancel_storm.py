"""Cancel storm: many generate/cancel cycles at random steps through the real worker thread.

Every job must end in exactly one final state, the worker must return to idle each time, and
memory must not grow. Prints a summary; exits 1 on a failure.

    python bench/cancel_storm.py --cycles 100
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def resident_mb() -> float:
    """Current resident memory of this process (Linux), in MB."""
    with open(f"/proc/{os.getpid()}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def storm(model: str, cycles: int, seed: int = 0, pump=None) -> dict:
    """Run ``cycles`` jobs, each cancelled at a random step. ``pump`` processes Qt events."""
    from PySide6.QtCore import QObject, Slot
    from PySide6.QtWidgets import QApplication

    from desktop.gallery import GalleryStore
    from desktop.params import GenerationParams
    from desktop.workers.generation_worker import Job, WorkerHost

    QApplication.instance() or QApplication([])
    pump = pump or (lambda: (QApplication.processEvents(), time.sleep(0.002)))
    generator = random.Random(seed)
    store = GalleryStore(Path(tempfile.mkdtemp()))
    host = WorkerHost(store, "cpu")

    class Recorder(QObject):  # bound slots: delivered on this (GUI) thread
        def __init__(self) -> None:
            super().__init__()
            self.finals: dict[int, list[str]] = {}
            self.steps: dict[int, int] = {}

        @Slot(int, object)
        def progress(self, job_id, update) -> None:
            self.steps[job_id] = update.step

        @Slot(int)
        def finished(self, job_id) -> None:
            self.finals.setdefault(job_id, []).append("finished")

        @Slot(int, str)
        def failed(self, job_id, message) -> None:
            self.finals.setdefault(job_id, []).append(f"failed: {message}")

        @Slot(int)
        def cancelled(self, job_id) -> None:
            self.finals.setdefault(job_id, []).append("cancelled")

    recorder = Recorder()
    host.worker.jobProgress.connect(recorder.progress)
    host.worker.jobFinished.connect(recorder.finished)
    host.worker.jobFailed.connect(recorder.failed)
    host.worker.jobCancelled.connect(recorder.cancelled)
    host.start()
    memory = []
    try:
        for cycle in range(cycles):
            cancel_at = generator.randint(0, 12)
            job = Job(GenerationParams("storm", width=64, height=64, steps=12, seed=cycle, model=model))
            host.submit(job)
            deadline = time.monotonic() + 120
            while job.id not in recorder.finals and time.monotonic() < deadline:
                if recorder.steps.get(job.id, -1) >= cancel_at:
                    job.cancel.set()  # what the Cancel button does
                pump()
            if cancel_at == 0:
                job.cancel.set()
            assert job.id in recorder.finals, f"cycle {cycle}: the job never ended"
            assert not host.pending, f"cycle {cycle}: the worker did not return to idle"
            if cycle in (cycles // 5, cycles - 1):
                memory.append(resident_mb())
    finally:
        host.shutdown(10_000)
    endings = [final for finals in recorder.finals.values() for final in finals]
    assert all(len(finals) == 1 for finals in recorder.finals.values()), "a job ended twice"
    assert not any(final.startswith("failed") for final in endings), [e for e in endings if e.startswith("failed")]
    return {
        "cycles": cycles,
        "cancelled": endings.count("cancelled"),
        "finished": endings.count("finished"),
        "memory growth MB": memory[-1] - memory[0],
        "saved": len(store),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from make_tiny_model import make_tiny_model

    model = ROOT / "build" / "tiny" / "txt2img"
    if not (model / "model_index.json").is_file():
        model = make_tiny_model(Path(tempfile.mkdtemp()))
    started = time.monotonic()
    try:
        result = storm(str(model), args.cycles)
    except AssertionError as error:
        print(f"FAILED: {error}")
        sys.exit(1)
    print(
        f"{result['cycles']} generate/cancel cycles in {time.monotonic() - started:.0f} s: {result['cancelled']} "
        f"cancelled, {result['finished']} finished before the cancel arrived, each exactly once; the worker was "
        f"idle after every cycle; resident memory grew {result['memory growth MB']:+.1f} MB from cycle "
        f"{result['cycles'] // 5} to the last"
    )


if __name__ == "__main__":
    main()
