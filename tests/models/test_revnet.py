"""RevNet (Gomez et al., NeurIPS 2017) as revnet-public builds it, each reversible unit the
compiled ``revnet`` step: the unit's formula, its exact inverse, the non-reversible units where
a stage changes shape, and the parameter counts docs/networks.md states beside the paper's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from tableau_compiler import create_model
from tableau_compiler.models.revnet import DownsamplingUnit, PoolAndPad, RevnetResidual

NETWORKS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "networks.md"
PAPER_MILLIONS = {"revnet38": 0.46, "revnet110": 1.73, "revnet164": 1.75}  # Table 2


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def stated_counts() -> dict[str, tuple[str, int]]:
    """The networks page's RevNet table: name -> (the paper's figure as written, our count)."""
    rows = re.findall(
        r"^\| RevNet-(\d+) \| ([\d.]+ M) \| ([\d,]+) \|$",
        NETWORKS_PAGE.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return {f"revnet{depth}": (paper, int(ours.replace(",", ""))) for depth, paper, ours in rows}


@pytest.mark.parametrize("name", sorted(PAPER_MILLIONS))
def test_parameter_counts_are_the_stated_ones_and_round_to_the_papers(name):
    with torch.device("meta"):
        count = parameters(create_model(name))  # 10 classes, 3 input channels
    paper, stated = stated_counts()[name]
    assert count == stated
    assert paper == f"{PAPER_MILLIONS[name]:.2f} M"
    assert round(count / 1e6, 2) == PAPER_MILLIONS[name]


def test_the_counts_follow_from_the_official_layers_by_hand():
    # RevNet-38, every trainable variable of revnet-public: stem conv 3*3*3*32 and BN 2*32;
    # a basic F or G on c -> d channels (halves) is [BN 2c] + 9cd + BN 2d + 9dd; the head BN
    # 2*112 and the linear layer 112*10 + 10.
    def residual(c, d, preactivate=True):
        return (2 * c if preactivate else 0) + 9 * c * d + 2 * d + 9 * d * d

    total = 3 * 9 * 32 + 2 * 32 + 2 * 112 + 112 * 10 + 10
    for stage, (cin, cout) in enumerate([(16, 16), (16, 32), (32, 56)]):
        total += residual(cin, cout, preactivate=stage > 0) + residual(cout, cout)
        total += 2 * 2 * residual(cout, cout)
    with torch.device("meta"):
        assert parameters(create_model("revnet38")) == total == 464_890


def units(model) -> list:
    return list(model.units)


@pytest.mark.parametrize(("name", "per_stage"), [("revnet38", 3), ("revnet110", 9)])
def test_basic_nets_are_compiled_steps_but_the_two_stage_changing_units(name, per_stage):
    blocks = units(create_model(name))
    assert len(blocks) == 3 * per_stage
    downsampling = [i for i, b in enumerate(blocks) if isinstance(b, DownsamplingUnit)]
    assert downsampling == [per_stage, 2 * per_stage]
    for i, block in enumerate(blocks):
        if i not in downsampling:
            assert type(block).__name__ == "RevnetStep"
            assert type(block).__module__ == "tableau_compiler.generated.revnet"
    assert all(isinstance(s, PoolAndPad) for s in (blocks[per_stage].shortcut1,))


def test_bottleneck_net_projects_where_the_width_first_grows():
    blocks = units(create_model("revnet164"))
    downsampling = [i for i, b in enumerate(blocks) if isinstance(b, DownsamplingUnit)]
    assert downsampling == [0, 9, 18]  # 32 -> 128 channels at the very first unit too
    first = blocks[0]
    assert isinstance(first.shortcut1, torch.nn.Conv2d)
    assert (first.shortcut1.in_channels, first.shortcut1.out_channels) == (16, 64)
    # the official bottleneck strides its first 1x1 convolution, a quarter of the width inside
    f = blocks[9].f.layers
    convs = [m for m in f if isinstance(m, torch.nn.Conv2d)]
    assert [(c.kernel_size, c.stride, c.out_channels) for c in convs] == [
        ((1, 1), (2, 2), 32), ((3, 3), (1, 1), 32), ((1, 1), (1, 1), 128)
    ]  # fmt: skip


def test_only_the_first_residual_function_skips_its_leading_bn_relu():
    model = create_model("revnet38")
    first = units(model)[0]
    assert isinstance(first.f.layers[0], torch.nn.Conv2d)  # the stem ends in BN-ReLU
    assert isinstance(first.g.layers[0], torch.nn.BatchNorm2d)
    assert isinstance(units(model)[1].f.layers[0], torch.nn.BatchNorm2d)


def test_a_unit_is_y1_x1_plus_F_x2_and_y2_x2_plus_G_y1():
    torch.manual_seed(0)
    model = create_model("revnet38").eval()
    unit = units(model)[1]
    x1, x2 = torch.randn(2, 16, 6, 6), torch.randn(2, 16, 6, 6)
    with torch.no_grad():
        y1, y2 = unit(x1, x2)
        expected1 = x1 + unit.f(x2)
        expected2 = x2 + unit.g(expected1)
    assert torch.allclose(y1, expected1, atol=1e-6)
    assert torch.allclose(y2, expected2, atol=1e-6)


def test_a_reversible_unit_gives_back_its_input_exactly_to_rounding():
    """x2 = y2 - G(y1), x1 = y1 - F(x2): what RevNet's backward pass recomputes."""
    torch.manual_seed(0)
    model = create_model("revnet38").double().eval()
    x1, x2 = (
        torch.randn(2, 16, 6, 6, dtype=torch.float64),
        torch.randn(2, 16, 6, 6, dtype=torch.float64),
    )
    with torch.no_grad():
        for unit in units(model)[:3]:  # the reversible units of the first stage
            y1, y2 = unit(x1, x2)
            back2 = y2 - unit.g(y1)
            back1 = y1 - unit.f(back2)
            assert torch.allclose(back2, x2, atol=1e-12)
            assert torch.allclose(back1, x1, atol=1e-12)
            x1, x2 = y1, y2


def test_the_downsampling_unit_pools_and_pads_its_shortcut():
    torch.manual_seed(0)
    unit = units(create_model("revnet38").eval())[6]  # 64 -> 112 channels, stride 2
    x1, x2 = torch.randn(1, 32, 4, 4), torch.randn(1, 32, 4, 4)
    with torch.no_grad():
        y1, y2 = unit(x1, x2)
        pooled = torch.nn.functional.avg_pool2d(x1, 2)
        assert y1.shape == (1, 56, 2, 2)
        assert torch.allclose(y1[:, 12:44], pooled + unit.f(x2)[:, 12:44], atol=1e-6)
        assert torch.allclose(y1[:, :12], unit.f(x2)[:, :12], atol=1e-6)  # zero padding
        assert torch.allclose(y2, unit.g(y1) + unit.shortcut2(x2), atol=1e-6)


def test_a_strided_residual_function_halves_the_grid_and_an_odd_padding_is_refused():
    f = RevnetResidual(16, 32, stride=2)
    assert f(torch.randn(1, 16, 8, 8)).shape == (1, 32, 4, 4)
    with pytest.raises(ValueError, match="even channel increase"):
        PoolAndPad(16, 15, 2)


def test_odd_widths_are_refused():
    with pytest.raises(ValueError, match="even"):
        create_model("revnet38", filters=(32, 32, 64, 113))


def test_the_compiled_steps_inverse_undoes_every_reversible_unit():
    """``RevnetStep.inverse``, emitted because the revnet pair is explicit for separable
    systems and symplectic, gives back a unit's input to rounding in the network itself."""
    torch.manual_seed(0)
    model = create_model("revnet110").double().eval()
    reversible = [u for u in units(model) if not isinstance(u, DownsamplingUnit)]
    assert len(reversible) == 25
    shapes = {16: 8, 32: 4, 64: 2}  # half width -> grid side in its stage
    with torch.no_grad():
        for unit in reversible:
            half = unit.f.layers[-1].out_channels
            side = shapes[half]
            x1 = torch.randn(2, half, side, side, dtype=torch.float64)
            x2 = torch.randn(2, half, side, side, dtype=torch.float64)
            back1, back2 = unit.inverse(*unit(x1, x2))
            assert torch.allclose(back1, x1, atol=1e-10) and torch.allclose(back2, x2, atol=1e-10)
