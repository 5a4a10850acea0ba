"""The registry's reversible networks (issue 14): revnet* train reversibly by default,
lm_resnet*, hamiltonian* and midpoint* accept reversible=True; their gradients (f, g and
the learnable k_n) and batch-norm statistics equal ordinary back-propagation in float64."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")

from tableau_compiler.models.registry import create_model

SMALL = {
    "revnet38": {"units": (2, 2, 2), "filters": (8, 8, 8, 16)},
    "revnet164": {"units": (2, 1, 1), "filters": (8, 8, 8, 16)},
    "hamiltonian74": {"units": (2, 2, 2), "filters": (8, 8, 8, 16)},
    "midpoint62": {"units": (3, 2, 2), "filters": (8, 8, 8, 16)},
    "lm_resnet20": {"widths": (4, 8, 8), "k_init": (-0.8, 0.8)},
}


def pair(name):
    torch.manual_seed(0)
    kwargs = dict(SMALL[name])
    if name.startswith("revnet"):  # revnet's own default, and the arguments that build it
        reversible = create_model(name, **kwargs)
        assert reversible.reversible
        stored = create_model(name, reversible=False, **kwargs)
    else:
        stored = create_model(name, **kwargs)
        reversible = create_model(name, reversible=True, **kwargs)
    reversible.load_state_dict(stored.state_dict())
    return stored.double().train(), reversible.double().train()


@pytest.mark.parametrize("name", sorted(SMALL))
def test_reversible_training_step_equals_ordinary_backpropagation(name):
    stored, reversible = pair(name)
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    for model in (stored, reversible):
        torch.nn.functional.cross_entropy(model(x), torch.tensor([1, 7])).backward()
    names = [n for n, _ in stored.named_parameters()]
    assert any("raw_k" in n for n in names) == name.startswith("lm_resnet")
    for (key, a), b in zip(stored.named_parameters(), reversible.parameters()):
        assert ((b.grad - a.grad).norm() / a.grad.norm()).item() < 1e-10, key
    for (key, a), b in zip(stored.named_buffers(), reversible.buffers()):
        assert torch.allclose(b, a, rtol=1e-12, atol=1e-14), key
    stored.eval(), reversible.eval()
    assert torch.equal(stored(x), reversible(x))  # evaluation: the same plain network


def test_what_cannot_be_reversible_is_refused():
    with pytest.raises(ValueError, match="stochastic depth and noise"):
        create_model("lm_resnet20", reversible=True, stochastic_depth=True)
    with pytest.raises(ValueError, match="stochastic depth and noise"):
        create_model("lm_resnet20", reversible=True, noise_std=0.1)
    with pytest.raises(ValueError, match="forward Euler is not"):
        create_model("resnet20", reversible=True)


def test_a_reversible_model_loads_a_stored_models_checkpoint():
    stored, reversible = pair("revnet38")
    again = copy.deepcopy(reversible)
    again.load_state_dict(stored.state_dict())  # the same parameters and buffers, same keys
    assert list(again.state_dict()) == list(stored.state_dict())
