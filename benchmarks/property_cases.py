"""Generated scheme files that sit just under each property's limit (or at its size cap): the
cases that test a property's estimate where it matters (benchmarks/bench_properties.py).

Each family grows one size (stages, steps, digits) until the property's estimate, with the
limits as shipped, would pass the limit, and keeps the last size under it.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_work_limits import explicit, multistep, tableau


def _rational(rng: random.Random, digits: int) -> str:
    return f"{rng.randrange(1, 10**digits)}/{rng.randrange(1, 10**digits)}"


def _largest_under(sizes: range, fits: Callable[[int], bool]) -> int:
    """The largest size whose case fits its limit (the first one if none does)."""
    best = sizes[0]
    for size in sizes:
        if fits(size):
            best = size
    return best


def _stability_fits(text: str) -> bool:
    from tableau_compiler.analysis.runge_kutta import (
        _stability_over_limit,
        classify,
        convert_tableau,
        parameter_values,
    )
    from tableau_compiler.analysis.work import number_size
    from tableau_compiler.parsing import parse_scheme

    scheme = parse_scheme(text)
    field_, a, b, _, _ = convert_tableau(scheme, parameter_values(scheme))
    return not _stability_over_limit(scheme.stages, number_size(field_, a, b), classify(field_, a))


def stability_cases() -> dict[str, str]:
    """R(z) of explicit and implicit tableaus, rational and over QQ(√2), just under the limit."""

    def dense(stages: int, digits: int, radical: bool = False) -> str:
        rng = random.Random(stages * 100 + digits)
        entry = lambda: _rational(rng, digits) + (f" + sqrt(2)*{_rational(rng, 2)}" if radical else "")
        return tableau([[entry() for _ in range(stages)] for _ in range(stages)],
                       [entry() for _ in range(stages)], 1)  # fmt: skip

    def lower(stages: int, digits: int, radical: bool = False) -> str:
        rng = random.Random(stages * 100 + digits)
        entry = lambda i, j: _rational(rng, digits) + (f" + sqrt(2)*{_rational(rng, 2)}" if radical else "")
        return explicit(stages, 1, entry)

    out = {}
    for name, make in [
        ("explicit_rationals", lambda d: lower(64, d)),
        ("explicit_sqrt2", lambda d: lower(32, d, True)),
        ("implicit_rationals", lambda d: dense(16, d)),
        ("implicit_sqrt2", lambda d: dense(8, d, True)),
    ]:
        digits = _largest_under(range(1, 40, 2), lambda d, make=make: _stability_fits(make(d)))
        out[f"under_stability_{name}"] = make(digits)
    out["under_stability_implicit_small_rationals"] = _largest_implicit()
    return out


def _largest_implicit() -> str:
    """The most stages of a fully implicit tableau of 1/(i + j + 2) under the R(z) limit."""
    make = lambda s: tableau([[f"1/{i + j + 2}" for j in range(s)] for i in range(s)],
                             [f"1/{s}"] * s, 1)  # fmt: skip
    return make(_largest_under(range(4, 65, 4), lambda s: _stability_fits(make(s))))


def ssp_cases() -> dict[str, str]:
    """The SSP coefficient over QQ(√2) just under its limit, and over QQ at the stage cap."""
    from tableau_compiler import limits
    from tableau_compiler.analysis.work import ssp_work

    def radical(stages: int, digits: int) -> str:
        rng = random.Random(stages)
        entry = lambda i, j: f"{_rational(rng, digits)} + sqrt(2)*{_rational(rng, digits)}"
        return explicit(stages, 1, entry)

    out = {}
    for digits in (2, 12):
        bits = 2 * 4 * digits  # numerator and denominator of a coordinate, about
        stages = _largest_under(range(2, 25),
                                lambda s, bits=bits: ssp_work(s, 2, bits) <= limits.MAX_SSP_ALGEBRAIC_WORK)  # fmt: skip
        out[f"under_ssp_sqrt2_{digits}_digits"] = radical(stages, digits)
    rng = random.Random(3)
    s = limits.MAX_SSP_STAGES
    out["at_ssp_stage_cap_rationals"] = explicit(s, 1, lambda i, j: _rational(rng, 3))
    return out


def symmetry_cases() -> dict[str, str]:
    """Stage merging past the stage count, just under the limit (a tableau that is not its own
    adjoint under the reversal, so the refinement runs)."""
    from tableau_compiler import limits
    from tableau_compiler.analysis.work import lumping_work

    out = {}
    for stages in (24, 64):
        digits = _largest_under(
            range(1, 2500, 10),
            lambda d, stages=stages: lumping_work(stages, int(d * 3.33) + 1) <= limits.MAX_LUMPED_WORK,
        )
        rng = random.Random(stages)
        out[f"under_symmetry_{stages}_stages"] = explicit(
            stages, 1, lambda i, j, rng=rng, digits=digits: f"{rng.randrange(10 ** (digits - 1), 10**digits)}/7"
        )
    return out


def multistep_cases() -> dict[str, str]:
    """The root condition with square roots just under its limit; A(α) at the step cap."""
    from tableau_compiler import limits
    from tableau_compiler.analysis.work import root_condition_work

    out = {}
    for roots, radicals in ((1, ["sqrt(2)"]), (2, ["sqrt(2)", "sqrt(3)"])):
        degree = 2**roots
        for steps in (8, 16):
            digits = _largest_under(
                range(1, 60),
                lambda d, steps=steps, degree=degree: root_condition_work(steps, degree, 7 * d) <= limits.MAX_ALGEBRAIC_ROOT_WORK,
            )  # fmt: skip
            rng = random.Random(steps + roots)
            alpha = ["+".join(f"{r}*{_rational(rng, digits)}" for r in radicals)
                     for _ in range(steps)] + ["1"]  # fmt: skip
            out[f"under_root_{steps}_steps_{roots}_radicals"] = multistep(
                alpha, [f"{n}/7" for n in range(steps + 1)]
            )
    k = limits.MAX_LOCUS_STEPS
    rng = random.Random(4)
    alpha = [f"{rng.randrange(-9, 10)}/{rng.randrange(1, 10)}" for _ in range(k)]
    alpha = [*alpha, "1"]
    alpha[0] = f"-({' + '.join(alpha[1:])})"  # consistent: ρ(1) = 0
    out["at_locus_step_cap"] = multistep(alpha, [f"{n + 1}/{k * 7}" for n in range(k + 1)])
    return out


def regions_case() -> dict[str, str]:
    """Two parameters with the order conditions up to order 5 of degree 20 (the cap is 24)."""
    extra = '[parameters.p]\nvalue = "1/2"\n[parameters.q]\nvalue = "1"\n'
    return {
        "at_regions_caps": tableau(
            [["0"] * 4, ["p", "0", "0", "0"], ["0", "q", "0", "0"], ["0", "0", "p^2*q^2", "0"]],
            ["1/6", "1/3", "1/3", "1/6"],
            4,
            extra,
        )
    }


def generated_cases() -> dict[str, str]:
    return {**stability_cases(), **ssp_cases(), **symmetry_cases(), **multistep_cases(),
            **regions_case()}  # fmt: skip
