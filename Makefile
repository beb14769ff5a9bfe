# The README's two commands: `make run` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch 2.13.0 from PyPI: CUDA build on Linux x86_64, Metal (MPS) on macOS, CPU elsewhere.
# For a CPU-only Linux install: make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint tiny-model package comfyui-for-tests

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/logo-studio $(ARGS)

test: $(STAMP) comfyui-for-tests
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# A real ComfyUI server for the ComfyUI engine's tests (tests/comfyui_server.py): installed from
# ../shared once into ~/.cache/logo-studio-tests (about 2 minutes), reused by every later run.
comfyui-for-tests: $(STAMP)
	$(BIN)/python tests/comfyui_server.py --prepare

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# A tiny random model to try the app and CLI by hand: make run ARGS="--model build/tiny/txt2img"
tiny-model: $(STAMP)
	$(BIN)/python tests/make_tiny_model.py build/tiny

# The one-folder app in dist/ (see packaging/README.md), then checked: started with the tiny model,
# it must load it and make an image through its engine process: make package
# With TORCH_INDEX (e.g. make package TORCH_INDEX=https://download.pytorch.org/whl/cpu) that torch
# build is installed into .venv first, even when .venv exists, and the build fails if another one
# would be bundled.
PYINSTALLER ?= pyinstaller==6.22.3
package: $(STAMP)
	$(BIN)/python -m pip install --quiet "$(PYINSTALLER)"
	test -f build/tiny/txt2img/model_index.json || $(BIN)/python tests/make_tiny_model.py build/tiny
	$(BIN)/python packaging/build.py --check --model build/tiny/txt2img $(if $(TORCH_INDEX),--torch-index "$(TORCH_INDEX)" --torch "$(TORCH)")
