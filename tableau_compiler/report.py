"""Analyses as text, JSON-ready dicts and GitHub annotations (presentation only)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import wording
from .analysis.rooted_trees import TREES
from .analysis.values import Judgement, bounded, shown, shown_size, tolerance_text
from .errors import SchemeError, format_key_path

if TYPE_CHECKING:
    from .analysis.multistep import MultistepAnalysis
    from .analysis.partitioned import PartitionedAnalysis
    from .analysis.runge_kutta import RungeKuttaAnalysis

    Analysis = RungeKuttaAnalysis | MultistepAnalysis | PartitionedAnalysis

CELL_LIMIT = 24
"""Widest coefficient shown in the tableau and coefficient tables (cut with …)."""


def _float(x: float | None) -> float | None:
    """JSON has no NaN or infinity: report them as null."""
    return None if x is None or not math.isfinite(x) else x


def describe(analysis: Analysis) -> str:
    """A few words: 'explicit Runge–Kutta, 4 stages' or 'implicit 2-step multistep'."""
    return _kind(analysis).describe(analysis)


def _describe_runge_kutta(analysis: RungeKuttaAnalysis) -> str:
    stages = analysis.scheme.stages
    return f"{analysis.classification} Runge–Kutta, {stages} stage{'s' * (stages != 1)}"


def _describe_partitioned(analysis: PartitionedAnalysis) -> str:
    stages = analysis.scheme.stages
    if analysis.explicit:
        nature = "explicit"
    elif analysis.explicit_for_separable:
        nature = "explicit for separable systems"
    else:
        nature = "implicit"
    return f"partitioned Runge–Kutta, {stages} stage{'s' * (stages != 1)}, {nature}"


def _describe_multistep(analysis: MultistepAnalysis) -> str:
    nature = "explicit" if analysis.explicit else "implicit"
    return f"{nature} {analysis.scheme.steps}-step linear multistep"


def _decided(analysis: Analysis) -> str:
    if analysis.tolerance is None:
        return f"exact in {analysis.domain}"
    return f"to tolerance {tolerance_text(analysis.tolerance)}"


def verdict_line(analysis: Analysis) -> str:
    """The one line ``tabc check`` prints for a scheme that parsed."""
    scheme = analysis.scheme
    head = f"{scheme.source}: {scheme.name}, {describe(analysis)}"
    if not analysis.passed:
        return f"FAIL  {head}: " + "; ".join(analysis.failures)
    return f"ok    {head}: {_kind(analysis).verdict(analysis)}"


def _verdict_runge_kutta(analysis: RungeKuttaAnalysis) -> str:
    scheme = analysis.scheme
    count = sum(level.count for level in analysis.levels)
    text = f"order {scheme.order} ({count} condition{'s' * (count != 1)}, {_decided(analysis)})"
    if analysis.embedded_order is not None:
        text += f", embedded order {scheme.embedded_order}"
    return text


def _verdict_partitioned(analysis: PartitionedAnalysis) -> str:
    scheme = analysis.scheme
    count = sum(level.count for level in analysis.levels)
    text = f"order {scheme.order} ({count} condition{'s' * (count != 1)}, {_decided(analysis)})"
    if scheme.separable_order is not None:
        separable = sum(
            level.count for level in analysis.separable_levels[: scheme.separable_order]
        )
        conditions = wording.count(separable, "condition")
        text += f", separable order {scheme.separable_order} ({conditions})"
    text += ", " + _symplectic_words(analysis)
    if analysis.symmetric:
        text += ", symmetric"
    elif analysis.symmetric_for_separable:
        text += ", symmetric for separable systems"
    return text


def _verdict_multistep(analysis: MultistepAnalysis) -> str:
    return f"order {analysis.scheme.order} ({_decided(analysis)}), zero-stable"


def _symplectic_words(analysis: PartitionedAnalysis) -> str:
    if analysis.symplectic:
        return "symplectic"
    if analysis.symplectic_for_separable:
        return "symplectic for separable systems"
    return "not symplectic"


def error_line(path: str, error: SchemeError) -> str:
    return f"ERROR {error}"


# --------------------------------------------------------------------------- dicts


def _levels(levels: Any, weights: str = "b") -> list[dict[str, Any]]:
    return [
        {
            "order": level.order,
            "conditions": level.count,
            "failed": level.failed,
            "holds": level.holds,
            "largest_residual": _float(level.largest_residual),
            "worst_condition": level.worst_condition.replace("b·", f"{weights}·", 1),
            "worst_residual": level.worst_residual,
        }
        for level in levels
    ]


def _judgement(judgement: Judgement | None) -> dict[str, Any] | None:
    return None if judgement is None else judgement.to_dict()


def _key_text(key: tuple) -> str | None:
    """A key path as error messages write it, ``tableau.a[3][2]`` (1-based indices)."""
    return format_key_path(key) if key else None


def to_dict(analysis: Analysis) -> dict[str, Any]:
    """Everything the analysis found, as plain JSON-ready data."""
    scheme = analysis.scheme
    data: dict[str, Any] = {
        "file": scheme.source,
        "name": scheme.name,
        "kind": scheme.kind,
        "title": scheme.title,
        "status": "ok" if analysis.passed else "fail",
        "claimed_order": scheme.order,
        "order": analysis.order,
        "exact": analysis.tolerance is None,
        "domain": analysis.domain,
        "tolerance": analysis.tolerance,
        "failures": analysis.failures,
        "failure_keys": [_key_text(f.key) for f in analysis.findings],
        "warnings": list(analysis.warnings),
        "parameters": {
            p.name: {
                "value": p.value.text,
                "learnable": p.learnable,
                "bounds": None if p.bounds is None else [x.text for x in p.bounds],
            }
            for p in scheme.parameters
        },
    }
    data.update(_kind(analysis).fields(analysis))
    if getattr(analysis, "parameter_regions", None) is not None:
        data["parameter_regions"] = analysis.parameter_regions.to_dict()
    data["reversibility"] = _reversibility(analysis).to_dict()
    return data


def _reversibility(analysis: Analysis) -> Any:
    """Whether the compiled step inverts (issue 14, :mod:`.analysis.reversibility`)."""
    from .analysis.reversibility import reversibility

    return reversibility(analysis.scheme, analysis)


def _runge_kutta_dict(analysis: RungeKuttaAnalysis) -> dict[str, Any]:
    scheme = analysis.scheme
    data: dict[str, Any] = {
        "stages": scheme.stages,
        "classification": analysis.classification,
        "conditions": _levels(analysis.levels),
        "stage_order": analysis.stage_order,
        "c_differs_at_stages": list(analysis.c_differences),
        "order_with_written_c": analysis.written_c_order,
    }
    if analysis.stage_order_residual is not None:
        data["stage_order_residual"] = analysis.stage_order_residual.to_json()
    if analysis.c_difference is not None:
        data["c_largest_difference"] = analysis.c_difference.to_json()
    if analysis.structure_to_tolerance is not None:
        data["classification_to_tolerance"] = analysis.structure_to_tolerance
    if analysis.stiffly_accurate is not None:
        data["stiffly_accurate"] = _judgement(analysis.stiffly_accurate)
    if analysis.undecided:
        data["undecided"] = analysis.undecided
    if analysis.embedded_undecided:
        data["embedded_undecided"] = analysis.embedded_undecided
    if analysis.embedded_hint:
        data["embedded_hint"] = analysis.embedded_hint
    if analysis.embedded_levels is not None:
        data.update(
            claimed_embedded_order=scheme.embedded_order,
            embedded_order=analysis.embedded_order,
            embedded_conditions=_levels(analysis.embedded_levels, "b̂"),
        )
    if analysis.principal_error_order is not None:
        data["principal_error"] = {
            "order": analysis.principal_error_order,
            "norm": _float(analysis.principal_error_norm),
            "coefficients": [
                {"tree": TREES.bracket(t), "abs_tau": _float(value)}
                for t, value in analysis.principal_error_coefficients
            ],
        }
    if analysis.stability is not None:
        data["stability"] = analysis.stability.to_dict()
    if analysis.properties is not None:
        data.update(analysis.properties.to_dict())
    return data


def _partitioned_dict(analysis: PartitionedAnalysis) -> dict[str, Any]:
    scheme = analysis.scheme
    structure = analysis.structure
    data: dict[str, Any] = {
        "stages": scheme.stages,
        "claimed_separable_order": scheme.separable_order,
        "separable_order": analysis.separable_order,
        "conditions": _levels(analysis.levels),
        "separable_conditions": _levels(analysis.separable_levels),
        "symplectic": analysis.symplectic,
        "symplectic_for_separable_systems": analysis.symplectic_for_separable,
        "symplectic_condition": _judgement(analysis.symplectic_separable),
        "equal_weights": _judgement(analysis.equal_weights),
        "symmetric": analysis.symmetric,
        "symmetric_for_separable_systems": analysis.symmetric_for_separable,
        "symmetry": _judgement(analysis.symmetric_judgement),
        "symmetry_for_separable_systems": _judgement(analysis.symmetric_separable),
        "explicit": analysis.explicit,
        "explicit_for_separable_systems": analysis.explicit_for_separable,
        "separable_evaluation": None
        if structure.separable_evaluation is None
        else [f"{kind}{i + 1}" for kind, i in structure.separable_evaluation],
        "general_evaluation": None
        if structure.general_evaluation is None
        else [i + 1 for i in structure.general_evaluation],
        "at_parameter_values": analysis.at_parameter_values,
    }
    if analysis.undecided:
        data["undecided"] = analysis.undecided
    if analysis.separable_undecided:
        data["separable_undecided"] = analysis.separable_undecided
    return data


def _multistep_dict(analysis: MultistepAnalysis) -> dict[str, Any]:
    data: dict[str, Any] = {
        "steps": analysis.scheme.steps,
        "explicit": analysis.explicit,
        "rho": analysis.rho,
        "sigma": analysis.sigma,
        "consistent": analysis.consistent,
        "consistency": analysis.consistency,
        "step_factor": analysis.step_factor,
        "error_constants": [
            {"q": c.order, "C_q": c.value, "magnitude": _float(c.magnitude), "zero": c.holds}
            for c in analysis.constants
        ],
        "error_constant": analysis.error_constant,
        "zero_stable": analysis.zero_stability.holds,
        "zero_stability": analysis.zero_stability.reason,
        "root_condition": analysis.zero_stability.to_dict(),
    }
    if analysis.roots:
        data["roots_of_rho"] = list(analysis.roots)
    if analysis.linear_stability is not None:
        data["linear_stability"] = analysis.linear_stability.to_dict()
    return data


def error_dict(path: str, error: SchemeError) -> dict[str, Any]:
    return {
        "file": error.path or path,
        "status": "error",
        "error": error.message,
        "key": error.key_path or None,
        "line": error.line,
    }


# --------------------------------------------------------------------------- GitHub


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(level: str, path: str, line: int | None, message: str) -> str:
    """A workflow command, e.g. ``::error file=rk4.toml,line=9::message``."""
    location = f"file={_escape_property(path)}"
    if line is not None:
        location += f",line={line}"
    return f"::{level} {location},title=tabc check::{_escape_data(message)}"


# --------------------------------------------------------------------------- info


def parameter_values_text(scheme: Any) -> str:
    """``k = 0 (learnable in [-1/2, 1/2]), w = 1/3``: the values every verdict, order and
    stability property of ``tabc check``/``info`` is computed at (each value bounded)."""
    parts = []
    for parameter in scheme.parameters:
        text = f"{parameter.name} = {bounded(parameter.value.text)}"
        if parameter.learnable:
            if parameter.bounds is None:
                text += " (learnable)"
            else:
                low, high = (bounded(bound.text) for bound in parameter.bounds)
                text += f" (learnable in [{low}, {high}])"
        parts.append(text)
    return ", ".join(parts)


def info_text(analysis: Analysis) -> str:
    """The full human-readable report of ``tabc info``."""
    scheme = analysis.scheme
    lines = [f"{scheme.name}: {scheme.title}" if scheme.title else scheme.name]
    lines.append(f"  file: {scheme.source}")
    lines.append(f"  kind: {describe(analysis)}")
    for reference in scheme.references:
        lines.append(f"  reference: {reference}")
    lines.append(f"  arithmetic: {_decided(analysis)}")
    if scheme.parameters:
        lines.append(f"  analysed at: {parameter_values_text(scheme)}")
    lines.append("")
    lines += _kind(analysis).lines(analysis)
    lines.append(f"  invertible step (reversible=True): {_reversibility(analysis).words()}")
    if getattr(analysis, "parameter_regions", None) is not None:
        lines.append("")
        lines += analysis.parameter_regions.lines()
    lines.append("")
    for warning in analysis.warnings:
        lines.append(f"  warning: {warning}")
    verdict = "passes" if analysis.passed else "FAILS"
    lines.append(f"  verdict: {verdict} tabc check" + (
        "" if analysis.passed else ": " + "; ".join(analysis.failures)))  # fmt: skip
    return "\n".join(lines)


def _runge_kutta_lines(analysis: RungeKuttaAnalysis) -> list[str]:
    """The tableau, the condition tables, the orders, stability and the properties."""
    scheme = analysis.scheme
    lines = _tableau_table(scheme)
    lines.append("")
    tolerance = analysis.tolerance
    lines += _condition_table("order conditions (b)", analysis.levels, "b", tolerance)
    lines.append(
        "  order: "
        + _order_words(analysis.order, len(analysis.levels), scheme.order, analysis.undecided)
    )
    if analysis.embedded_levels is not None:
        lines.append("")
        lines += _condition_table(
            "embedded conditions (b̂)", analysis.embedded_levels, "b̂", tolerance
        )
        lines.append(
            "  embedded order: "
            + _order_words(
                analysis.embedded_order or 0,
                len(analysis.embedded_levels),
                scheme.embedded_order or 0,
                analysis.embedded_undecided,
            )
        )
    lines.append(f"  stage order: {_stage_order_words(analysis)}")
    if analysis.c_difference is not None:
        lines.append(f"  nodes c: {_nodes_words(analysis)}")
    if analysis.stiffly_accurate is not None:
        lines.append(f"  stiffly accurate: {analysis.stiffly_accurate.words()}")
    if analysis.principal_error_order is not None:
        lines.append(
            f"  principal error: A^({analysis.principal_error_order}) = "
            f"{analysis.principal_error_norm:.6g} (2-norm of the order-"
            f"{analysis.principal_error_order} error coefficients)"
        )
        largest = sorted(analysis.principal_error_coefficients, key=lambda x: -x[1])[:5]
        lines.append(
            "  largest |τ(t)|: "
            + ", ".join(f"{TREES.bracket(t)} {value:.3g}" for t, value in largest)
        )
    if analysis.stability is not None:
        lines.append("")
        lines += analysis.stability.lines()
    if analysis.properties is not None:
        lines.append("")
        lines += analysis.properties.lines()
    return lines


def _partitioned_lines(analysis: PartitionedAnalysis) -> list[str]:
    """The two tableaus, both condition tables, the orders and the properties."""
    scheme = analysis.scheme
    tolerance = analysis.tolerance
    lines: list[str] = []
    for part, name in (("q", "q-tableau [tableau.q], q from f"),
                       ("p", "p-tableau [tableau.p], p from g")):  # fmt: skip
        lines += _tableau_table(getattr(scheme, part), name, hat=part == "p")
        lines.append("")
    lines += _condition_table(
        "order conditions, general systems (bicoloured trees; ● f and b, ○ g and b̂)",
        analysis.levels,
        "b",
        tolerance,
    )
    lines.append(
        "  order: "
        + _order_words(analysis.order, len(analysis.levels), scheme.order, analysis.undecided)
    )
    lines.append("")
    lines += _condition_table(
        "order conditions, separable systems f(p), g(q) (alternating trees)",
        analysis.separable_levels,
        "b",
        tolerance,
    )
    claimed = scheme.separable_order
    words = _order_words(
        analysis.separable_order,
        len(analysis.separable_levels),
        claimed if claimed is not None else 0,
        analysis.separable_undecided,
    )
    if claimed is None:
        words = words.replace(" (claimed 0)", " (not claimed)")
    lines.append(f"  separable order: {words}")
    lines.append("")
    separable = analysis.symplectic_separable.words()
    lines.append(f"  symplectic for separable systems (b_i â_ij + b̂_j a_ji = b_i b̂_j): {separable}")
    general = "yes" if analysis.symplectic else "no"
    if not analysis.symplectic and analysis.symplectic_for_separable:
        fails = analysis.equal_weights.words().removeprefix("no").strip(" ()")
        general += f" (b = b̂ fails{': ' + fails if fails else ''})"
    lines.append(
        "  symplectic (general partitioned systems; that and b_i = b̂_i, HLW Theorem VI.4.6): "
        + general
    )
    for label, judgement in (
        ("symmetric (equal to its adjoint, HLW §V.2)", analysis.symmetric_judgement),
        ("symmetric for separable systems", analysis.symmetric_separable),
    ):
        words = judgement.words()
        if judgement.holds and judgement.reason:
            words += f": {judgement.reason}"
        lines.append(f"  {label}: {words}")
    structure = analysis.structure
    if structure.separable_evaluation is not None:
        order = ", ".join(f"{kind}{i + 1}" for kind, i in structure.separable_evaluation)
        lines.append(f"  explicit for separable systems: yes, in the order {order}")
    else:
        lines.append("  explicit for separable systems: no (the stage values depend on each other)")
    if structure.general_evaluation is not None:
        order = ", ".join(str(i + 1) for i in structure.general_evaluation)
        lines.append(f"  explicit for general systems: yes, stages in the order {order}")
    else:
        lines.append("  explicit for general systems: no (solved by fixed-point sweeps)")
    if analysis.at_parameter_values:
        lines.append("  parameters: every property above is judged at the parameter values")
    return lines


def _order_words(order: int, checked: int, claimed: int, undecided: str = "") -> str:
    exact = f"{order}" if order < checked else f"at least {order}"
    if undecided and order >= checked:
        return f"{exact} (claimed {claimed}; order {checked + 1} not decided: {undecided})"
    return f"{exact} (claimed {claimed})"


def _stage_order_words(analysis: RungeKuttaAnalysis) -> str:
    residual, tolerance = analysis.stage_order_residual, analysis.tolerance
    q = analysis.stage_order
    if tolerance is None or residual is None or q == 0:
        return str(q)
    if residual.zero:
        return f"{q} (exactly)"
    return (
        f"{q}, to tolerance {tolerance_text(tolerance)} (largest |residual| of B({q}) and "
        f"C({q}): {shown_size(residual, tolerance)})"
    )


def _nodes_words(analysis: RungeKuttaAnalysis) -> str:
    """The written c against the row sums of A."""
    size, tolerance = analysis.c_difference, analysis.tolerance
    assert size is not None
    if analysis.c_differences:
        stages = ", ".join(map(str, analysis.c_differences))
        return (
            f"differ from the row sums of A at stage {stages} (largest |c_i − Σ_j a_ij| = "
            f"{shown_size(size, tolerance)})"
        )
    if size.zero:
        return "the row sums of A" + (" (exactly)" if tolerance is not None else "")
    assert tolerance is not None
    return (
        f"the row sums of A to tolerance {tolerance_text(tolerance)} (largest "
        f"|c_i − Σ_j a_ij| = {shown_size(size, tolerance)})"
    )


def _tableau_table(scheme: Any, title: str = "tableau", hat: bool = False) -> list[str]:
    """c | A over b (and b̂); ``hat`` labels a p-tableau's ĉ | Â over b̂."""
    s = scheme.stages
    c = scheme.c
    b_hat = getattr(scheme, "b_hat", None)  # a partitioned pair's tableaus have none

    def cell(x: Any) -> str:
        return bounded(x.text, CELL_LIMIT)

    rows = [
        [(cell(c[i]) if c is not None else "·")] + [cell(x) for x in scheme.a[i]] for i in range(s)
    ]
    rows.append(["b̂" if hat else "b"] + [cell(x) for x in scheme.b])
    if b_hat is not None:
        rows.append(["b̂"] + [cell(x) for x in b_hat])
    widths = [max(len(row[j]) for row in rows) for j in range(s + 1)]
    labels = "ĉ | Â, then b̂" if hat else "c | A, then b" + (", b̂" if b_hat else "")
    out = [f"  {title} ({labels}):"]
    if any(len(x.text) > CELL_LIMIT for x in scheme.coefficients()):
        out[0] += f" (entries longer than {CELL_LIMIT} characters cut with …)"
    for i, row in enumerate(rows):
        if i == s:
            out.append("    " + "-" * (sum(widths) + 3 * s + 2))
        cells = [row[0].rjust(widths[0])] + [x.rjust(w) for x, w in zip(row[1:], widths[1:])]
        out.append("    " + cells[0] + " | " + "   ".join(cells[1:]))
    return out


def _condition_table(title: str, levels: Any, weights: str, tolerance: float | None) -> list[str]:
    out = [f"  {title}:", "    order  conditions  failing  largest |residual|  worst condition"]
    for level in levels:
        worst = "" if level.worst.zero else level.worst_condition.replace("b·", f"{weights}·", 1)
        size = shown_size(level.worst, tolerance)
        out.append(
            f"    {level.order:>5}  {level.count:>10}  {level.failed:>7}  "
            f"{size:>18}  {worst}".rstrip()
        )
    return out


def _multistep_lines(analysis: MultistepAnalysis) -> list[str]:
    scheme = analysis.scheme
    tolerance = analysis.tolerance
    out = ["  coefficients:", "    j      alpha_j      beta_j"]
    for j, (a, b) in enumerate(zip(scheme.alpha, scheme.beta)):
        out.append(
            f"    {j:<3} {bounded(a.text, CELL_LIMIT):>12}  {bounded(b.text, CELL_LIMIT):>10}"
        )
    out.append(f"  rho(ζ) = {analysis.shown_rho or analysis.rho}")
    out.append(f"  sigma(ζ) = {analysis.shown_sigma or analysis.sigma}")
    if analysis.roots:
        out.append("  roots of rho: " + "; ".join(analysis.roots))
    out.append(f"  consistency: {analysis.consistency}")
    rescaled = " (rescaled step)" if analysis.step_factor is not None else ""
    out.append(f"  error constants C_q{rescaled}:")
    for constant in analysis.constants:
        if constant.holds and tolerance is not None and not constant.constant.zero:
            mark = f"0 to tolerance ({shown(constant.constant, tolerance)})"
        else:
            mark = "0" if constant.holds else shown(constant.constant, tolerance)
        out.append(f"    C_{constant.order} = {mark}")
    out.append(f"  order: {analysis.order} (claimed {scheme.order})")
    if analysis.error_constant is not None:
        shown_constant = analysis.error_constant_shown or analysis.error_constant
        out.append(f"  error constant C_(p+1)/sigma(1) = {shown_constant}")
    out.append(f"  zero-stable: {analysis.zero_stability.words()}")
    if analysis.linear_stability is not None:
        out += analysis.linear_stability.lines()
    return out


# --------------------------------------------------------------------------- by kind


@dataclass(frozen=True)
class KindReport:
    """How the report shows the analysis of one scheme kind (each function takes the kind's
    analysis: :class:`~.analysis.runge_kutta.RungeKuttaAnalysis` ...)."""

    describe: Callable[[Any], str]
    """A few words on the scheme: ``explicit Runge–Kutta, 4 stages``."""
    verdict: Callable[[Any], str]
    """What ``tabc check`` says of a scheme that passes, after its name and description."""
    fields: Callable[[Any], dict[str, Any]]
    """The kind's entries of :func:`to_dict`, after those every kind has."""
    lines: Callable[[Any], list[str]]
    """The kind's lines of :func:`info_text`: coefficients, conditions, properties."""


REPORTS: dict[str, KindReport] = {
    "runge-kutta": KindReport(
        _describe_runge_kutta, _verdict_runge_kutta, _runge_kutta_dict, _runge_kutta_lines
    ),
    "partitioned-runge-kutta": KindReport(
        _describe_partitioned, _verdict_partitioned, _partitioned_dict, _partitioned_lines
    ),
    "linear-multistep": KindReport(
        _describe_multistep, _verdict_multistep, _multistep_dict, _multistep_lines
    ),
}
"""One entry per scheme kind (the ``kind`` of the scheme values): a new kind is one entry."""


def _kind(analysis: Analysis) -> KindReport:
    return REPORTS[analysis.scheme.kind]
