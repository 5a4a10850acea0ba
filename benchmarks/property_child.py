"""One case of benchmarks/bench_properties.py, in a fresh process: each property of one scheme
file computed as ``tabc info`` computes it, timed one by one, beside its estimate; one JSON line
per property on stdout.

    python benchmarks/property_child.py FILE [--lifted JSON]

``--lifted`` maps limit names to values to run with; whether a limit as shipped would refuse
the property is judged before, with the shipped values.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tableau_compiler import limits


def emit(prop: str, units: int | None, refused: bool, size: str, work: Callable[[], Any]) -> None:
    """Time ``work()`` (limits as the command line set them) and print the row."""
    from tableau_compiler.errors import SchemeError

    start = time.perf_counter()
    try:
        result = work()
    except SchemeError as error:  # a limit that refuses the file (exit 2 in tabc info)
        result, refused = type("Refused", (), {"reason": f"refused: {error}"})(), True
    seconds = time.perf_counter() - start
    note = getattr(result, "reason", "") or getattr(result, "note", "") or ""
    row = {"property": prop, "units": units, "refused": bool(refused), "size": size,
           "seconds": seconds, "note": str(note)[:200]}  # fmt: skip
    print(json.dumps(row), flush=True)


def runge_kutta(tableau: Any, shipped: dict) -> None:
    from tableau_compiler.analysis import structure
    from tableau_compiler.analysis.runge_kutta import (
        _ssp,
        _stability_over_limit,
        classify,
        convert_tableau,
        parameter_values,
        stability_function,
    )
    from tableau_compiler.analysis.work import number_size, stability_work

    field_, a, b, _, _ = convert_tableau(tableau, parameter_values(tableau))
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    s, kind = tableau.stages, classify(field_, a)
    size = number_size(field_, a, b)
    described = f"{s} stages, {kind}, {field_.name[:40]}, {size.bits(s + 1)} bits at order s+1"
    with limits_as(shipped):
        over = _stability_over_limit(s, size, kind)
    units = stability_work(s, size, kind == "explicit")
    emit("stability", units, over, described,
         lambda: stability_function(tableau, field_, a, b, tolerance, kind))  # fmt: skip
    units, refused, described = ssp_estimate(tableau, field_, a, b, shipped)
    emit("ssp", units, refused, described,
         lambda: _ssp(tableau, field_, a, b, tolerance, tableau.order))  # fmt: skip
    units, refused, described = symmetry_estimate(field_, a, b, shipped)
    emit("symmetry", units, refused, described,
         lambda: structure.symmetric(field_, a, b, tolerance))  # fmt: skip
    if tableau.parameters and any(x.names for x in tableau.coefficients()):
        from tableau_compiler.analysis.regions import tableau_regions

        emit("regions", None, False, "parameters", lambda: tableau_regions(tableau))


def ssp_estimate(tableau: Any, field_: Any, a: Any, b: Any, shipped: dict) -> tuple:
    """(units or None, refused as shipped, size) of the SSP coefficient's gates: the order
    barrier and a negative entry decide without work; else the rational or the algebraic
    estimate (tableau_compiler.analysis.structure)."""
    from fractions import Fraction

    from tableau_compiler.analysis.arithmetic import RationalField, SympyField
    from tableau_compiler.analysis.runge_kutta import (
        _first_negative,
        classify,
        convert_tableau,
        parameter_values,
    )
    from tableau_compiler.analysis.structure import ssp_rational_work
    from tableau_compiler.analysis.work import ssp_work

    s = tableau.stages
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    barrier = 4 if classify(field_, a) == "explicit" else 6
    if not tableau.is_approximate and tableau.order > barrier:
        return None, False, f"{s} stages of order {tableau.order}: 0 by the order barrier"
    negative = _first_negative(field_, a, b, tolerance)
    if negative:
        return None, False, f"{s} stages, {negative}: 0 without computation"
    capped = s > shipped["MAX_SSP_STAGES"]
    if isinstance(field_, RationalField):
        exact = lambda xs: [Fraction(int(x.numerator), int(x.denominator)) for x in xs]
        units = round(ssp_rational_work([exact(row) for row in a], exact(b)))
        refused = capped or units > shipped["MAX_SSP_RATIONAL_WORK"]
        return units, refused, f"{s} stages over QQ"
    if not isinstance(field_, SympyField):
        field_, a, b, _, _ = convert_tableau(tableau, parameter_values(tableau), quadratic=False)
    domain = getattr(field_, "sympy_domain", None)
    if domain is None or not getattr(domain, "is_AlgebraicField", False):
        return None, capped, f"{s} stages over {field_.name[:40]}"
    degree = len(domain.mod.to_list()) - 1
    bits = max(int(q.numerator).bit_length() + int(q.denominator).bit_length()
               for x in [*(v for row in a for v in row), *b] for q in x.to_list())  # fmt: skip
    units = ssp_work(s, degree, bits)
    refused = capped or units > shipped["MAX_SSP_ALGEBRAIC_WORK"]
    return units, refused, f"{s} stages, field degree {degree}, {bits} bits"


def symmetry_estimate(field_: Any, a: Any, b: Any, shipped: dict) -> tuple:
    """(units or None, refused as shipped, size) of the symmetry's stage-merging gate."""
    from tableau_compiler.analysis.structure import _lumping_over_limit
    from tableau_compiler.analysis.work import lumping_work

    parts = []
    for x in [*b, *(y for row in a for y in row)]:
        parts += [x.a, x.b] if hasattr(x, "d") and hasattr(x, "a") else [x]
    try:
        bits = max(max(int(x.p).bit_length(), int(x.q).bit_length()) for x in parts)
    except AttributeError:
        bits = None
    with limits_as(shipped):
        refused = _lumping_over_limit(field_, a, b)
    units = None if bits is None else lumping_work(len(b), bits)
    return units, refused, f"{len(b)} stages, {bits} bits"


def multistep(scheme: Any, shipped: dict) -> None:
    from tableau_compiler.analysis.arithmetic import field_for
    from tableau_compiler.analysis.multistep import _consistency, _linear_stability
    from tableau_compiler.analysis.zero_stability import root_condition

    values = {p.name: p.value for p in scheme.parameters}
    k = scheme.steps
    field_, elements = field_for([*scheme.alpha, *scheme.beta], values, quadratic=False)
    alpha, beta = elements[: k + 1], elements[k + 1 :]
    tolerance = scheme.effective_tolerance if scheme.is_approximate else None
    units, refused, described = root_estimate(field_, alpha, shipped)
    emit("root condition", units, refused, described,
         lambda: root_condition(field_, alpha, tolerance))  # fmt: skip
    consistent, _, factor, _ = _consistency(field_, alpha, beta, tolerance)
    if factor is not None:
        beta = [field_.divide(x, factor) for x in beta]
    if consistent:
        refused = k > shipped["MAX_LOCUS_STEPS"]
        emit("A(α), interval", None, refused, f"{k} steps",
             lambda: _linear_stability(scheme, field_, alpha, beta, tolerance, factor is not None))  # fmt: skip
    if any(x.names for x in scheme.coefficients()):
        from tableau_compiler.analysis.regions import multistep_regions

        emit("regions", None, False, "parameters", lambda: multistep_regions(scheme))


def root_estimate(field_: Any, alpha: Any, shipped: dict) -> tuple:
    """(units or None, refused as shipped, size) of the root condition's gates."""
    from tableau_compiler.analysis.work import root_condition_work
    from tableau_compiler.analysis.zero_stability import _symbolic_degree

    domain = getattr(field_, "domain", None)
    steps = len(alpha) - 1
    if domain is not None and (domain.is_PolynomialRing or domain.is_FractionField):
        degree = max(_symbolic_degree(c) for c in alpha)
        refused = (steps > shipped["MAX_SYMBOLIC_STEPS"]
                   or steps * degree > shipped["MAX_SYMBOLIC_STEP_DEGREE"])  # fmt: skip
        return None, refused, f"{steps} steps, degree {degree} in pi"
    if domain is not None and getattr(domain, "is_AlgebraicField", False):
        degree = len(domain.mod.to_list()) - 1
        bits = max(int(q.numerator).bit_length() + int(q.denominator).bit_length()
                   for x in alpha for q in x.to_list())  # fmt: skip
        units = root_condition_work(steps, degree, bits)
        return units, units > shipped["MAX_ALGEBRAIC_ROOT_WORK"], (
            f"{steps} steps, field degree {degree}, {bits} bits")  # fmt: skip
    return None, False, f"{steps} steps over {field_.name[:40]}"


def partitioned(scheme: Any, shipped: dict, lifted: bool) -> None:
    from tableau_compiler.analysis.partitioned import (
        _symmetry,
        analyse_partitioned,
        condition_work,
        convert_pair,
        decidable_depth,
    )
    from tableau_compiler.analysis.work import number_size

    field_, a, b, a_hat, b_hat, _ = convert_pair(scheme)
    tolerance = scheme.effective_tolerance if scheme.is_approximate else None
    s = scheme.stages
    size = number_size(field_, a + a_hat, [*b, *b_hat])
    wanted = max(scheme.order, scheme.separable_order or 0) + 1
    with limits_as(shipped if not lifted else {}):  # the depths tabc info decides
        depth = decidable_depth(s, scheme.order + 1, size, general=True)
        spent = condition_work(s, depth, size, general=True)
        separable = decidable_depth(s, wanted, size, general=False, spent=spent)
    units = spent + condition_work(s, separable, size, general=False)
    refused = units > shipped["MAX_PAIR_WORK"] or depth <= scheme.order
    emit("pair conditions", units, refused,
         f"{s} stages, {field_.name[:40]}, orders {depth} and {separable}",
         lambda: analyse_partitioned(scheme, full=True))  # fmt: skip
    emit("pair symmetry", None, s > shipped["MAX_LUMPED_STAGES"], f"{s} stages",
         lambda: _symmetry(field_, (a, b, a_hat, b_hat), tolerance)[0])  # fmt: skip


class limits_as:
    """Set the limits to ``values`` inside the block, back as they were after it."""

    def __init__(self, values: dict) -> None:
        self.values, self.saved = values, {}

    def __enter__(self) -> None:
        self.saved = {name: getattr(limits, name) for name in self.values}
        for name, value in self.values.items():
            setattr(limits, name, value)

    def __exit__(self, *_: object) -> None:
        for name, value in self.saved.items():
            setattr(limits, name, value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--lifted", default="{}")
    args = parser.parse_args()
    lifted = json.loads(args.lifted)
    names = [n for n in dir(limits) if n.startswith("MAX_")]
    shipped = {name: getattr(limits, name) for name in names}
    for name, value in lifted.items():
        setattr(limits, name, value)
    import numpy  # noqa: F401 - imports warm: each row times the analysis alone
    import sympy  # noqa: F401

    from tableau_compiler.errors import SchemeError
    from tableau_compiler.parsing import load_scheme
    from tableau_compiler.scheme import ButcherTableau, PartitionedTableau

    try:
        scheme = load_scheme(args.file)
    except SchemeError as error:  # refused as bad input: no property to time
        print(json.dumps({"property": "(the file)", "units": None, "refused": True,
                          "size": "", "seconds": 0.0, "note": str(error)[:200]}))  # fmt: skip
        return 0
    warm = load_scheme(ROOT / "tableaus" / "rk4.toml")
    with limits_as({}):
        from tableau_compiler.analysis import analyse

        analyse(warm, full=True)  # the modules every property imports, loaded untimed
    if isinstance(scheme, ButcherTableau):
        runge_kutta(scheme, shipped)
    elif isinstance(scheme, PartitionedTableau):
        partitioned(scheme, shipped, bool(lifted))
    else:
        multistep(scheme, shipped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
