"""The data a template lays out: every decision about the generated code is made here.

A linear combination ``base + h Σ c_j x_j`` becomes one ``torch.add(base, x, alpha=h * c)``
followed by ``acc.add_(x, alpha=h * c)`` for the other terms: one kernel per non-zero
term (eager PyTorch's ``alpha`` scales inside the addition kernel) and one fresh tensor
per combination; zero terms are dropped, a unit coefficient is ``alpha=h``, and the
exact coefficients appear in a comment above the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import sympy

from ..naming import class_prefix
from ..scheme import ButcherTableau, MultistepScheme, Scheme
from .printer import comment, docstring, exact, float_literal, python_value, torch_expression

__all__ = ["class_prefix", "multistep_context", "runge_kutta_context"]


@dataclass
class Statement:
    """Source lines for one assignment, with the comment that states it exactly."""

    comment: str
    lines: list[str] = field(default_factory=list)


def _scaled(coefficient: Any, scale: str | None) -> str:
    """``h``, ``-h`` or ``h * 0.5`` (no scale: the literal alone): the alpha of one term."""
    if scale is None:
        return float_literal(coefficient)
    if coefficient == 1:
        return scale
    if coefficient == -1:
        return f"-{scale}"
    return f"{scale} * {float_literal(coefficient)}"


def combination(
    target: str, base: str | None, terms: list[tuple[str, Any]], scale: str | None
) -> list[str]:
    """Lines computing ``target = base + scale * Σ c x`` (base None: no base term;
    scale None: unscaled coefficients)."""
    terms = [(name, c) for name, c in terms if c != 0]
    if not terms:
        return [f"{target} = {base}" if base is not None else f"{target} = torch.zeros_like(y)"]
    alpha = _scaled(terms[0][1], scale)
    if base is None:
        lines = [f"{target} = torch.mul({terms[0][0]}, {alpha})"]
    else:
        lines = [f"{target} = torch.add({base}, {terms[0][0]}, alpha={alpha})"]
    # the first line made a fresh tensor: the other terms go into it in place
    lines += [f"{target}.add_({name}, alpha={_scaled(c, scale)})" for name, c in terms[1:]]
    return lines


def streamed(
    target: str, base: str | None, terms: list[tuple[str, Any]], scale: str
) -> list[list[str]]:
    """``target = base + scale * Σ c x`` accumulated term by term: lines to emit after each x.

    Adding each stage value into the result as soon as it exists (in place after the
    first ``torch.add``) lets eager PyTorch free it early and reuse memory instead of
    mapping fresh temporaries: a step measured ~8 % faster for the same kernels.
    """
    lines: list[list[str]] = []
    started = False
    for name, coefficient in terms:
        if coefficient == 0:
            lines.append([])
            continue
        alpha = _scaled(coefficient, scale)
        if not started:
            first = (
                f"{target} = torch.mul({name}, {alpha})"
                if base is None
                else f"{target} = torch.add({base}, {name}, alpha={alpha})"
            )
            lines.append([first])
            started = True
        else:
            lines.append([f"{target}.add_({name}, alpha={alpha})"])
    return lines


def releases(a: list[list[Any]], emitted: list[int]) -> list[list[str]]:
    """For each stage (0-based), the names to ``del`` just before its evaluation of f.

    An explicit step runs stage by stage: stage i computes its input ``y_i`` from earlier
    k's, evaluates ``k_i = f(y_i)``, and adds ``k_i`` into the accumulated results at
    once.  A name whose last use lies before the evaluation of stage i -- the previous
    stage input, a k that no later input reads -- is deleted there, so that eager
    PyTorch frees it (unless autograd saved it) before f allocates again: the step's peak
    memory is then that of its evaluations of f, not of every k at once.  Names still
    needed by the last evaluated stage are left to the function's return.
    """
    result: list[list[str]] = [[] for _ in a]
    for previous, i in pairwise(emitted):
        result[i].append(f"y{previous + 1}")
    for position, j in enumerate(emitted):
        readers = [i for i in emitted if i > j and a[i][j] != 0]
        # read by a later input: freed before that stage's f; else after its accumulation,
        # i.e. before the next stage's f
        later = emitted[position + 1 :]
        release = max(readers) if readers else (later[0] if later else None)
        if release is not None:
            result[release].append(f"k{j + 1}")
    return result


def _describe(target: str, base: str | None, terms: list[tuple[str, Any]], scale: str) -> str:
    parts = [f"({exact(c)}) {name}" for name, c in terms if c != 0]
    inner = " + ".join(parts) if parts else "0"
    head = f"{base} + " if base is not None else ""
    return comment(f"{target} = {head}{scale} * [{inner}]")


def _header(scheme: Scheme) -> dict[str, Any]:
    references = [docstring(r) for r in scheme.references]
    return {
        "title": docstring(scheme.title or scheme.name),
        "description": docstring(scheme.description),
        "references": references,
        "prefix": class_prefix(scheme.name),
        "name": scheme.name,
        "title_comment": comment(scheme.title or scheme.name),
        "title_line": docstring(comment(scheme.title or scheme.name)),
    }


def _exact_values(scheme: Scheme) -> list[Any]:
    from ..analysis.arithmetic import field_for

    expressions = list(scheme.coefficients())
    values = {p.name: p.value for p in scheme.parameters}
    fld, elements = field_for(expressions, values, quadratic=False)
    return [fld.to_sympy(e) for e in elements]


def runge_kutta_context(tableau: ButcherTableau, analysis: Any) -> dict[str, Any]:
    """Everything the Runge–Kutta template needs, as plain data."""
    s = tableau.stages
    values = _exact_values(tableau)
    a = [values[i * s : (i + 1) * s] for i in range(s)]
    b = values[s * s : s * s + s]
    rest = values[s * s + s :]
    if tableau.c is not None:
        rest = rest[s:]
    b_hat = rest[:s] if tableau.b_hat is not None else None
    k = [f"k{i + 1}" for i in range(s)]
    explicit = analysis.classification == "explicit"
    stages = []
    for i in range(s):
        terms = [(k[j], a[i][j]) for j in range(s)]
        target = f"y{i + 1}"
        statement = Statement(
            comment=_describe(target, "y", terms, "h"),
            lines=combination(target, "y", terms, "h"),
        )
        stages.append(
            {
                "index": i + 1,
                "input": statement,
                "node": exact(sum(a[i], sympy.Integer(0))),
            }
        )
    output_terms = [(k[i], b[i]) for i in range(s)]
    if explicit:  # accumulate y_next (and the error estimate) as the stages go
        outputs = streamed("y_next", "y", output_terms, "h")
        errors = [[] for _ in range(s)]
        if b_hat is not None:
            errors = streamed(
                "error", None, [(k[i], sympy.nsimplify(b[i] - b_hat[i])) for i in range(s)], "h"
            )
        for stage, out_lines, error_lines in zip(stages, outputs, errors):
            stage["accumulate_output"] = out_lines
            stage["accumulate_error"] = error_lines
    # A stage is live when y_next needs it: b_i != 0, or a live later stage reads it.
    live = [False] * s
    for i in reversed(range(s)):
        live[i] = b[i] != 0 or any(live[j] and a[j][i] != 0 for j in range(i + 1, s))
    for stage, needed in zip(stages, live):
        stage["live"] = needed or not explicit
    if explicit:
        forward_stages = [i for i in range(s) if live[i]]
        for key, emitted in (
            ("release", forward_stages),
            ("release_with_error", list(range(s))),
        ):
            for stage, names in zip(stages, releases(a, emitted)):
                stage[key] = names
    output = Statement(
        comment=_describe("y_next", "y", output_terms, "h"),
        lines=combination("y_next", "y", output_terms, "h"),
    )
    error = None
    if b_hat is not None:
        difference = [(k[i], sympy.nsimplify(b[i] - b_hat[i])) for i in range(s)]
        error = Statement(
            comment=_describe("error", None, difference, "h"),
            lines=combination("error", None, difference, "h"),
        )
    scheme_data = {
        "name": tableau.name,
        "kind": tableau.kind,
        "title": tableau.title,
        "order": analysis.order,
        "embedded_order": analysis.embedded_order,
        "stages": s,
        "classification": analysis.classification,
        "a": [[x.text for x in row] for row in tableau.a],
        "b": [x.text for x in tableau.b],
        "c": [exact(sum(row, sympy.Integer(0))) for row in a],
        "b_hat": None if tableau.b_hat is None else [x.text for x in tableau.b_hat],
        "parameters": _parameters_data(tableau),
        # stages only the error estimate uses (1-based): forward() does not evaluate them
        "error_only_stages": [i + 1 for i in range(s) if explicit and not live[i]],
        # the float64 values the step computes with (for learned mixing, plots, tests)
        "floats": {
            "a": [[_float(x) for x in row] for row in a],
            "b": [_float(x) for x in b],
            "c": [_float(sum(row, sympy.Integer(0))) for row in a],
            "b_hat": None if b_hat is None else [_float(x) for x in b_hat],
        },
    }
    return {
        **_header(tableau),
        "kind": "runge-kutta",
        "explicit": explicit,
        "stages": stages,
        "dead_stages": scheme_data["error_only_stages"],
        "stage_count": s,
        "k": k,
        "output": output,
        "error": error,
        "order": analysis.order,
        "embedded_order": analysis.embedded_order,
        "classification": analysis.classification,
        "default_iterations": max(analysis.order, 1) + 1,
        "scheme_literal": python_value(scheme_data, 0, 100 - len("SCHEME = ")),
    }


def _float(value: Any) -> float:
    return float(float_literal(value))


def _parameters_data(scheme: Scheme) -> dict[str, Any]:
    return {
        p.name: {
            "value": p.value.text,
            "learnable": p.learnable,
            "bounds": None if p.bounds is None else [x.text for x in p.bounds],
        }
        for p in scheme.parameters
    }


def multistep_context(scheme: MultistepScheme, analysis: Any, regions: Any) -> dict[str, Any]:
    """Everything the multistep template needs, as plain data."""
    k = scheme.steps
    names = sorted({n for x in scheme.coefficients() for n in x.names})
    symbols = {n: sympy.Symbol(n, real=True) for n in names}
    local = {sympy.Symbol(n, real=True): sympy.Symbol(f"p_{n}", real=True) for n in names}
    alpha = [x.to_sympy(symbols).subs(local) for x in scheme.alpha]
    beta = [x.to_sympy(symbols).subs(local) for x in scheme.beta]
    leading = alpha[-1]
    # u_{n+k} = -Σ_{j<k} (α_j/α_k) u_{n+j} + h Σ_j (β_j/α_k) F_{n+j}
    state_coefficients = [sympy.simplify(-alpha[j] / leading) for j in range(k)]
    f_coefficients = [sympy.simplify(beta[j] / leading) for j in range(k + 1)]
    symbolic = bool(names)
    # Only the f-values that some β_j (j < k) weighs are kept: BDF keeps none, LM-ResNet one.
    weighted = [j for j in range(k) if f_coefficients[j] != 0]
    first_f = min(weighted) if weighted else k
    states = [f"u{j}" for j in range(k)]
    fvalues = [f"F{j}" for j in range(k)]
    if symbolic:
        lines = _symbolic_combination(state_coefficients, f_coefficients[:k], states, fvalues)
    else:
        first = next(j for j in range(k) if state_coefficients[j] != 0)
        terms = [
            (states[j], state_coefficients[j])
            for j in range(k)
            if j != first and state_coefficients[j] != 0
        ]
        lines = []
        base = states[first]
        if state_coefficients[first] != 1:
            lines.append(f"base = torch.mul({base}, {float_literal(state_coefficients[first])})")
            base = "base"
        f_terms = [(fvalues[j], f_coefficients[j]) for j in range(k) if f_coefficients[j] != 0]
        if terms:  # a fresh tensor from the state terms; the F terms go into it in place
            lines += combination("explicit_part", base, terms, None)
            lines += [f"explicit_part.add_({F}, alpha={_scaled(d, 'h')})" for F, d in f_terms]
        else:  # a single state term: the F terms start from it
            lines += combination("explicit_part", base, f_terms, "h")
    implicit = f_coefficients[k] != 0
    parameters = []
    for p in scheme.parameters:
        if p.name not in names:
            continue
        parameters.append(_parameter_map(p, regions))
    scheme_data = {
        "name": scheme.name,
        "kind": scheme.kind,
        "title": scheme.title,
        "order": analysis.order,
        "steps": k,
        "alpha": [x.text for x in scheme.alpha],
        "beta": [x.text for x in scheme.beta],
        "parameters": _parameters_data(scheme),
    }
    return {
        **_header(scheme),
        "kind": "linear-multistep",
        "k": k,
        "states": states,
        "fvalues": fvalues,
        "combination_comment": comment(
            "u_{n+k} = "
            + " + ".join(
                f"({exact(c)}) u_{{n+{j}}}" for j, c in enumerate(state_coefficients) if c != 0
            )
            + " + h * ["
            + " + ".join(
                f"({exact(c)}) F_{{n+{j}}}" for j, c in enumerate(f_coefficients) if c != 0
            )
            + "]"
        ),
        "combination": lines,
        "first_f": first_f,
        "implicit": implicit,
        "implicit_alpha": None if not implicit or symbolic else _scaled(f_coefficients[k], "h"),
        "implicit_expression": torch_expression(f_coefficients[k]) if implicit else None,
        "symbolic": symbolic,
        "parameters": parameters,
        "order": analysis.order,
        "default_iterations": max(analysis.order, 1) + 1,
        "scheme_literal": python_value(scheme_data, 0, 100 - len("SCHEME = ")),
    }


def _symbolic_combination(
    state_coefficients: list[Any], f_coefficients: list[Any], states: list[str], fvalues: list[str]
) -> list[str]:
    """Lines for Σ c_j u_j + h Σ d_j F_j when coefficients hold parameters.

    Consistency (ρ(1) = 0) makes the state part an affine combination, Σ c_j = 1; with two
    states it is c u_a + (1 - c) u_b = ``torch.lerp(u_b, u_a, c)``, one kernel where the
    written-out form takes five (LM-ResNet's case).  F terms with numeric coefficients are
    added in place with ``alpha``.
    """
    used = [(c, u) for c, u in zip(state_coefficients, states) if c != 0]
    f_terms = [(d, F) for d, F in zip(f_coefficients, fvalues) if d != 0]
    lines = []
    if len(used) == 2 and sympy.simplify(used[0][0] + used[1][0] - 1) == 0:
        (c_a, u_a), (_, u_b) = sorted(used, key=lambda t: len(torch_expression(t[0])))
        weight = torch_expression(c_a)
        weight = weight if weight.replace("_", "").isalnum() else f"({weight})"
        # lerp wants one dtype: the parameters stay float32 under autocast
        lines.append(f"explicit_part = torch.lerp({u_b}, {u_a}, {weight}.to({u_b}.dtype))")
        pieces = []
        for d, F in f_terms:
            if d.free_symbols:
                pieces.append(_symbolic_term("h", d, F))
            else:
                lines.append(f"explicit_part.add_({F}, alpha={_scaled(d, 'h')})")
        if pieces:
            lines.append("explicit_part = explicit_part + " + " + ".join(pieces))
        return lines
    pieces = [_symbolic_term(None, c, u) for c, u in used]
    pieces += [_symbolic_term("h", d, F) for d, F in f_terms]
    return ["explicit_part = " + " + ".join(pieces)]


def _symbolic_term(scale: str | None, coefficient: Any, name: str) -> str:
    """``coefficient * name`` (times ``scale``) for a coefficient that may hold parameters."""
    if coefficient == 1:
        return f"{scale} * {name}" if scale else name
    factor = torch_expression(coefficient)
    factor = f"({factor})" if not factor.replace("_", "").isalnum() else factor
    return f"{scale} * {factor} * {name}" if scale else f"{factor} * {name}"


def _parameter_map(parameter: Any, regions: Any) -> dict[str, Any]:
    """How a learnable parameter stays where the scheme is consistent and zero-stable.

    With ``bounds``: low + (high − low)·(1 + tanh θ)/2.  Without: the zero-stable region
    found by the analysis when it is one interval (a, b] or (a, b): the same map onto
    its interior, e.g. tanh onto (−1, 1) for LM-ResNet.  Otherwise the parameter is left
    free, and the generated docstring says so.
    """
    value = parameter.value.to_sympy()
    low = high = None
    how = "free: no bounds and no single interval of zero-stability to map into"
    if parameter.bounds is not None:
        low, high = (x.to_sympy() for x in parameter.bounds)
        how = f"kept in the declared bounds ({exact(low)}, {exact(high)})"
    elif regions is not None:
        region = regions.zero_stable_set
        bounded = isinstance(region, sympy.Interval) and region.start.is_finite
        if bounded and region.end.is_finite:
            low, high = region.start, region.end
            how = f"kept inside the zero-stable interval ({exact(low)}, {exact(high)})"
    data = {
        "name": parameter.name,
        "local": f"p_{parameter.name}",
        "learnable": parameter.learnable,
        "value": float_literal(value),
        "value_exact": exact(value),
        "how": how,
        "low": None if low is None else float_literal(low),
        "high": None if high is None else float_literal(high),
    }
    if low is not None:
        centre, half = (low + high) / 2, (high - low) / 2
        data["raw"] = float_literal(sympy.atanh((value - centre) / half))

        def affine(x: str) -> str:
            scaled = x if half == 1 else f"{float_literal(half)} * {x}"
            return scaled if centre == 0 else f"{float_literal(centre)} + {scaled}"

        data["constrained"] = affine(f"torch.tanh(self.raw_{parameter.name})")
        data["unconstrained"] = affine(f"self.raw_{parameter.name}")
    else:
        data["raw"] = float_literal(value)
    return data
