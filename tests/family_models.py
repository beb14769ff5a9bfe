"""Fixtures for the per-family tests: tiny SDXL and FLUX.1 models (and their inpainting kin), each
built once per test run however many test modules import them, and an engine per family."""

from __future__ import annotations

import pytest

_built: dict[str, object] = {}


def _build(kind: str, factory):
    if kind not in _built:
        import make_tiny_model as tiny

        folder = factory.mktemp("families") / kind
        builders = {
            "sdxl": lambda: tiny.make_tiny_sdxl(folder),
            "sdxl-inpaint": lambda: tiny.make_tiny_sdxl(folder, inpaint=True),
            "flux": lambda: tiny.make_tiny_flux(folder),
            "flux-schnell": lambda: tiny.make_tiny_flux(folder, guidance_embeds=False),
            "flux-fill": lambda: tiny.make_tiny_flux(folder, fill=True),
        }
        _built[kind] = builders[kind]()
    return _built[kind]


@pytest.fixture(scope="session")
def tiny_sdxl(tmp_path_factory):
    return _build("sdxl", tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_sdxl_inpaint(tmp_path_factory):
    return _build("sdxl-inpaint", tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_flux(tmp_path_factory):
    return _build("flux", tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_flux_schnell(tmp_path_factory):
    return _build("flux-schnell", tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_flux_fill(tmp_path_factory):
    return _build("flux-fill", tmp_path_factory)


@pytest.fixture(scope="session", params=["sdxl", "flux"])
def family_model(request, tmp_path_factory):
    """(family name, tiny model folder) for SDXL and FLUX.1 in turn."""
    return request.param, _build(request.param, tmp_path_factory)


_engines: dict[str, object] = {}


@pytest.fixture(scope="session")
def family_engine(family_model):
    """A CPU engine with the family's tiny model loaded (shared: tests must not reload it)."""
    from desktop.engine import Engine, choose_device

    name, folder = family_model
    if name not in _engines:
        engine = Engine(choose_device("cpu"))
        engine.load(str(folder))
        _engines[name] = engine
    return _engines[name]
