"""``tabc import`` and ``tabc audit``: other libraries' source files read as text (issue 24).

The snippets are written here in each library's conventions (the coefficients are the
published ones); each test is one convention or one trap.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tableau_compiler.sources import read_source

ROOT = Path(__file__).resolve().parents[1]

SCIPY_RK23 = '''
import numpy as np


class RungeKutta:
    A: np.ndarray = NotImplemented
    B: np.ndarray = NotImplemented
    order: int = NotImplemented


class RK23(RungeKutta):
    """Bogacki-Shampine 3(2), as scipy writes it."""
    order = 3
    error_estimator_order = 2
    n_stages = 3
    C = np.array([0, 1/2, 3/4])
    A = np.array([
        [0, 0, 0],
        [1/2, 0, 0],
        [0, 3/4, 0]
    ])
    B = np.array([2/9, 1/3, 4/9])
    E = np.array([5/72, -1/12, -1/9, 1/8])
    P = np.array([[1, -4 / 3, 5 / 9],
                  [0, 1, -2/3],
                  [0, 4/3, -8/9],
                  [0, -1, 1]])
'''

TORCHDIFFEQ_BOSH3 = """
_BOGACKI_SHAMPINE_TABLEAU = _ButcherTableau(
    alpha=torch.tensor([1 / 2, 3 / 4, 1.], dtype=torch.float64),
    beta=[
        torch.tensor([1 / 2], dtype=torch.float64),
        torch.tensor([0., 3 / 4], dtype=torch.float64),
        torch.tensor([2 / 9, 1 / 3, 4 / 9], dtype=torch.float64),
    ],
    c_sol=torch.tensor([2 / 9, 1 / 3, 4 / 9, 0.], dtype=torch.float64),
    c_error=torch.tensor([2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8], dtype=torch.float64),
)

BS_C_MID = [0.5, 0.25, 0.125, 0.0625]
"""

DIFFRAX_BOSH3 = """
_bosh3_tableau = ButcherTableau(
    c=np.array([1 / 2, 3 / 4, 1.0]),
    b_sol=np.array([2 / 9, 1 / 3, 4 / 9, 0.0]),
    b_error=np.array([2 / 9 - 7 / 24, 1 / 3 - 1 / 4, 4 / 9 - 1 / 3, -1 / 8]),
    a_lower=(
        np.array([1 / 2]),
        np.array([0.0, 3 / 4]),
        np.array([2 / 9, 1 / 3, 4 / 9]),
    ),
)


class Bosh3(AbstractERK):
    tableau: ClassVar[ButcherTableau] = _bosh3_tableau

    def order(self, terms):
        return 3
"""

NODEPY_HEUN = """
A = np.array([[0, 0], [1, 0]])
b = np.array([snp.rational(1, 2), snp.rational(1, 2)])
RK['Heun22'] = ExplicitRungeKuttaMethod(A, b, name='Heun RK 22', shortname='Heun22')
"""

JULIA_DEVTOOLS = '''
"""
Kutta's Order 3 method, written with Float64 quotients.
"""
function constructKutta3(T::Type = Float64)
  A = [0 0 0
       1/2 0 0
        -1 2 0]
  c = [0;1/2;1]
  α = [1/6;2/3;1/6]
  A = map(T,A)
  α = map(T,α)
  c = map(T,c)
  return(ExplicitRKTableau(A,c,α,3))
end

function constructRadauIIA3(T::Type = Float64)
  A = [5//12 -1//12
       3//4 1//4]
  c = [1//3;1]
  α = [3//4;1//4]
  return(ImplicitRKTableau(A,c,α,3))
end

function constructRalston(T::Type=Float64)
  A = zeros(T,2,2)
  c = zeros(T,2)
  α = zeros(T,2)
  c[2]=2//3
  A[2,1]=2//3
  α[1]=1//4
  α[2]=3//4
  return(ExplicitRKTableau(A,c,α,2))
end

function constructGL4(T::Type = Float64)
  c = [(3-sqrt(3))/6;(3+sqrt(3))/6]
  A = [       1/4       (3-2*sqrt(3))/12;
         (3+2*sqrt(3))/12        1/4  ]
  α = [1/2;1/2]
  return(ImplicitRKTableau(A,c,α,4))
end
'''

JULIA_ORDINARYDIFFEQ_BS3 = """
function BS3ConstantCache(T::Type, T2::Type)
    a21 = convert(T, 1 // 2)
    a32 = convert(T, 3 // 4)
    a41 = convert(T, 2 // 9)
    a42 = convert(T, 1 // 3)
    a43 = convert(T, 4 // 9)
    c1 = convert(T2, 1 // 2)
    c2 = convert(T2, 3 // 4)
    btilde1 = convert(T, 5 // 72)
    btilde2 = convert(T, -1 // 12)
    btilde3 = convert(T, -1 // 9)
    btilde4 = convert(T, 1 // 8)
    BS3ConstantCache(a21, a32, a41, a42, a43, c1, c2, btilde1, btilde2, btilde3, btilde4)
end
"""

ARKODE_BS3 = """
ARK_BUTCHER_TABLE(ARKODE_BOGACKI_SHAMPINE_4_2_3, { /* Bogacki-Shampine-ERK */
  ARKodeButcherTable B = ARKodeButcherTable_Alloc(4, SUNTRUE);
  B->q = 3;
  B->p = 2;
  B->A[1][0] = SUN_RCONST(1.0) / SUN_RCONST(2.0);
  B->A[2][1] = SUN_RCONST(3.0) / SUN_RCONST(4.0);
  B->A[3][0] = SUN_RCONST(2.0) / SUN_RCONST(9.0);
  B->A[3][1] = SUN_RCONST(1.0) / SUN_RCONST(3.0);
  B->A[3][2] = SUN_RCONST(4.0) / SUN_RCONST(9.0);
  B->b[0] = SUN_RCONST(2.0) / SUN_RCONST(9.0);
  B->b[1] = SUN_RCONST(1.0) / SUN_RCONST(3.0);
  B->b[2] = SUN_RCONST(4.0) / SUN_RCONST(9.0);
  B->d[0] = SUN_RCONST(7.0) / SUN_RCONST(24.0);
  B->d[1] = SUN_RCONST(1.0) / SUN_RCONST(4.0);
  B->d[2] = SUN_RCONST(1.0) / SUN_RCONST(3.0);
  B->d[3] = SUN_RCONST(1.0) / SUN_RCONST(8.0);
  B->c[1] = SUN_RCONST(1.0) / SUN_RCONST(2.0);
  B->c[2] = SUN_RCONST(3.0) / SUN_RCONST(4.0);
  B->c[3] = SUN_RCONST(1.0);
  return B;
})
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def tabc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def texts(values) -> list[str]:
    return [x.text for x in values]


# --------------------------------------------------------------------------- the readers


def test_scipy_E_is_b_hat_minus_b_over_the_fsal_extension(tmp_path: Path) -> None:
    found = read_source(str(write(tmp_path, "rk.py", SCIPY_RK23))).tableaus
    assert [t.name for t in found] == ["RK23"]  # the base class's NotImplemented is no tableau
    rk23 = found[0]
    assert rk23.stages == 4  # B's 3 stages and the stage f(t + h, y_new)
    assert texts(rk23.a[3]) == ["2/9", "1/3", "4/9", "0"]
    assert texts(rk23.b) == ["2/9", "1/3", "4/9", "0"]
    assert texts(rk23.error_weights) == ["-5/72", "1/12", "1/9", "-1/8"]  # e = −E
    assert (rk23.declared_order, rk23.declared_embedded_order) == (3, 2)


def test_scipy_dense_output_P_is_recognised_not_taken_for_weights(tmp_path: Path) -> None:
    rk23 = read_source(str(write(tmp_path, "rk.py", SCIPY_RK23))).tableaus[0]
    assert any("dense output P" in note for note in rk23.notes)
    assert rk23.b_hat is None


def test_torchdiffeq_alpha_beta_c_sol_c_error(tmp_path: Path) -> None:
    report = read_source(str(write(tmp_path, "bosh3.py", TORCHDIFFEQ_BOSH3)))
    [found] = report.tableaus  # BS_C_MID beside it is no tableau
    assert texts(found.c) == ["0", "1/2", "3/4", "1"]
    assert texts(found.a[2]) == ["0", "3/4", "0", "0"]
    assert texts(found.error_weights) == ["2/9 - 7/24", "1/3 - 1/4", "4/9 - 1/3", "-1/8"]


def test_diffrax_a_lower_rows_and_the_class_that_names_the_tableau(tmp_path: Path) -> None:
    [found] = read_source(str(write(tmp_path, "bosh3.py", DIFFRAX_BOSH3))).tableaus
    assert (found.name, found.declared_order) == ("Bosh3", 3)
    assert [texts(row) for row in found.a] == [
        ["0", "0", "0", "0"],
        ["1/2", "0", "0", "0"],
        ["0", "3/4", "0", "0"],
        ["2/9", "1/3", "4/9", "0"],
    ]


def test_nodepy_methods_are_named_by_their_shortname(tmp_path: Path) -> None:
    [found] = read_source(str(write(tmp_path, "loadmethod.py", NODEPY_HEUN))).tableaus
    assert (found.name, texts(found.b)) == ("Heun22", ["1/2", "1/2"])


def test_a_julia_float_quotient_is_the_rational_it_writes(tmp_path: Path) -> None:
    tableaus = read_source(str(write(tmp_path, "ode_tableaus.jl", JULIA_DEVTOOLS))).tableaus
    kutta3 = tableaus[0]
    assert texts(kutta3.b) == ["1/6", "2/3", "1/6"]  # Float64 1/6 in Julia: the rational 1/6 here
    assert not any(x.is_decimal for x in kutta3.b)


def test_julia_matrix_rows_split_at_a_space_before_a_sign(tmp_path: Path) -> None:
    tableaus = read_source(str(write(tmp_path, "ode_tableaus.jl", JULIA_DEVTOOLS))).tableaus
    radau = tableaus[1]
    assert [texts(row) for row in radau.a] == [["5/12", "-1/12"], ["3/4", "1/4"]]
    assert radau.declared_order == 3


def test_julia_zero_arrays_filled_entry_by_entry(tmp_path: Path) -> None:
    ralston = read_source(str(write(tmp_path, "t.jl", JULIA_DEVTOOLS))).tableaus[2]
    assert [texts(row) for row in ralston.a] == [["0", "0"], ["2/3", "0"]]
    assert texts(ralston.c) == ["0", "2/3"]


def test_julia_big_string_is_the_decimal_it_writes(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "t.jl",
        """
        function constructMidpoint(T::Type = Float64)
          A = [0 0; big"0.5" 0]
          c = [0; 1//2]
          α = [0; 1]
          return(ExplicitRKTableau(A,c,α,2))
        end
        """,
    )
    [found] = read_source(str(source)).tableaus
    assert found.a[1][0].text == "0.5" and found.a[1][0].is_decimal


def test_ordinarydiffeq_btilde_is_b_hat_minus_b_and_c1_is_c2(tmp_path: Path) -> None:
    [bs3] = read_source(str(write(tmp_path, "bs3.jl", JULIA_ORDINARYDIFFEQ_BS3))).tableaus
    assert texts(bs3.b) == ["2/9", "1/3", "4/9", "0"]  # the FSAL last row of A
    assert texts(bs3.error_weights) == ["-5/72", "1/12", "1/9", "-1/8"]
    assert texts(bs3.c)[:3] == ["0", "1/2", "3/4"]


def test_arkode_A_is_zero_based_and_row_major(tmp_path: Path) -> None:
    [bs3] = read_source(str(write(tmp_path, "arkode_butcher_erk.def", ARKODE_BS3))).tableaus
    assert bs3.name == "ARKODE_BOGACKI_SHAMPINE_4_2_3"
    assert texts(bs3.a[2]) == ["0", "3/4", "0", "0"]  # B->A[2][1]: a_32
    assert texts(bs3.b_hat) == ["7/24", "1/4", "1/3", "1/8"]
    assert (bs3.declared_order, bs3.declared_embedded_order) == (3, 2)


def test_python_floor_division_is_refused_with_its_line(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "t.py",
        """
        _T = _ButcherTableau(
            alpha=[1 // 2],
            beta=[[1 / 2]],
            c_sol=[0, 1],
            c_error=[0, 0],
        )
        """,
    )
    report = read_source(str(source))
    assert report.tableaus == []
    [(line, reason)] = report.unreadable
    assert line == 3 and "floor division" in reason


def test_code_is_reported_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = write(
        tmp_path,
        "t.py",
        f"""
        import numpy as np


        class Evil:
            order = 1
            A = np.array(__import__('os').system('touch {marker}'))
            B = np.array([1])
        """,
    )
    result = tabc("audit", str(source))
    assert not marker.exists()
    assert f"unreadable {source}:7: Evil" in result.stdout


def test_unread_forms_leave_the_rest_of_the_file_imported(tmp_path: Path) -> None:
    source = write(tmp_path, "t.py", SCIPY_RK23 + "\n\nclass DOP853(RungeKutta):\n"
                   "    order = 8\n    A = dop853_coefficients.A[:12, :12]\n"
                   "    B = dop853_coefficients.B\n")  # fmt: skip
    report = read_source(str(source))
    assert [t.name for t in report.tableaus] == ["RK23"]
    assert report.unreadable[0][1].startswith("DOP853: A:")


# --------------------------------------------------------------------------- tabc import


def test_import_then_check_round_trip(tmp_path: Path) -> None:
    sources = [
        write(tmp_path, "rk.py", SCIPY_RK23),
        write(tmp_path, "bosh3.py", TORCHDIFFEQ_BOSH3),
        write(tmp_path, "ode_tableaus.jl", JULIA_DEVTOOLS),
        write(tmp_path, "bs3.jl", JULIA_ORDINARYDIFFEQ_BS3),
        write(tmp_path, "erk.def", ARKODE_BS3),
    ]
    result = tabc("import", *map(str, sources), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.toml"))
    assert written == [
        "arkode_bogacki_shampine_4_2_3.toml", "bogacki_shampine.toml", "bs3.toml",
        "gl4.toml", "kutta3.toml", "radau_iia3.toml", "ralston.toml", "rk23.toml",
    ]  # fmt: skip
    checked = tabc("check", str(tmp_path / "out"))
    assert checked.returncode == 0, checked.stdout


def test_import_keeps_provenance_and_says_when_the_order_was_decided(tmp_path: Path) -> None:
    source = write(tmp_path, "bosh3.py", TORCHDIFFEQ_BOSH3)
    assert tabc("import", str(source), "-o", str(tmp_path / "out")).returncode == 0
    text = (tmp_path / "out" / "bogacki_shampine.toml").read_text(encoding="utf-8")
    assert f"{source}, line 2: _BOGACKI_SHAMPINE_TABLEAU (torchdiffeq" in text
    assert "order = 3 is the order tabc decided" in text
    assert "error_weights = " in text


def test_import_writes_nothing_when_a_target_exists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rk23.toml").write_text("mine\n", encoding="utf-8")
    source = write(tmp_path, "two.py", SCIPY_RK23 + TORCHDIFFEQ_BOSH3)
    result = tabc("import", str(source), "-o", str(out))
    assert result.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["rk23.toml"]
    assert (out / "rk23.toml").read_text(encoding="utf-8") == "mine\n"
    assert "exists" in result.stderr and result.stderr.count("\n") == 1


def test_import_of_an_unknown_kind_of_file_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "table.txt", "1 2 3\n")
    result = tabc("import", str(source), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "no reader" in result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- tabc audit


def test_audit_json_contract(tmp_path: Path) -> None:
    source = write(tmp_path, "rk.py", SCIPY_RK23)
    result = tabc("audit", "--format", "json", str(source))
    assert result.returncode == 0, result.stdout + result.stderr
    [record] = json.loads(result.stdout)
    assert {k: record[k] for k in ("name", "line", "stages", "declared_order",
            "declared_embedded_order", "order", "embedded_order")} == {
        "name": "RK23", "line": 11, "stages": 4, "declared_order": 3,
        "declared_embedded_order": 2, "order": 3, "embedded_order": 2,
    }  # fmt: skip


def test_audit_of_a_file_without_tableaus_is_an_empty_list(tmp_path: Path) -> None:
    source = write(tmp_path, "nothing.py", "x = 1\n")
    result = tabc("audit", "--json", str(source))
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_a_wrong_declared_order_exits_1(tmp_path: Path) -> None:
    source = write(tmp_path, "rk.py", SCIPY_RK23.replace("order = 3", "order = 4"))
    result = tabc("audit", str(source))
    assert result.returncode == 1
    assert "declared order 4, but the tableau has order 3" in result.stdout


def test_error_weights_that_do_not_sum_to_zero_exit_1(tmp_path: Path) -> None:
    # OrdinaryDiffEq.jl #4403: an estimator whose weights do not sum to zero
    source = write(tmp_path, "bs3.jl", JULIA_ORDINARYDIFFEQ_BS3.replace("1 // 8)", "1 // 7)"))
    result = tabc("audit", "--json", str(source))
    assert result.returncode == 1
    [record] = json.loads(result.stdout)
    assert record["error_weight_sum"] == "-1/56"  # e = −btilde: 5/72 − 1/12 − 1/9 + 1/7 = 1/56
    assert record["error_weight_sum_zero"] is False


def test_a_claimed_fsal_that_does_not_hold_exits_1(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "t.jl",
        """
        function constructHeun(T::Type = Float64)
          A = [0 0
               1 0]
          c = [0;1]
          α = [1//2;1//2]
          αEEst = [1;0]
          return(ExplicitRKTableau(A,c,α,2,αEEst=αEEst,adaptiveorder=1,fsal=true))
        end
        """,
    )
    result = tabc("audit", str(source))
    assert result.returncode == 1 and "claimed FSAL" in result.stdout


def test_audit_github_annotations_name_the_line(tmp_path: Path) -> None:
    source = write(tmp_path, "rk.py", SCIPY_RK23.replace("order = 3", "order = 4"))
    result = tabc("audit", "--format", "github", str(source))
    assert result.stdout.startswith(f"::error file={source},line=11,")


# --------------------------------------------------------------------------- the format


@pytest.mark.parametrize(
    ("weights", "status"),
    [('["-5/72", "1/12", "1/9", "-1/8"]', 0), ('["-5/72", "1/12", "1/9", "-1/7"]', 1)],
    ids=["sums-to-zero", "does-not-sum-to-zero"],
)
def test_error_weights_are_checked_as_the_pair_b_minus_e(tmp_path, weights, status) -> None:
    scheme = write(
        tmp_path,
        "bs3.toml",
        f"""
        name = "bs3"
        kind = "runge-kutta"
        order = 3
        [tableau]
        a = [[], ["1/2"], ["0", "3/4"], ["2/9", "1/3", "4/9"]]
        b = ["2/9", "1/3", "4/9", "0"]
        error_weights = {weights}
        embedded_order = 2
        """,
    )
    assert tabc("check", str(scheme)).returncode == status


def test_b_hat_and_error_weights_together_are_refused(tmp_path: Path) -> None:
    scheme = write(
        tmp_path,
        "two.toml",
        """
        name = "two"
        kind = "runge-kutta"
        order = 1
        [tableau]
        a = [[]]
        b = ["1"]
        b_hat = ["1"]
        error_weights = ["0"]
        embedded_order = 1
        """,
    )
    result = tabc("check", str(scheme))
    assert result.returncode == 2 and "tableau.error_weights" in result.stdout


# --------------------------------------------------------------------------- the page


def _sh_blocks(page: Path) -> list[str]:
    blocks, current = [], None
    for line in page.read_text(encoding="utf-8").splitlines():
        if current is None and line.strip() == "```sh":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_the_import_audit_page_runs_as_written(tmp_path: Path) -> None:
    """docs/import-audit.md: its sh blocks run in order, in one directory, and exit 0."""
    import os

    blocks = _sh_blocks(ROOT / "docs" / "import-audit.md")
    assert len(blocks) == 2
    script = f'tabc() {{ "{sys.executable}" -m tableau_compiler "$@"; }}\nset -e\n' + "\n".join(
        blocks
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    imported/rk23.toml" in result.stdout
    assert "WRONG wrong.py:" in result.stdout


def test_float64_decimals_get_the_tolerance_their_digits_support(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "rk4.jl",
        """
        function RK4Decimals(T::Type, T2::Type)
            a21 = convert(T, 0.5)
            a32 = convert(T, 0.5)
            a43 = convert(T, 1.0)
            b1 = convert(T, 0.16666666666666666)
            b2 = convert(T, 0.3333333333333333)
            b3 = convert(T, 0.3333333333333333)
            b4 = convert(T, 0.16666666666666666)
        end
        """,
    )
    result = tabc("audit", "--json", str(source))
    [record] = json.loads(result.stdout)
    # 16 significant digits, entries at most 1: 10^(3 − 16) — order 4 holds to it, exactly it cannot
    assert (record["tolerance"], record["order"]) == (1e-13, 4)
