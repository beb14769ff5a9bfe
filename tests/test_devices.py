import pytest

from desktop.engine import choose_device, device_preference
from desktop.errors import InvalidParameters


def test_flag_beats_environment_beats_setting(monkeypatch):
    assert device_preference() == "auto"
    assert device_preference(setting="cpu") == "cpu"
    monkeypatch.setenv("LOGO_STUDIO_DEVICE", "mps")
    assert device_preference(setting="cpu") == "mps"
    assert device_preference(flag="cuda", setting="cpu") == "cuda"


def test_unknown_device_is_named(monkeypatch):
    monkeypatch.setenv("LOGO_STUDIO_DEVICE", "tpu")
    with pytest.raises(InvalidParameters, match="Unknown device 'tpu'") as caught:
        device_preference()
    assert caught.value.field == "device"


def test_auto_on_a_machine_without_gpu_is_the_cpu_in_float32():
    choice = choose_device("auto")
    assert (choice.device, choice.dtype) == ("cpu", "float32")
    assert "CPU" in choice.describe()


def test_asking_for_an_absent_gpu_says_what_to_choose_instead():
    with pytest.raises(InvalidParameters, match="no NVIDIA GPU.*Choose auto or cpu"):
        choose_device("cuda")
