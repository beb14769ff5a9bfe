"""Gallery crash safety: a child process saving items is killed with SIGKILL at random moments.

After every kill the gallery must open, and every item the child reported as saved must still be
there with its pixels and parameters intact. Prints a summary; exits 1 on any loss.

    python bench/gallery_crash.py --trials 200
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
import numpy as np
from pathlib import Path
from PIL import Image
sys.path.insert(0, {root!r})
from desktop.gallery import GalleryStore
from desktop.params import GenerationParams
store = GalleryStore(Path(sys.argv[1]))
rng = np.random.default_rng(int(sys.argv[2]))
print("ready", flush=True)
n = 0
while True:
    n += 1
    pixels = rng.integers(0, 256, (192, 192, 3), dtype=np.uint8)
    seed = int(pixels[0, 0, 0]) * 1000 + n
    params = GenerationParams(f"crash test {{seed}}", seed=seed, width=192, height=192)
    item = store.add(Image.fromarray(pixels), params)
    print(item.id, seed, flush=True)
"""


def run_trials(root: Path, trials: int, seed: int = 0) -> dict:
    """Kill a saving child ``trials`` times; returns counts. Raises AssertionError on any loss."""
    from PIL import Image

    from desktop.gallery import GalleryStore

    generator = random.Random(seed)
    saved: dict[str, int] = {}
    kills_mid_save = 0
    for trial in range(trials):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(root), str(trial)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready"
        time.sleep(generator.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
        for line in output.splitlines():
            item_id, item_seed = line.split()
            saved[item_id] = int(item_seed)
        store = GalleryStore(root)  # must open, whatever state the kill left
        kills_mid_save += bool(store.last_reconcile.reindexed or store.last_reconcile.dropped)
        present = {item.id: item for item in store.items()}
        missing = set(saved) - set(present)
        assert not missing, f"trial {trial}: saved items lost: {sorted(missing)[:3]}"
        for item_id, item_seed in saved.items():
            item = present[item_id]
            assert item.params.seed == item_seed, f"trial {trial}: parameters of {item_id} changed"
            with Image.open(item.path) as image:
                image.load()  # raises on a truncated or corrupt file
                assert image.size == (192, 192)
    leftovers = list((root / "images").glob(".tmp-*"))
    return {
        "trials": trials,
        "items saved": len(saved),
        "repairs on open": kills_mid_save,
        "temporary files left": len(leftovers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        try:
            result = run_trials(Path(folder), args.trials)
        except AssertionError as error:
            print(f"FAILED: {error}")
            sys.exit(1)
    print(
        f"{result['trials']} SIGKILLs while saving, {result['items saved']} items saved, none lost or corrupt; "
        f"the index was repaired on open {result['repairs on open']} times; "
        f"{time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
