"""The ``tabc`` command line (tableau_compiler/cli.py; docs/scheme-format.md, "Errors").

Exit status: 0 when every scheme passes, 1 when a valid scheme misses its claim, 2 for
invalid input, which is reported as ``ERROR file:line: key: message`` and never as a
traceback.  ``check`` and ``info`` never import torch, and ``check`` of an all-rational
scheme does not import sympy either.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import subprocess
import sys
from fractions import Fraction
from math import factorial
from pathlib import Path

import pytest
import sympy

from tableau_compiler.cli import build_parser, main
from tableau_compiler.codegen.render import HEADER_LINES, body_hash

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"
RK4_TEXT = (TABLEAUS / "rk4.toml").read_text(encoding="utf-8")

BAD = """\
name = "bad"
kind = "runge-kutta"
order = 2

[tableau]
a = [
  [],
  ["1/2"],
  ["0", "1/"],
]
b = ["0", "1", "0"]
"""
BAD_LINE = 9  # the line of ["0", "1/"]


def perturbed_rk4() -> tuple[str, Fraction]:
    """rk4 with its last weight 1/6 written as 1/7, and the residual of b·1 = 1 it causes."""
    text = RK4_TEXT.replace('b = ["1/6", "1/3", "1/3", "1/6"]', 'b = ["1/6", "1/3", "1/3", "1/7"]')
    text = text.replace('name = "rk4"', 'name = "rk4_perturbed"')
    assert text.count("1/7") == 1
    residual = Fraction(1, 6) + Fraction(1, 3) + Fraction(1, 3) + Fraction(1, 7) - 1
    return text, residual


def tabc(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch directory as the working directory, so reports show short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, name: str, text: str) -> str:
    (directory / name).write_text(text, encoding="utf-8")
    return name


# --------------------------------------------------------------------------- exit 0


def test_check_of_the_whole_tableaus_directory_exits_0(capsys):
    code, out, _ = tabc(capsys, "check", str(TABLEAUS))
    assert code == 0
    lines = out.strip().splitlines()
    verdicts = [line for line in lines if not line.startswith(" ")]
    assert len(verdicts) == len(list(TABLEAUS.glob("*.toml")))
    assert all(line.startswith("ok") for line in verdicts)


def test_check_of_one_file_exits_0_and_names_it(capsys):
    code, out, _ = tabc(capsys, "check", str(TABLEAUS / "rk4.toml"))
    assert code == 0
    assert out.startswith("ok") and "rk4.toml" in out and "order 4" in out


def test_python_dash_m_runs_the_console_entry():
    result = subprocess.run(
        [sys.executable, "-m", "tableau_compiler", "check", "tableaus/rk4.toml"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok") and "rk4" in result.stdout


def test_the_installed_tabc_script_runs():
    script = Path(sys.executable).with_name("tabc")
    if not script.exists():
        pytest.skip("no tabc console script next to this interpreter")
    result = subprocess.run(
        [str(script), "check", "tableaus/rk4.toml", "tableaus/bdf2.toml"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 2


# --------------------------------------------------------------------------- exit 1


def test_a_valid_scheme_that_misses_its_order_exits_1_saying_what_failed_and_by_how_much(
    capsys, workdir
):
    text, residual = perturbed_rk4()
    name = write(workdir, "perturbed.toml", text)
    code, out, err = tabc(capsys, "check", name)
    assert code == 1
    assert out.startswith("FAIL") and name in out
    assert "claimed 4" in out
    assert "order 1" in out  # the first order whose condition b·1 = 1 fails
    assert str(residual) in out  # -1/42, exactly
    assert "ERROR" not in out + err


def test_bdf7_is_consistent_and_of_order_7_but_check_exits_1_for_zero_stability(capsys, workdir):
    # BDF7 in the form sum_{j=1}^{7} (1/j) nabla^j y_{n+7} = h f_{n+7}: the coefficient of
    # y_{n+7-m} is (-1)^m sum_{j>=m} binom(j, m)/j (Hairer & Wanner II, III.1).
    alpha = ["-1/7", "7/6", "-21/5", "35/4", "-35/3", "21/2", "-7", "363/140"]
    beta = ["0"] * 7 + ["1"]
    a = [Fraction(x) for x in alpha]
    b = [Fraction(x) for x in beta]

    def c(q: int) -> Fraction:  # the format page's C_q
        total = sum(Fraction(j**q, factorial(q)) * x for j, x in enumerate(a))
        if q >= 1:
            total -= sum(Fraction(j ** (q - 1), factorial(q - 1)) * x for j, x in enumerate(b))
        return total

    assert [c(q) for q in range(8)] == [0] * 8 and c(8) != 0  # consistent, order exactly 7
    zeta = sympy.Symbol("zeta")
    rho = sympy.Poly(list(reversed(a)), zeta)
    assert max(abs(complex(r)) for r in rho.nroots(n=30)) > 1  # a root outside the unit disc

    def quoted(xs: list[str]) -> str:
        return "[" + ", ".join(f'"{x}"' for x in xs) + "]"

    name = write(
        workdir,
        "bdf7.toml",
        (
            'name = "bdf7"\nkind = "linear-multistep"\norder = 7\n\n[coefficients]\n'
            f"alpha = {quoted(alpha)}\nbeta = {quoted(beta)}\n"
        ),
    )
    code, out, _ = tabc(capsys, "check", name)
    assert code == 1
    assert "not zero-stable" in out
    assert "not consistent" not in out and "claimed 7" not in out
    code, out, _ = tabc(capsys, "check", "--format", "json", name)
    (record,) = json.loads(out)
    assert code == 1
    assert (record["status"], record["consistent"], record["order"]) == ("fail", True, 7)
    assert record["zero_stable"] is False


# --------------------------------------------------------------------------- exit 2


ERROR_LINE = re.compile(r"^ERROR (?P<file>[^:]+):(?P<line>\d+): (?P<key>\S+): (?P<message>.+)$")


def test_invalid_input_exits_2_with_file_line_key_and_message(capsys, workdir):
    name = write(workdir, "bad.toml", BAD)
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    (line,) = [x for x in (out + err).splitlines() if x.startswith("ERROR")]
    match = ERROR_LINE.match(line)
    assert match, line
    assert match["file"] == name
    assert int(match["line"]) == BAD_LINE
    assert match["key"] == "tableau.a[3][2]"
    assert "1/" in match["message"]


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        (
            'name = "x"\nkind = "runge-kutta"\norder = "four"\n[tableau]\na = [[]]\nb = ["1"]\n',
            "order",
            3,
        ),
        ('name = "x"\nkind = "rk"\norder = 1\n', "kind", 2),
        (
            (
                'name = "x"\nkind = "linear-multistep"\norder = 1\n[coefficients]\n'
                'alpha = ["-1", "1", "0"]\nbeta = ["1", "0", "0"]\n'
            ),
            "coefficients.alpha[3]",
            5,
        ),
    ],
)
def test_schema_errors_are_reported_with_their_key_and_line(capsys, workdir, text, key, line):
    name = write(workdir, "s.toml", text)
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    assert f"ERROR {name}:{line}: {key}: " in out + err


def test_a_toml_syntax_error_exits_2_with_its_line(capsys, workdir):
    name = write(workdir, "syntax.toml", 'name = "x"\nkind = "runge-kutta"\norder = = 1\n')
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    assert f"ERROR {name}:3: " in out + err


def test_a_file_that_is_not_utf8_exits_2(capsys, workdir):
    (workdir / "latin1.toml").write_bytes('title = "Runge–Kutta"\n'.encode("cp1252"))
    code, out, err = tabc(capsys, "check", "latin1.toml")
    assert code == 2
    assert "ERROR latin1.toml" in out + err


def test_a_missing_path_exits_2(capsys, workdir):
    code, out, err = tabc(capsys, "check", "nothing_here.toml")
    assert code == 2
    assert "ERROR nothing_here.toml" in out + err


def test_an_empty_directory_exits_2(capsys, workdir):
    (workdir / "empty").mkdir()
    code, out, err = tabc(capsys, "check", "empty")
    assert code == 2
    assert "ERROR empty" in out + err


def test_one_invalid_and_one_failing_file_exit_2_and_both_are_reported(capsys, workdir):
    bad = write(workdir, "bad.toml", BAD)
    failing = write(workdir, "failing.toml", perturbed_rk4()[0])
    for order in ([failing, bad], [bad, failing]):
        code, out, err = tabc(capsys, "check", *order)
        assert code == 2
        assert f"ERROR {bad}:{BAD_LINE}" in out + err
        assert any(x.startswith("FAIL") and failing in x for x in out.splitlines())


def test_a_failing_and_a_passing_file_exit_1(capsys, workdir):
    failing = write(workdir, "failing.toml", perturbed_rk4()[0])
    code, _, _ = tabc(capsys, "check", str(TABLEAUS / "rk4.toml"), failing)
    assert code == 1


def test_info_of_invalid_input_exits_2(capsys, workdir):
    name = write(workdir, "bad.toml", BAD)
    code, out, err = tabc(capsys, "info", name)
    assert code == 2
    assert f"ERROR {name}:{BAD_LINE}: tableau.a[3][2]: " in out + err
    code, out, _ = tabc(capsys, "info", "--format", "json", name)
    assert code == 2
    record = json.loads(out)
    assert (record["status"], record["key"], record["line"]) == (
        "error",
        "tableau.a[3][2]",
        BAD_LINE,
    )


# --------------------------------------------------------------------------- formats


def test_json_format_is_valid_json_with_a_status_per_file(capsys, workdir):
    bad = write(workdir, "bad.toml", BAD)
    failing = write(workdir, "failing.toml", perturbed_rk4()[0])
    rk4 = str(TABLEAUS / "rk4.toml")
    code, out, _ = tabc(capsys, "check", "--format", "json", rk4, failing, bad)
    assert code == 2
    records = json.loads(out)
    assert [r["status"] for r in records] == ["ok", "fail", "error"]
    ok, fail, error = records
    assert (ok["file"], ok["name"], ok["claimed_order"], ok["order"], ok["failures"]) == (
        rk4,
        "rk4",
        4,
        4,
        [],
    )
    assert ok["exact"] is True
    assert fail["file"] == failing and fail["claimed_order"] == 4 and fail["order"] == 0
    assert fail["failures"]
    assert (error["file"], error["key"], error["line"]) == (bad, "tableau.a[3][2]", BAD_LINE)
    assert error["error"]


GITHUB_ERROR = re.compile(
    r"^::error file=(?P<file>[^,:]+),line=(?P<line>\d+)[^:]*::(?P<message>.+)$"
)


def test_github_format_annotates_errors_and_failures_with_file_and_line(capsys, workdir):
    bad = write(workdir, "bad.toml", BAD)
    failing = write(workdir, "failing.toml", perturbed_rk4()[0])
    code, out, _ = tabc(
        capsys, "check", "--format", "github", str(TABLEAUS / "rk4.toml"), failing, bad
    )
    assert code == 2
    annotations = [GITHUB_ERROR.match(x) for x in out.splitlines() if x.startswith("::error")]
    assert all(annotations), out
    by_file = {m["file"]: m for m in annotations}
    assert set(by_file) == {bad, failing}
    assert int(by_file[bad]["line"]) == BAD_LINE
    assert 1 <= int(by_file[failing]["line"]) <= len(perturbed_rk4()[0].splitlines())
    assert "tableau.a[3][2]" in by_file[bad]["message"]


def test_github_format_of_passing_schemes_has_no_error_annotation(capsys):
    code, out, _ = tabc(capsys, "check", "--format", "github", str(TABLEAUS))
    assert code == 0
    assert "::error" not in out


# --------------------------------------------------------------------------- info


def stability_function(text: str) -> sympy.Expr:
    (line,) = [x for x in text.splitlines() if "R(z) =" in x]
    return sympy.sympify(line.split("R(z) =", 1)[1], locals={"z": sympy.Symbol("z")})


def test_info_of_rk4_shows_its_stability_function_and_that_it_is_not_a_stable(capsys):
    z = sympy.Symbol("z")
    code, out, _ = tabc(capsys, "info", str(TABLEAUS / "rk4.toml"))
    assert code == 0
    assert sympy.expand(stability_function(out) - (1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24)) == 0
    assert "A-stable: no" in out
    code, out, _ = tabc(capsys, "info", "--format", "json", str(TABLEAUS / "rk4.toml"))
    record = json.loads(out)
    assert (record["status"], record["order"], record["stages"]) == ("ok", 4, 4)
    assert record["stability"]["A_stable"] is False


def test_info_of_gl2_says_it_is_a_stable(capsys):
    z = sympy.Symbol("z")
    code, out, _ = tabc(capsys, "info", str(TABLEAUS / "gl2.toml"))
    assert code == 0
    pade = (1 + z / 2 + z**2 / 12) / (1 - z / 2 + z**2 / 12)
    assert sympy.simplify(stability_function(out) - pade) == 0
    assert "A-stable: yes" in out
    record = json.loads(tabc(capsys, "info", "--format", "json", str(TABLEAUS / "gl2.toml"))[1])
    assert record["stability"]["A_stable"] is True and record["order"] == 4
    assert record["classification"] == "implicit"


def test_info_of_bdf2(capsys):
    code, out, _ = tabc(capsys, "info", str(TABLEAUS / "bdf2.toml"))
    assert code == 0
    assert "zero-stable: yes" in out
    record = json.loads(tabc(capsys, "info", "--format", "json", str(TABLEAUS / "bdf2.toml"))[1])
    assert (record["status"], record["order"], record["steps"]) == ("ok", 2, 2)
    assert record["consistent"] is True and record["zero_stable"] is True
    assert record["explicit"] is False
    zeta = sympy.Symbol("ζ")
    rho = sympy.sympify(record["rho"], locals={"ζ": zeta})
    assert sympy.expand(rho - (zeta**2 - sympy.Rational(4, 3) * zeta + sympy.Rational(1, 3))) == 0


def test_info_of_lm_resnet_states_its_parameter_regions(capsys):
    code, out, _ = tabc(capsys, "info", "--format", "json", str(TABLEAUS / "lm_resnet.toml"))
    assert code == 0
    regions = json.loads(out)["parameter_regions"]["regions"]

    def region(prefix: str) -> str:
        (key,) = [k for k in regions if k.startswith(prefix)]
        return regions[key]

    assert region("zero-stable") == "-1 < k <= 1"
    assert region("step factor") == "1/(k + 1)"
    assert region("order >= 2") == "k = 1"
    code, text, _ = tabc(capsys, "info", str(TABLEAUS / "lm_resnet.toml"))
    assert code == 0 and "-1 < k <= 1" in text


@pytest.mark.parametrize("path", sorted(TABLEAUS.glob("*.toml")), ids=lambda p: p.name)
def test_info_json_of_every_shipped_scheme_is_valid_and_passes(capsys, path):
    code, out, _ = tabc(capsys, "info", "--format", "json", str(path))
    record = json.loads(out)
    assert code == 0
    assert (record["file"], record["name"], record["status"]) == (str(path), path.stem, "ok")
    assert record["order"] >= record["claimed_order"]


# --------------------------------------------------------------------------- imports


def imported_after(argv: list[str]) -> tuple[bool, bool]:
    script = (
        "import sys; from tableau_compiler.cli import main; "
        f"main({argv!r}); print('torch' in sys.modules, 'sympy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    torch, sympy_ = result.stdout.strip().splitlines()[-1].split()
    return torch == "True", sympy_ == "True"


def test_check_of_a_rational_scheme_imports_neither_torch_nor_sympy():
    assert imported_after(["check", "tableaus/rk4.toml"]) == (False, False)


@pytest.mark.parametrize(
    "argv",
    [["check", "tableaus"], ["info", "tableaus/lm_resnet.toml"], ["info", "tableaus/gl2.toml"]],
    ids=["check all", "info lm_resnet", "info gl2"],
)
def test_check_and_info_never_import_torch(argv):
    torch, _ = imported_after(argv)
    assert not torch


# --------------------------------------------------------------------------- bugs found

DIVIDES_BY_ZERO_AT_K = """\
name = "divz"
kind = "linear-multistep"
order = 1

[coefficients]
alpha = ["-1", "1"]
beta = ["1/k", "0"]

[parameters.k]
value = "0"
"""


def test_a_coefficient_undefined_at_the_parameter_value_is_reported_with_file_and_key(
    capsys, workdir
):
    name = write(workdir, "divz.toml", DIVIDES_BY_ZERO_AT_K)
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    assert f"ERROR {name}:7: coefficients.beta[1]: " in out + err


def test_a_coefficient_that_is_not_real_at_the_parameter_value_is_invalid_input(capsys, workdir):
    text = DIVIDES_BY_ZERO_AT_K.replace('"1/k"', '"sqrt(k - 2)"').replace("divz", "imaginary")
    name = write(workdir, "imaginary.toml", text)
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    assert f"ERROR {name}" in out + err


EULER_TIMES_PI = """\
name = "euler_pi"
kind = "linear-multistep"
order = 1
step_scaling = "absorbed"  # rho'(1) = pi: consistent with the step rescaled

[coefficients]
alpha = ["-pi", "pi"]
beta = ["{beta_0}", "0"]
"""


def test_euler_with_rho_scaled_by_pi_passes(capsys, workdir):
    name = write(workdir, "euler_pi.toml", EULER_TIMES_PI.format(beta_0="1"))
    code, _, _ = tabc(capsys, "check", name)
    assert code == 0


def test_a_consistent_one_step_scheme_with_pi_in_rho_and_sigma_passes(capsys, workdir):
    # rho = pi (zeta - 1), sigma = pi + 1: any consistent one-step scheme is Euler after
    # rescaling the step by sigma(1)/rho'(1), so it has order 1.
    name = write(workdir, "euler_pi.toml", EULER_TIMES_PI.format(beta_0="pi + 1"))
    code, out, _ = tabc(capsys, "check", name)
    assert code == 0, out


def test_a_tableau_with_many_distinct_radicals_is_decided_or_refused_promptly(workdir):
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    b = ", ".join(f'"sqrt({p})"' for p in primes)
    rows = "".join("  [" + ", ".join(['"0"'] * i) + "],\n" for i in range(len(primes)))
    write(
        workdir,
        "radicals.toml",
        (
            f'name = "radicals"\nkind = "runge-kutta"\norder = 1\n\n[tableau]\na = [\n{rows}]\nb = [{b}]\n'
        ),
    )
    result = subprocess.run(
        [sys.executable, "-m", "tableau_compiler", "check", "radicals.toml"],
        check=False,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- tabc compile


def test_compile_writes_once_then_says_unchanged_and_leaves_the_file_alone(capsys, workdir):
    source = str(TABLEAUS / "rk4.toml")
    code, out, _ = tabc(capsys, "compile", source, "-o", "out")
    assert (code, out) == (0, "wrote out/_tabc_runtime.py\nwrote out/rk4.py\n")
    module = workdir / "out" / "rk4.py"
    before = module.stat()
    code, out, _ = tabc(capsys, "compile", source, "-o", "out")
    assert (code, out) == (0, "unchanged out/rk4.py\n")
    after = module.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["_tabc_runtime.py", "rk4.py"]


def test_compile_check_of_the_repository_judges_the_named_file_alone(capsys, monkeypatch):
    """The issue's case: every other module of generated/ was reported STALE (exit 1)."""
    monkeypatch.chdir(ROOT)
    code, out, _ = tabc(capsys, "compile", "--check", "tableaus/rk4.toml")
    assert (code, out) == (0, "generated: up to date (1 module)\n")


@pytest.fixture
def library(workdir):
    """A two-scheme library compiled into out/, with a module no scheme compiles to."""
    (workdir / "lib").mkdir()
    for name in ("euler", "rk4"):
        write(workdir / "lib", f"{name}.toml", (TABLEAUS / f"{name}.toml").read_text("utf-8"))
    assert main(["compile", "lib", "-o", "out"]) == 0
    (workdir / "out" / "old.py").write_text("# left over\n", encoding="utf-8")
    return workdir


def test_compile_check_of_named_files_ignores_other_modules(capsys, library):
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib/rk4.toml")
    assert (code, out) == (0, "out: up to date (1 module)\n")


def test_compile_check_of_a_directory_reports_left_over_modules(capsys, library):
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib")
    assert code == 1
    assert (
        out
        == "STALE out/old.py: no scheme file compiles to it (delete it, or restore its scheme)\n"
    )


def test_a_stale_module_names_the_command_that_rewrites_it_with_the_output_given(capsys, library):
    scheme = library / "lib" / "rk4.toml"
    scheme.write_text(scheme.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # new sha256
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib/rk4.toml")
    assert code == 1
    assert out == (
        "STALE out/rk4.py: only its header differs (it records another sha256 of the scheme "
        "file); its code is current (run `tabc compile -o out lib/rk4.toml`)\n"
    )


def test_a_module_whose_code_differs_is_stale_and_says_so(capsys, library):
    module = library / "out" / "rk4.py"
    text = module.read_text(encoding="utf-8")
    # what an older tabc might have written: same header, other code (and its hash)
    lines = text.splitlines(keepends=True)
    body = "".join(lines[HEADER_LINES:]).replace("Classical", "Classic", 1)
    header = "".join(lines[: HEADER_LINES - 1]) + f"# body-sha256: {body_hash(body)}\n"
    module.write_text(header + body, encoding="utf-8")
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib/rk4.toml")
    assert code == 1
    assert out == (
        "STALE out/rk4.py: differs from what tabc would write "
        "(run `tabc compile -o out lib/rk4.toml`)\n"
    )


def test_the_same_scheme_gives_the_same_bytes_from_any_working_directory(
    capsys, workdir, monkeypatch
):
    """The issue's case: from tableaus/, `--check -o ../generated .` called every module STALE."""
    (workdir / "lib").mkdir()
    for name in ("euler", "rk4"):
        write(workdir / "lib", f"{name}.toml", (TABLEAUS / f"{name}.toml").read_text("utf-8"))
    assert main(["compile", "lib", "-o", "out"]) == 0
    monkeypatch.chdir(workdir / "lib")
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "../out", ".")
    assert (code, out) == (0, "../out: up to date (2 modules)\n")


def test_the_header_names_the_scheme_relative_to_the_output_directorys_parent(capsys, workdir):
    (workdir / "lib").mkdir()
    write(workdir / "lib", "rk4.toml", RK4_TEXT)
    assert main(["compile", "lib/rk4.toml", "-o", "project/generated"]) == 0
    assert main(["compile", "lib/rk4.toml", "-o", "generated"]) == 0
    elsewhere = (workdir / "project" / "generated" / "rk4.py").read_text("utf-8").splitlines()[0]
    beside = (workdir / "generated" / "rk4.py").read_text("utf-8").splitlines()[0]
    assert " from rk4.toml (sha256 " in elsewhere  # outside project/: its file name alone
    assert " from lib/rk4.toml (sha256 " in beside


def test_the_library_is_up_to_date_when_checked_from_its_own_folder():
    done = subprocess.run(
        [sys.executable, "-m", "tableau_compiler", "compile", "--check", "-o", "../generated",
         "rk4.toml", "lm_resnet.toml"],
        cwd=TABLEAUS,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "../generated: up to date (2 modules)\n"), (
        done.stdout + done.stderr
    )


def test_a_module_whose_header_alone_is_stale_says_only_the_header_differs(capsys, library):
    module = library / "out" / "rk4.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace(" from lib/rk4.toml ", " from ../lib/rk4.toml ", 1), "utf-8")
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib/rk4.toml")
    assert code == 1
    assert out == (
        "STALE out/rk4.py: only its header differs (it records another scheme path); its code "
        "is current (run `tabc compile -o out lib/rk4.toml`)\n"
    )


def test_a_hand_edited_stale_module_names_the_command_with_force(capsys, library):
    with open(library / "out" / "rk4.py", "a", encoding="utf-8") as module:
        module.write("\n")
    capsys.readouterr()
    code, out, _ = tabc(capsys, "compile", "--check", "-o", "out", "lib/rk4.toml")
    assert code == 1
    assert out == (
        "STALE out/rk4.py: edited by hand since tabc generated it (its body no longer matches "
        "the hash in its header) (run `tabc compile --force -o out lib/rk4.toml`)\n"
    )


# --------------------------------------------------------------------------- library names


@pytest.fixture
def with_library(workdir):
    """A working directory holding a library tableaus/ with rk4 and bdf2."""
    (workdir / "tableaus").mkdir()
    for name in ("rk4", "bdf2"):
        write(workdir / "tableaus", f"{name}.toml", (TABLEAUS / f"{name}.toml").read_text("utf-8"))
    return workdir


@pytest.mark.parametrize("name", ["rk4", "rk4.toml"])
def test_check_of_a_library_name_uses_the_library_file_and_says_so(capsys, with_library, name):
    code, out, err = tabc(capsys, "check", name)
    assert code == 0
    assert out.startswith("ok    tableaus/rk4.toml: rk4, explicit Runge–Kutta, 4 stages: order 4")
    assert err == f"tabc: {name}: no such file here; using the library's tableaus/rk4.toml\n"


def test_info_and_compile_take_library_names(capsys, with_library):
    code, out, err = tabc(capsys, "info", "bdf2")
    assert code == 0 and "  file: tableaus/bdf2.toml\n" in out
    assert "using the library's tableaus/bdf2.toml" in err
    code, out, err = tabc(capsys, "compile", "rk4.toml", "-o", "out")
    assert (code, out) == (0, "wrote out/_tabc_runtime.py\nwrote out/rk4.py\n")
    assert "using the library's tableaus/rk4.toml" in err
    assert "tableaus/rk4.toml" in (with_library / "out" / "rk4.py").read_text(encoding="utf-8")


def test_a_library_name_falls_back_to_the_repository_library(capsys, workdir):
    """No tableaus/ here: the clone's own library, named by its full path."""
    code, out, err = tabc(capsys, "check", "gl2")
    library_file = (TABLEAUS / "gl2.toml").resolve()
    assert code == 0 and out.startswith(f"ok    {library_file}: gl2")
    assert f"using the library's {library_file}" in err


def test_a_file_that_exists_is_used_as_it_is(capsys, with_library):
    text, _ = perturbed_rk4()
    write(with_library, "rk4.toml", text)
    code, out, err = tabc(capsys, "check", "rk4.toml")
    assert code == 1 and out.startswith("FAIL  rk4.toml: rk4_perturbed")
    assert err == ""


@pytest.mark.parametrize("name", ["nosuch", "nosuch.toml", "sub/rk4.toml", "./rk4", "rk4.tom"])
def test_a_name_found_nowhere_is_a_missing_file_named_as_given(capsys, with_library, name):
    code, out, err = tabc(capsys, "check", name)
    assert code == 2
    assert out == f"ERROR {name}: no such file or directory\n" and err == ""
    code, out, err = tabc(capsys, "info", name)
    assert code == 2 and f"ERROR {Path(name)}" in err  # as load_scheme writes the path


def test_train_takes_registry_names_first_then_library_names(with_library):
    pytest.importorskip("torch")
    from tableau_compiler.cli import _model_or_scheme

    assert _model_or_scheme("resnet20") == "resnet20"
    assert _model_or_scheme("rk4") == "tableaus/rk4.toml"
    assert _model_or_scheme("rk4.toml") == "tableaus/rk4.toml"
    assert _model_or_scheme("not_a_model") == "not_a_model"


# --------------------------------------------------------------------------- --help


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"tabc": parser, **commands.choices}


@pytest.mark.parametrize("name", list(subparsers()))
def test_every_argument_of_every_command_has_a_help_line(name):
    parser = subparsers()[name]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help and action.help is not argparse.SUPPRESS, (name, action.dest)
    text = parser.format_help()
    assert "%%" not in text and "%(" not in text, text


# --------------------------------------------------------------------------- missing extras

HEAVY = ("torch", "numpy", "matplotlib", "sklearn", "tqdm")


def run_without(blocked: tuple[str, ...], argv: list[str], cwd: Path = ROOT):
    """``tabc argv`` in a fresh interpreter in which the ``blocked`` modules cannot be imported."""
    script = (
        "import sys\n"
        f"for name in {list(blocked)!r}:\n"
        "    sys.modules[name] = None  # import raises ImportError, as when not installed\n"
        "from tableau_compiler.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


TORCH_HINT = "tabc: this command needs PyTorch: install tabc's 'torch' extra from where tabc came from, e.g. pip install -e '.[torch]' in its clone (tabc is not on a package index), after pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu for PyTorch's CPU build\n"


@pytest.mark.parametrize(
    "blocked, argv, message",
    [
        (("torch",), ["export", "tableaus/rk4.toml", "-o", "model.pt"], TORCH_HINT),
        (("torch",), ["models"], TORCH_HINT),
        (
            ("matplotlib",),
            ["train", "resnet20"],
            "tabc: this command needs matplotlib: install tabc's 'train' extra from where tabc came from, e.g. pip install -e '.[train]' in its clone (tabc is not on a package index)\n",
        ),
        (
            ("sklearn", "tqdm"),
            ["compare", "resnet20"],
            "tabc: this command needs scikit-learn, tqdm: install tabc's 'train' extra from where tabc came from, e.g. pip install -e '.[train]' in its clone (tabc is not on a package index)\n",
        ),
    ],
    ids=["export", "models", "train", "compare"],
)
def test_a_command_whose_extra_is_missing_exits_2_naming_the_extra(
    blocked, argv, message, tmp_path
):
    done = run_without(blocked, argv, cwd=tmp_path)
    assert (done.returncode, done.stderr, done.stdout) == (2, message, "")
    assert list(tmp_path.iterdir()) == []


def test_create_model_without_torch_names_the_extra():
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "import tableau_compiler\n"
        "try:\n    tableau_compiler.create_model('resnet20')\n"
        "except ImportError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout == (
        "tableau_compiler.create_model needs PyTorch: install tabc's 'torch' extra from where tabc came from, e.g. pip install -e '.[torch]' in its clone (tabc is not on a package index), after pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu for PyTorch's CPU build\n"
    )


@pytest.mark.parametrize(
    "argv",
    [["check", "tableaus"], ["info", "tableaus/gl2.toml"], ["compile", "--check"]],
    ids=["check", "info", "compile"],
)
def test_the_core_commands_run_without_any_extra(argv):
    """No torch, matplotlib, scikit-learn or tqdm: the core install is enough (numpy is part of
    it: the checker decides decimal schemes in floating point with error bounds)."""
    done = run_without(tuple(name for name in HEAVY if name != "numpy"), argv)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compiled_modules_get_the_mode_a_plain_write_gives(capsys, workdir):
    """0666 less the umask for a new module (not mkstemp's 0600); an old module keeps its own."""
    previous = os.umask(0o027)
    try:
        assert main(["compile", str(TABLEAUS / "euler.toml"), "-o", "out"]) == 0
        module = workdir / "out" / "euler.py"
        assert stat.S_IMODE(module.stat().st_mode) == 0o640
        module.chmod(0o664)
        module.write_text(module.read_text(encoding="utf-8").replace("Euler", "Euler "), "utf-8")
        assert main(["compile", str(TABLEAUS / "euler.toml"), "-o", "out", "--force"]) == 0
        assert stat.S_IMODE(module.stat().st_mode) == 0o664
    finally:
        os.umask(previous)
    assert capsys.readouterr().out == (
        "wrote out/_tabc_runtime.py\nwrote out/euler.py\nwrote out/euler.py\n"
    )


# --------------------------------------------------------------------------- files from strangers


@pytest.mark.parametrize("command", ["check", "info", "compile"])
@pytest.mark.parametrize("special", ["fifo", "dev_zero"])
def test_a_fifo_or_a_device_named_toml_is_refused_before_a_byte_is_read(
    tmp_path, capsys, command, special
):
    scheme = tmp_path / "scheme.toml"
    if special == "fifo":
        os.mkfifo(scheme)  # reading it would wait for a writer for ever
    else:
        scheme.symlink_to("/dev/zero")  # reading it would never end
    extra = ["-o", str(tmp_path / "out")] if command == "compile" else []
    code, out, err = tabc(capsys, command, str(scheme), *extra)
    assert code == 2
    assert f"{scheme}: not a regular file, so not a scheme file" in out + err
    assert not (tmp_path / "out").exists()


def test_two_schemes_of_one_name_are_both_refused_and_nothing_is_written(tmp_path, capsys):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "first.toml").write_text(RK4_TEXT, encoding="utf-8")
    (library / "second.toml").write_text(RK4_TEXT, encoding="utf-8")
    code, out, _ = tabc(capsys, "compile", str(library), "-o", str(tmp_path / "out"))
    assert code == 2
    lines = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 2
    for mine, other in (("first", "second"), ("second", "first")):
        (line,) = [x for x in lines if x.startswith(f"ERROR {library / mine}.toml:")]
        assert str(library / f"{other}.toml") in line and "rk4.py" in line and ": name:" in line
    assert not (tmp_path / "out").exists()


HIDDEN_IN_OUTPUT = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069]"
)


@pytest.mark.parametrize(
    "argv",
    [["check"], ["check", "--format", "json"], ["check", "--format", "github"], ["info"],
     ["info", "--format", "json"]],
)  # fmt: skip
def test_terminal_escapes_and_bidi_characters_from_a_scheme_are_printed_as_escapes(
    tmp_path, capsys, argv
):
    title = "evil \x1b]0;pwned\x07 \x1b[2J \u202e reversed \u200b"
    text = RK4_TEXT.replace(
        'title = "Classical fourth-order Runge–Kutta method"',
        'title = "evil \\u001b]0;pwned\\u0007 \\u001b[2J \u202e reversed \u200b"',
    ).replace("references = [", 'references = [\n  "\\u001b[31mred\\u001b[0m",')
    assert text != RK4_TEXT
    scheme = tmp_path / "name\x1b[31m.toml"  # a file name can carry them too
    scheme.write_text(text, encoding="utf-8")
    code, out, err = tabc(capsys, *argv, str(scheme))
    assert code == 0
    assert not HIDDEN_IN_OUTPUT.search(out + err), "a hidden character reached the terminal"
    if "json" in argv:
        document = json.loads(out)
        record = document[0] if isinstance(document, list) else document
        assert record["title"] == title  # the escapes are JSON's: the same string decodes
    else:
        assert "\\u001b" in out


SQRT_K_MULTISTEP = """\
name = "sqrt_k"
kind = "linear-multistep"
order = 1
step_scaling = "absorbed"
[coefficients]
alpha = ["-sqrt(k)", "sqrt(k) - 1", "1"]
beta = ["0", "1", "0"]
[parameters.k]
value = "1/4"
learnable = true
"""


def test_a_square_root_of_a_parameter_is_reported_not_a_traceback(tmp_path, capsys):
    # regions are solved over polynomial rings in the parameters, where sqrt(k) is no element
    scheme = tmp_path / "sqrt_k.toml"
    scheme.write_text(SQRT_K_MULTISTEP, encoding="utf-8")
    code, out, _ = tabc(capsys, "info", str(scheme))
    assert code == 0
    assert "not computed: '-sqrt(k)' takes a square root of a parameter" in out
    code, out, _ = tabc(capsys, "compile", str(scheme), "-o", str(tmp_path / "out"))
    assert code == 0
    module = (tmp_path / "out" / "sqrt_k.py").read_text(encoding="utf-8")
    assert "free: the region where zero-stability holds is not computed" in module


@pytest.mark.parametrize("value", ["1e400", "-2e308", "(10^40)^10"])
def test_a_coefficient_beyond_float64_is_refused_by_compile_naming_its_key(tmp_path, capsys, value):
    # stage 2 is weighted 0, so the scheme has order 1 whatever a21 is: check passes it
    text = (
        'name = "huge"\nkind = "runge-kutta"\norder = 1\n'
        f'[tableau]\na = [[], ["{value}"]]\nb = ["1", "0"]\n'
    )
    scheme = tmp_path / "huge.toml"
    scheme.write_text(text, encoding="utf-8")
    assert tabc(capsys, "check", str(scheme))[0] == 0
    code, out, _ = tabc(capsys, "compile", str(scheme), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "huge.toml:5: tableau.a[2][1]: " in out and "beyond the range of float64" in out
    assert not (tmp_path / "out").exists()


def test_compile_refuses_a_target_module_that_is_a_fifo_instead_of_waiting_on_it(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "rk4.py")  # reading it back to compare would wait for a writer for ever
    for extra in ([], ["--check"]):
        code, _, err = tabc(capsys, "compile", *extra, "-o", str(out), str(TABLEAUS / "rk4.toml"))
        assert code == 2
        assert f"{out / 'rk4.py'}: not a regular file" in err
    assert stat.S_ISFIFO(os.stat(out / "rk4.py").st_mode)


@pytest.mark.parametrize(
    "given",
    [["{lib}", "{lib}/rk4.toml"], ["{lib}/rk4.toml", "{lib}/./rk4.toml"], ["{lib}/rk4.toml"] * 2],
)
def test_a_file_named_twice_is_compiled_and_checked_once(tmp_path, capsys, given):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "rk4.toml").write_text(RK4_TEXT, encoding="utf-8")
    paths = [p.format(lib=library) for p in given]
    code, out, _ = tabc(capsys, "compile", "-o", str(tmp_path / "out"), *paths)
    assert code == 0 and out.count(".py\n") == 2 and "ERROR" not in out  # rk4 and the runtime
    code, out, _ = tabc(capsys, "check", *paths)
    assert code == 0 and out.count("ok    ") == 1


def test_a_module_tabc_never_wrote_is_named_as_such_and_the_hint_says_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "rk4.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = tabc(capsys, "compile", "-o", str(out), str(TABLEAUS / "rk4.toml"))
    assert code == 2 and "not written by tabc (it has no tabc header)" in err
    code, out_text, _ = tabc(
        capsys, "compile", "--check", "-o", str(out), str(TABLEAUS / "rk4.toml")
    )
    assert code == 1 and "not written by tabc" in out_text and "tabc compile --force -o" in out_text
    assert (out / "rk4.py").read_text(encoding="utf-8") == "x = 1\n"


def test_a_directory_reports_its_unreadable_toml_entries_instead_of_skipping_them(tmp_path, capsys):
    (tmp_path / "rk4.toml").write_text(RK4_TEXT, encoding="utf-8")
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "pipe.toml")
    code, out, _ = tabc(capsys, "check", str(tmp_path))
    assert code == 2
    assert f"ERROR {tmp_path / 'dangling.toml'}: cannot read" in out
    assert f"ERROR {tmp_path / 'pipe.toml'}: not a regular file" in out
    assert f"ok    {tmp_path / 'rk4.toml'}" in out


def test_a_bound_that_names_a_parameter_says_bounds_are_constants(tmp_path, capsys):
    text = RK4_TEXT.replace('["1/2"],', '["alpha"],', 1).replace(
        'c = ["0", "1/2", "1/2", "1"]\n', ""
    )
    text += '\n[parameters.alpha]\nvalue = "1/2"\nbounds = ["alpha", "1"]\n'
    scheme = tmp_path / "bound.toml"
    scheme.write_text(text, encoding="utf-8")
    code, out, _ = tabc(capsys, "check", str(scheme))
    assert code == 2
    assert "parameters.alpha.bounds[1]: a parameter's value and bounds are constants" in out
