"""The limits bound the work, not only the sizes: generated worst cases inside the size limits.

Each costly input of issue 12 is answered within the stated bounds (docs/limits.md): the
counted work and memory of the order conditions account for the size of the numbers and
the field, R(z) and the parameter regions are bounded before they are computed, and
fields whose arithmetic has no bound are refused.  Assertions are on counted work and on
the refusals; the subprocess runs only carry a generous timeout as a safety net.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tableau_compiler import limits
from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.arithmetic import RationalField
from tableau_compiler.analysis.runge_kutta import convert_tableau, decidable_order
from tableau_compiler.analysis.work import condition_memory, condition_work, number_size
from tableau_compiler.errors import CoefficientError
from tableau_compiler.parsing import parse_scheme


def tableau(a: list[list[str]], b: list[str], order: int, extra: str = "") -> str:
    rows = ",\n".join("  [" + ", ".join(f'"{x}"' for x in row) + "]" for row in a)
    weights = ", ".join(f'"{x}"' for x in b)
    return (
        f'name = "costly"\nkind = "runge-kutta"\norder = {order}\n{extra}\n'
        f"[tableau]\na = [\n{rows}\n]\nb = [{weights}]\n"
    )


def explicit(stages: int, order: int, entry, extra: str = "") -> str:
    a = [[entry(i, j) for j in range(i)] for i in range(stages)]
    return tableau(a, [entry(stages, j) for j in range(stages)], order, extra)


def multistep(alpha: list[str], beta: list[str], order: int = 1, extra: str = "") -> str:
    return (
        f'name = "costly"\nkind = "linear-multistep"\norder = {order}\n{extra}\n'
        "[coefficients]\nalpha = [" + ", ".join(f'"{x}"' for x in alpha) + "]\n"
        "beta = [" + ", ".join(f'"{x}"' for x in beta) + "]\n"
    )


def size_of(text: str):
    scheme = parse_scheme(text)
    field, a, b, _, _ = convert_tableau(scheme, {})
    return scheme, number_size(field, a, b)


HUGE = "*".join(["10^64"] * 37 + ["10^32"])  # 10^2400, within every size limit


def test_a_one_stage_tableau_with_a11_10_to_2400_is_decided_only_within_the_limits():
    # Issue 12: claiming order 16 ran 38 s, then GMP aborted out of memory.
    scheme, size = size_of(tableau([[HUGE]], ["1"], 16))
    assert size.per_order >= 2400 * 3  # the bits of 10^2400 count
    depth = decidable_order(1, 17, size)
    assert depth < 16
    assert condition_memory(1, depth, size) <= limits.MAX_CONDITION_BITS
    assert condition_work(1, depth, size) <= limits.MAX_CONDITION_WORK
    assert (
        condition_memory(1, depth + 1, size) > limits.MAX_CONDITION_BITS
        or condition_work(1, depth + 1, size) > limits.MAX_CONDITION_WORK
    )
    analysis = analyse(scheme)
    assert not analysis.passed and analysis.checked_order <= depth


def test_large_rationals_make_64_stages_decide_fewer_orders_than_small_ones():
    import random

    rng = random.Random(12)
    big = lambda i, j: f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"
    small = lambda i, j: f"{(i * 7 + j) % 13 + 1}/{(i + j) % 7 + 2}"
    _, big_size = size_of(explicit(64, 13, big))
    _, small_size = size_of(explicit(64, 13, small))
    assert decidable_order(64, 13, small_size) == 13
    top = decidable_order(64, 13, big_size)
    assert top < 13
    assert condition_work(64, top, big_size) <= limits.MAX_CONDITION_WORK


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (lambda i, j: f"{(i + j) % 5 + 1}/7*sqrt(2) + sqrt(3)/{j + 2}", "QQ<"),
        (lambda i, j: f"sqrt(2)/{i + 1} + sqrt(3)/{j + 2} + sqrt(5) - sqrt(7)/{i + j + 1}", "QQ<"),
        (lambda i, j: f"pi/{i + j + 1}", "pi"),
    ],
)
def test_radicals_and_pi_cost_more_than_rationals_per_condition(entry, field):
    scheme, size = size_of(explicit(64, 13, entry))
    assert size.unit(1) >= 30  # sympy's fields: Python arithmetic, not flint's
    top = decidable_order(64, 13, size)
    assert top < 13 and condition_work(64, top, size) <= limits.MAX_CONDITION_WORK
    analysis = analyse(scheme)
    assert field in analysis.domain and analysis.checked_order <= top


def test_the_work_of_small_rationals_is_stages_squared_times_trees_and_the_set_up():
    # The measure docs/limits.md states for ordinary schemes: s² × (trees + 4 products of set-up).
    from tableau_compiler.analysis.work import SETUP_PRODUCTS

    _, size = size_of(explicit(4, 4, lambda i, j: "1/2"))
    assert condition_work(4, 4, size) == 16 * (sum(limits.ROOTED_TREES[:5]) + SETUP_PRODUCTS)


def test_pi_mixed_with_square_roots_is_refused_naming_the_coefficient():
    # Issue 12: a 4-step scheme mixing pi, radicals and a parameter ran for minutes (a gcd
    # in sympy's expression domain).
    text = multistep(
        ["k*pi/10 - sqrt(2)/5", "-sqrt(3)*k", "sqrt(2)*k - pi/7", "1 - k", "1"],
        ["sqrt(2)/7", "pi/9 + k", "k*sqrt(3)", "sqrt(3)*k^2", "0"],
        extra='[parameters.k]\nvalue = "1/3"\n',
    )
    with pytest.raises(CoefficientError, match="mix pi or parameters with square roots") as caught:
        analyse(parse_scheme(text))
    assert caught.value.key_path == "coefficients.alpha[1]"


def test_rk4_written_with_parameters_has_its_regions_not_computed():
    # Issue 12: RK4 written with 8 parameters: check took 0.4 s, info minutes.
    names = ["p1", "p2", "p4", "q1", "q2", "q3", "q4"]
    values = ["1/2", "1/2", "1", "1/6", "1/3", "1/3", "1/6"]
    extra = "".join(f'[parameters.{n}]\nvalue = "{v}"\n' for n, v in zip(names, values))
    text = tableau([[], ["p1"], ["0", "p2"], ["0", "0", "p4"]], names[3:], 4, extra)
    analysis = analyse(parse_scheme(text), full=True)
    assert analysis.passed
    (entry,) = analysis.parameter_regions.entries
    assert entry[0] == "note" and "7 parameters, above the limit of 2" in entry[1]


def test_a_32_step_scheme_with_a_parameter_has_its_regions_bounded_by_degree():
    alpha = [f"k*{n}/997" for n in range(32)] + ["1"]
    beta = [f"{n}/991 + k/{n + 1}" for n in range(33)]
    text = multistep(alpha, beta, extra='[parameters.k]\nvalue = "1/2"\n')
    analysis = analyse(parse_scheme(text), full=True)
    (entry,) = analysis.parameter_regions.entries
    assert "not computed" in entry[1] and f"limit of {limits.MAX_REGION_DEGREE}" in entry[1]


def test_r_of_z_is_not_computed_when_its_coefficients_would_be_too_large():
    import random

    rng = random.Random(3)
    text = explicit(64, 2, lambda i, j: f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}")
    analysis = analyse(parse_scheme(text), full=True)
    assert analysis.stability.a_stable is None
    assert "not computed" in analysis.stability.note
    assert f"limit of {limits.MAX_STABILITY_BITS:.2g}" in analysis.stability.note


def test_rational_sizes_count_the_common_denominator():
    field = RationalField()
    a = [[field.rational(1, 3), field.rational(0)], [field.rational(1, 5), field.rational(0)]]
    size = number_size(field, a)
    assert size.per_order == (15).bit_length() + (2).bit_length()


# --------------------------------------------------------------------------- the guarantee


def _worst_cases() -> dict[str, str]:
    import random

    rng = random.Random(1)
    consistent = [f"{n}/997" for n in range(24)] + ["1"]
    consistent[0] = f"-{sum(range(1, 24))}/997 - 1"
    return {
        "a11_10_to_2400": tableau([[HUGE]], ["1"], 16),
        "64_stages_large_rationals": explicit(
            64, 13, lambda i, j: f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"
        ),
        "64_stages_four_radicals": explicit(
            64,
            13,
            lambda i, j: f"sqrt(2)/{i + 1} + sqrt(3)/{j + 2} + sqrt(5) - sqrt(7)/{i + j + 1}",
        ),
        "24_steps_n_over_997": multistep(consistent, ["0"] * 25),
    }


@pytest.mark.parametrize("command", ["check", "info", "compile"])
@pytest.mark.parametrize("name", sorted(_worst_cases()))
def test_generated_worst_cases_are_answered_with_a_status_and_no_traceback(tmp_path, name, command):
    path = tmp_path / f"{name}.toml"
    path.write_text(_worst_cases()[name])
    argv = [sys.executable, "-m", "tableau_compiler", command, str(path)]
    if command == "compile":
        argv += ["-o", str(tmp_path / "out")]
    # docs/limits.md states 60 s on the reference machine; the timeout is a safety net only.
    done = subprocess.run(
        argv, check=False, capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent
    )
    assert done.returncode in (0, 1, 2), done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_common_denominator_too_large_to_hold_is_refused_naming_the_limit():
    # 2,016 distinct 128-bit primes to the 64th power: each constant is within 8,192 bits,
    # but A scaled to their common denominator would take gigabytes.
    import sympy

    primes, p = [], 2**127
    for _ in range(64 * 63 // 2):
        p = sympy.nextprime(p)
        primes.append(p)
    it = iter(primes)
    text = explicit(64, 4, lambda i, j: f"1/{next(it)}^64" if i < 64 else "1/64")
    with pytest.raises(CoefficientError, match="common denominator .* above the limit") as caught:
        analyse(parse_scheme(text))
    assert caught.value.key_path == "tableau.a"


def test_a_multistep_rho_with_pi_beyond_the_step_limit_is_refused_naming_it():
    # 32 steps with pi took a minute in one gcd over QQ(pi).
    steps = limits.MAX_SYMBOLIC_STEPS + 1
    alpha = [f"pi/{n + 2} - {n}/997" for n in range(steps)] + ["1"]
    with pytest.raises(CoefficientError, match=f"decided up to {limits.MAX_SYMBOLIC_STEPS} steps"):
        analyse(parse_scheme(multistep(alpha, ["0"] * (steps + 1))))


def test_a_root_of_a_factor_with_more_than_4300_digits_is_named_without_its_polynomial():
    import random

    rng = random.Random(9)
    big = lambda: f"{rng.randrange(10**300)}/{rng.randrange(1, 10**300)}"
    analysis = analyse(parse_scheme(multistep([big() for _ in range(32)] + ["1"], ["0"] * 33)))
    assert not analysis.zero_stability.holds
    assert "a root of a factor of rho of degree" in analysis.zero_stability.reason
