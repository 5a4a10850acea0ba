"""Every scheme in tableaus/ has the order the literature gives it, exactly."""

from pathlib import Path

import pytest

from tableau_compiler.analysis import analyse
from tableau_compiler.parsing import load_scheme

LIBRARY = Path(__file__).resolve().parents[2] / "tableaus"

# Orders from the literature (HNW I and II; Butcher 2016; the schemes' papers),
# written here independently of the files' own claims. (order, embedded order)
KNOWN_ORDERS = {
    "euler": (1, None), "midpoint": (2, None), "heun": (2, None), "ralston2": (2, None),
    "ralston3": (3, None), "ralston4": (4, None), "kutta3": (3, None), "rk4": (4, None),
    "rk38": (4, None), "ssprk22": (2, None), "ssprk33": (3, None), "ssprk104": (4, None),
    "bs32": (3, 2), "fehlberg45": (4, 5), "cash_karp": (5, 4), "dopri5": (5, 4),
    "tsit5": (5, 4), "verner65": (6, 5), "pd87": (8, 7),
    "backward_euler": (1, None), "implicit_midpoint": (2, None), "trapezoid": (2, None),
    "gl2": (4, None), "gl3": (6, None), "radau_iia2": (3, None), "radau_iia3": (5, None),
    "lobatto_iiia3": (4, None), "lobatto_iiic2": (2, None), "lobatto_iiic3": (4, None),
    "sdirk2_3": (3, None),
    "ab1": (1, None), "ab2": (2, None), "ab3": (3, None), "ab4": (4, None), "ab5": (5, None),
    "am1": (2, None), "am2": (3, None), "am3": (4, None), "am4": (5, None),
    "bdf1": (1, None), "bdf2": (2, None), "bdf3": (3, None), "bdf4": (4, None),
    "bdf5": (5, None), "bdf6": (6, None), "leapfrog": (2, None), "milne_simpson": (4, None),
    "lm_resnet": (1, None),
    # architectures read as schemes (Lu et al., 2018): PolyNet is backward Euler,
    # FractalNet the two-stage, second-order SSP/Heun tableau
    "polynet": (1, None), "fractalnet": (2, None),
    # partitioned pairs: the order for general partitioned systems (HLW GNI §II.2, §III.2);
    # their separable orders and properties: tests/analysis/test_partitioned_library.py
    "symplectic_euler": (1, None), "symplectic_euler_adjoint": (1, None), "revnet": (1, None),
    "stormer_verlet": (2, None), "stormer_verlet_position": (2, None),
    "lobatto_iiia_iiib2": (2, None), "lobatto_iiia_iiib3": (4, None),
    "ruth3": (1, None), "forest_ruth4": (1, None),
}  # fmt: skip

FILES = sorted(LIBRARY.glob("*.toml"))


def test_the_library_holds_at_least_35_schemes_and_each_has_a_known_order():
    names = {path.stem for path in FILES}
    assert len(names) >= 35
    assert names <= set(KNOWN_ORDERS), f"add the literature's order for {names - set(KNOWN_ORDERS)}"
    assert set(KNOWN_ORDERS) <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scheme_has_exactly_its_known_order(path):
    scheme = load_scheme(path)
    assert scheme.name == path.stem
    assert scheme.title and scheme.references, "every library scheme has a title and a reference"
    analysis = analyse(scheme, full=True)
    assert analysis.passed, analysis.failures
    order, embedded = KNOWN_ORDERS[scheme.name]
    # full=True checks one order beyond the claim, so the order found is exact.
    assert analysis.order == order
    assert getattr(analysis, "embedded_order", None) == embedded
