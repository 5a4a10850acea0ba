"""``tabc train ... --model-arg reversible=True`` (issue 14): trains, and a halted run resumes
to the weights of an uninterrupted one, as without it."""

from __future__ import annotations

from pathlib import Path

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


def test_reversible_false_is_every_networks_default_and_a_non_bool_is_refused(tmp_path, capsys):
    from tableau_compiler.training.model_source import build_model, resolve_model

    library = Path(__file__).resolve().parents[2] / "tableaus" / "rk4.toml"
    source = resolve_model(str(library), tmp_path / "scheme")
    plain = build_model(source, 10, 1, {"depth": 2, "widths": (4,), "reversible": False})
    assert sum(p.numel() for p in plain.parameters()) > 0
    code, _, err = tabc(
        capsys, "train", "lm_resnet20", "--model-arg", "reversible='no'", "--out", tmp_path / "x"
    )
    assert code == 2 and "reversible takes True or False, not 'no'" in err


def test_a_refused_model_leaves_no_directory_behind_not_even_parents(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "c"
    code, _, _ = tabc(capsys, "train", "bdf2", "--model-arg", "reversible=True", "--out", out)
    assert code == 2
    assert not (tmp_path / "a").exists()
