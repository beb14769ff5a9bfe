"""The layering rules of docs/architecture.md, checked in fresh interpreters."""

import pytest
from no_network_child import run_python


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    return set(run_python(code, check=True).stdout.split())


@pytest.mark.parametrize(
    "module",
    ["desktop.params", "desktop.metadata", "desktop.gallery", "desktop.engine", "desktop.cli", "desktop.cli.generate"],
)
def test_core_modules_import_no_qt(module):
    assert not any(name.startswith("PySide6") for name in imported_after(f"import {module}"))


def test_window_code_path_does_not_import_torch_or_diffusers_before_the_window():
    modules = imported_after(
        "import desktop.app, desktop.ui.main_window, desktop.workers.generation_worker, desktop.gallery"
    )
    assert "torch" not in modules and "diffusers" not in modules


def test_engine_works_with_qt_absent(tiny_model):
    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "from desktop.engine import Engine, choose_device\n"
        "from desktop.params import GenerationParams\n"
        f"e = Engine(choose_device('cpu')); e.load({str(tiny_model)!r})\n"
        "print(next(e.generate(GenerationParams('x', width=64, height=64, steps=1, seed=0))).image.size)"
    )
    result = run_python(code, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(64, 64)"
