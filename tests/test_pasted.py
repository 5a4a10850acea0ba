"""Real tables pasted as their sources write them (docs/scheme-format.md, "Coefficients").

Each file in ``tests/pasted/`` is a library scheme spelt the way a solver's source spells it:
Dormand–Prince 5(4) as dopri5.f writes it (``3.D0/40.D0``), Bogacki–Shampine 3(2) as
OrdinaryDiffEq.jl writes it (``1//2``), and the two-stage SDIRK of order 3 in typeset text
(``−√3/3``), with rows that run up to their diagonal.  Each must read to exactly the values
of the library scheme, pass ``tabc check`` at its order, and compile to the same floats.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tableau_compiler.cli import main
from tableau_compiler.parsing import load_scheme
from tableau_compiler.scheme import ButcherTableau

ROOT = Path(__file__).resolve().parents[1]
PASTED = ROOT / "tests" / "pasted"
TABLEAUS = ROOT / "tableaus"

# pasted file -> (library scheme, approximate?, what tabc check says of its arithmetic)
CASES = {
    "dopri5_fortran.toml": ("dopri5.toml", True, "to tolerance 1e-12"),
    "bs3_julia.toml": ("bs32.toml", False, "exact in QQ"),
    "sdirk2_3_typeset.toml": ("sdirk2_3.toml", False, "exact in QQ<sqrt(3)>"),
}


def exact_values(scheme: ButcherTableau) -> dict[str, list]:
    vectors = {name: getattr(scheme, name) for name in ("b", "c", "b_hat")}
    return {
        "a": [[x.to_sympy() for x in row] for row in scheme.a],
        **{name: None if v is None else [x.to_sympy() for x in v] for name, v in vectors.items()},
    }


@pytest.mark.parametrize("pasted", sorted(CASES))
def test_a_pasted_table_reads_to_exactly_the_values_of_the_library_scheme(pasted):
    library, approximate, _ = CASES[pasted]
    read, canonical = load_scheme(PASTED / pasted), load_scheme(TABLEAUS / library)
    assert isinstance(read, ButcherTableau) and isinstance(canonical, ButcherTableau)
    assert exact_values(read) == exact_values(canonical)
    assert read.is_approximate == approximate  # Fortran decimals stay decimals; // is exact


@pytest.mark.parametrize("pasted", sorted(CASES))
def test_a_pasted_table_passes_tabc_check_at_its_order(pasted, capsys):
    library, _, arithmetic = CASES[pasted]
    scheme = load_scheme(TABLEAUS / library)
    assert main(["check", str(PASTED / pasted)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok ")
    assert f"order {scheme.order} (" in out and arithmetic in out


def test_the_fortran_paste_compiles_to_the_floats_of_the_library_module(tmp_path, capsys):
    pytest.importorskip("torch")
    from tableau_compiler.compiled import import_compiled

    assert main(["compile", str(PASTED / "dopri5_fortran.toml"), "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    path = tmp_path / "dopri5_fortran.py"
    module = import_compiled(path, "pasted_dopri5_fortran")
    reference = import_compiled(ROOT / "generated" / "dopri5.py", "library_dopri5")
    assert module.SCHEME["floats"] == reference.SCHEME["floats"]
    assert module.SCHEME["a"][2][:3] == ["3.D0/40.D0", "9.D0/40.D0", "0.D0"]  # as written
