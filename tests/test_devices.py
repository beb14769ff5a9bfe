import pytest

from desktop.engine import MemorySavers, choose_device, device_preference
from desktop.engine.devices import DeviceChoice
from desktop.errors import DeviceNotAvailable, InvalidParameters


def test_flag_beats_environment_beats_setting(monkeypatch):
    assert device_preference() == "auto"
    assert device_preference(setting="cpu") == "cpu"
    monkeypatch.setenv("LOGO_STUDIO_DEVICE", "mps")
    assert device_preference(setting="cpu") == "mps"
    assert device_preference(flag="cuda", setting="cpu") == "cuda"


def test_unknown_device_is_named(monkeypatch):
    monkeypatch.setenv("LOGO_STUDIO_DEVICE", "tpu")
    with pytest.raises(DeviceNotAvailable, match="Unknown device 'tpu'") as caught:
        device_preference()
    assert not isinstance(caught.value, InvalidParameters)  # a setting of the machine, not a request field


def test_auto_on_a_machine_without_gpu_is_the_cpu_in_float32():
    choice = choose_device("auto")
    assert (choice.device, choice.dtype) == ("cpu", "float32")
    assert "CPU" in choice.describe()


def test_asking_for_an_absent_gpu_says_what_to_choose_instead():
    with pytest.raises(DeviceNotAvailable, match="no NVIDIA GPU.*Choose auto or cpu"):
        choose_device("cuda")


@pytest.mark.parametrize(
    ("device", "offload"), [("cpu", False), ("mps", False), ("cuda", True)], ids=["cpu", "mps", "cuda"]
)
def test_low_memory_turns_on_only_the_savers_that_work_on_the_device(device, offload):
    choice = DeviceChoice(device, "float32", "test")
    assert MemorySavers.for_device(choice, low_memory=False) == MemorySavers()
    savers = MemorySavers.for_device(choice, low_memory=True)
    assert (savers.attention_slicing, savers.vae_tiling, savers.cpu_offload) == (True, True, offload)
