"""Nothing is downloaded without asking, from the command line too: on a terminal the CLI asks;
without one (scripts, CI, a windowed app with no stdin at all) it refuses before any request and
names the ways to agree. The same one consent step as the window; progress and errors in plain words."""

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

from desktop.app import main
from desktop.cli import downloads as cli_downloads
from desktop.metadata import read_params
from desktop.models.references import DEFAULT_MODEL

REPO = "test-org/tiny-sd"
TINY = ["--steps", "2", "--width", "64", "--height", "64", "--device", "cpu", "--seed", "5"]


@pytest.mark.parametrize("stdin", ["none", "not a terminal"])
def test_without_a_terminal_the_default_model_is_refused_before_any_request(local_hub, monkeypatch, capsys, stdin):
    monkeypatch.setattr(sys, "stdin", None if stdin == "none" else io.StringIO("y\n"))
    assert main(["generate", "--prompt", "fox logo", *TINY]) == 2  # the README's first example, no --model
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert DEFAULT_MODEL in err or "Stable Diffusion" in err
    assert "--yes" in err and f"logo-studio download {DEFAULT_MODEL}" in err
    assert local_hub.requests == []


def test_on_a_terminal_the_question_comes_first_and_no_means_nothing_is_fetched(local_hub, monkeypatch, capsys):
    questions = []
    monkeypatch.setattr(cli_downloads, "interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda text: questions.append(text) or "n")
    assert main(["generate", "--prompt", "fox logo", "--model", REPO, *TINY]) == 2
    assert len(questions) == 1 and REPO in questions[0] and "disk space" in questions[0]
    assert "was not downloaded" in capsys.readouterr().err
    assert local_hub.requests == []


def test_yes_at_the_terminal_downloads_then_generates(local_hub, monkeypatch, capsys, tiny_model):
    monkeypatch.setattr(cli_downloads, "interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda text: "y")
    assert main(["generate", "--prompt", "fox logo", "--model", REPO, *TINY]) == 0
    out = capsys.readouterr().out
    with Image.open(out.split()[0]) as image:
        assert read_params(image).model == REPO


def test_yes_flag_downloads_without_asking(local_hub, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", None)
    assert main(["generate", "--prompt", "fox logo", "--model", REPO, "--yes", *TINY]) == 0
    assert Path(capsys.readouterr().out.split()[0]).is_file()
    assert any("/resolve/" in path for _, path, _ in local_hub.requests)


def test_download_command_without_any_stdin_says_how_to_agree(local_hub, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", None)  # a windowed bundle on Windows or macOS
    assert main(["download", REPO]) == 2
    err = capsys.readouterr().err
    assert "--yes" in err and "Traceback" not in err
    assert local_hub.requests == []
    assert main(["download", REPO, "--yes"]) == 0
    assert Path(capsys.readouterr().out.strip()).is_dir()


def test_a_failed_download_is_exit_1_and_not_offered_for_resuming_when_nothing_was_kept(local_hub, capsys, tmp_path):
    from desktop.models.library import ModelLibrary
    from desktop.paths import config_dir

    local_hub.status = 500
    assert main(["generate", "--prompt", "fox logo", "--model", REPO, "--yes", *TINY]) == 1
    assert "HTTP 500" in capsys.readouterr().err
    assert ModelLibrary(config_dir()).unfinished_downloads() == []
