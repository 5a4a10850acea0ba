"""``tabc train ... --model-arg reversible=True`` (issue 14): trains, and a halted run resumes
to the weights of an uninterrupted one, as without it."""

from __future__ import annotations

from .helpers import checkpoint, same_tensors, tabc

RECIPE = [
    "lm_resnet20",
    "--model-arg",
    "widths=(4,4,8)",
    "--model-arg",
    "k_init=(0.3,0.6)",
    "--model-arg",
    "reversible=True",
    "--epochs",
    "2",
    "--batch-size",
    "256",
    "--seed",
    "3",
]


def test_a_reversible_run_trains_and_resumes_to_the_uninterrupted_weights(tmp_path, capsys):
    straight, halted = tmp_path / "straight", tmp_path / "halted"
    assert tabc(capsys, "train", *RECIPE, "--out", straight)[0] == 0
    code, out, _ = tabc(capsys, "train", *RECIPE, "--out", halted, "--stop-after", "1")
    assert code == 0 and "stopped after epoch 1 of 2" in out
    code, out, _ = tabc(capsys, "train", *RECIPE, "--out", halted, "--resume")
    assert code == 0 and "resumed after epoch 1" in out
    done, resumed = checkpoint(straight), checkpoint(halted)
    assert same_tensors(done["model"], resumed["model"])


def test_reversible_on_a_scheme_whose_step_does_not_invert_says_so(tmp_path, capsys):
    for scheme, reason in (("bdf2", "implicit"), ("rk4", "tabc info")):
        code, _, err = tabc(
            capsys, "train", scheme, "--model-arg", "reversible=True", "--out", tmp_path / scheme
        )
        assert code == 2
        assert f"{scheme} has no reversible=True: its compiled step does not invert" in err
        assert reason in err and "unexpected keyword" not in err
        assert not (tmp_path / scheme).exists()
