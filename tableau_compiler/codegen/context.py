"""The data a template lays out: every decision about the generated code is made here.

A linear combination ``base + h Σ c_j x_j`` becomes one ``torch.add(base, x, alpha=h * c)``
followed by ``acc.add_(x, alpha=h * c)`` for the other terms: one kernel per non-zero
term (eager PyTorch's ``alpha`` scales inside the addition kernel) and one fresh tensor
per combination; zero terms are dropped, a unit coefficient is ``alpha=h``, and the
exact coefficients appear in a comment above the code.  A coefficient that depends on a
learnable parameter is a 0-dimensional tensor computed at the top of the step from its
expression tree; its terms are ``torch.addcmul(base, x, c, value=h)`` and
``acc.addcmul_(x, c, value=h)``, still one kernel per term.

Every float literal is the float64 nearest to the exact value the analysis checked
(:func:`~tableau_compiler.codegen.printer.float_literal`); every comment shows values as
written (decimals as decimals).  The exact values come from the analysis's own fields
(:func:`~tableau_compiler.analysis.runge_kutta.convert_tableau`,
:func:`~tableau_compiler.analysis.arithmetic.field_for`); nothing is simplified or guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from typing import Any

from ..errors import SchemaError
from ..expression import Expression, Name, Node, Number, Product, Sum
from ..naming import class_prefix
from ..scheme import ButcherTableau, MultistepScheme, Parameter, Scheme
from .printer import (
    TreeWriter,
    comment,
    docstring,
    exact,
    float_literal,
    python_value,
    tree_text,
)

__all__ = ["Weight", "class_prefix", "multistep_context", "runge_kutta_context"]


@dataclass
class Statement:
    """Source lines for one assignment, with the comment that states it exactly."""

    comment: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Weight:
    """One coefficient as the generated code uses it.

    ``value`` is its exact value at the parameters' values (a field element turned into a
    sympy number, or a Fraction); ``shown`` is how a comment writes it; ``code`` names the
    0-dimensional tensor that holds it when it depends on a learnable parameter (None: a
    float literal of ``value``).
    """

    value: Any
    shown: str
    code: str | None = None
    tree: Node | None = None
    """The expression tree of a coefficient that depends on parameters."""

    @property
    def zero(self) -> bool:
        """Identically zero: a constant zero (a learnable coefficient is never dropped)."""
        return self.code is None and self.value == 0


def _scaled(weight: Weight, scale: str | None) -> str:
    """``h``, ``-h`` or ``h * 0.5`` (no scale: the literal alone): the alpha of one term."""
    if scale is None:
        return float_literal(weight.value)
    if weight.value == 1:
        return scale
    if weight.value == -1:
        return f"-{scale}"
    return f"{scale} * {float_literal(weight.value)}"


def _first_term(target: str, base: str | None, name: str, weight: Weight, scale: str | None) -> str:
    """The line that makes ``target`` a fresh tensor from its base and its first term."""
    if weight.code is not None:
        value = "" if scale is None else f", value={scale}"
        if base is None:
            factor = weight.code if scale is None else f"{scale} * {weight.code}"
            return f"{target} = torch.mul({name}, {factor})"
        return f"{target} = torch.addcmul({base}, {name}, {weight.code}{value})"
    alpha = _scaled(weight, scale)
    if base is None:
        return f"{target} = torch.mul({name}, {alpha})"
    return f"{target} = torch.add({base}, {name}, alpha={alpha})"


def _next_term(target: str, name: str, weight: Weight, scale: str | None) -> str:
    """The line that adds one more term into ``target`` in place."""
    if weight.code is not None:
        value = "" if scale is None else f", value={scale}"
        return f"{target}.addcmul_({name}, {weight.code}{value})"
    return f"{target}.add_({name}, alpha={_scaled(weight, scale)})"


def combination(
    target: str, base: str | None, terms: list[tuple[str, Weight]], scale: str | None
) -> list[str]:
    """Lines computing ``target = base + scale * Σ c x`` (base None: no base term;
    scale None: unscaled coefficients)."""
    terms = [(name, c) for name, c in terms if not c.zero]
    if not terms:
        return [f"{target} = {base}" if base is not None else f"{target} = torch.zeros_like(y)"]
    lines = [_first_term(target, base, terms[0][0], terms[0][1], scale)]
    # the first line made a fresh tensor: the other terms go into it in place
    lines += [_next_term(target, name, c, scale) for name, c in terms[1:]]
    return lines


def streamed(
    target: str, base: str | None, terms: list[tuple[str, Weight]], scale: str
) -> list[list[str]]:
    """``target = base + scale * Σ c x`` accumulated term by term: lines to emit after each x.

    Adding each stage value into the result as soon as it exists (in place after the
    first ``torch.add``) lets eager PyTorch free it early and reuse memory instead of
    mapping fresh temporaries: a step measured ~8 % faster for the same kernels.
    """
    lines: list[list[str]] = []
    started = False
    for name, weight in terms:
        if weight.zero:
            lines.append([])
        elif not started:
            lines.append([_first_term(target, base, name, weight, scale)])
            started = True
        else:
            lines.append([_next_term(target, name, weight, scale)])
    return lines


def needed_stages(reads: list[list[bool]], weights: list[bool]) -> list[bool]:
    """Which stages an output Σ w_i k_i needs: w_i ≠ 0, or a needed later stage reads k_i.

    ``reads[i][j]``: stage i's input uses k_j (a_ij not identically zero); explicit
    tableaus only (a stage reads earlier stages).
    """
    s = len(weights)
    needed = [False] * s
    for i in reversed(range(s)):
        needed[i] = weights[i] or any(needed[r] and reads[r][i] for r in range(i + 1, s))
    return needed


def releases(reads: list[list[bool]], emitted: list[int]) -> list[list[str]]:
    """For each stage (0-based), the names to ``del`` just before its evaluation of f.

    An explicit step runs stage by stage: stage i computes its input ``y_i`` from earlier
    k's, evaluates ``k_i = f(y_i)``, and adds ``k_i`` into the accumulated results at
    once.  A name whose last use lies before the evaluation of stage i -- the previous
    stage input, a k that no later input reads -- is deleted there, so that eager
    PyTorch frees it (unless autograd saved it) before f allocates again: the step's peak
    memory is then that of its evaluations of f, not of every k at once.  Names still
    needed by the last evaluated stage are left to the function's return.
    """
    result: list[list[str]] = [[] for _ in reads]
    for previous, i in pairwise(emitted):
        result[i].append(f"y{previous + 1}")
    for position, j in enumerate(emitted):
        readers = [i for i in emitted if i > j and reads[i][j]]
        # read by a later input: freed before that stage's f; else after its accumulation,
        # i.e. before the next stage's f
        later = emitted[position + 1 :]
        release = max(readers) if readers else (later[0] if later else None)
        if release is not None:
            result[release].append(f"k{j + 1}")
    return result


def _describe(target: str, base: str | None, terms: list[tuple[str, Weight]], scale: str) -> str:
    parts = [f"({c.shown}) {name}" for name, c in terms if not c.zero]
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


# --------------------------------------------------------------------------- parameters


@dataclass
class _Weigher:
    """Coefficients as :class:`Weight` values, for the Runge–Kutta and partitioned contexts.

    ``names`` maps each learnable parameter to its local tensor; a weight that depends on
    one is computed from its expression tree at the top of the step, and is recorded in
    :attr:`coefficient_trees` under its local name.
    """

    scheme: Scheme
    learnable: set[str]
    names: dict[str, str]
    coefficient_trees: list[tuple[str, list[tuple[int, Node]]]] = field(default_factory=list)

    def weight(self, value: Any, expressions: list[tuple[int, Expression]], local: str) -> Weight:
        """The weight Σ sign·expression, of exact value ``value`` at the parameter values."""
        decimal = any(x.is_approximate for _, x in expressions)
        trees = [(sign, x.tree) for sign, x in expressions]
        if any(_depends(x, self.learnable) for _, x in expressions):
            if _identically_zero(trees, self.scheme, self.learnable):
                return Weight(value, "0")
            shown = _symbolic_text(trees)
            if len(trees) == 1 and trees[0][0] > 0 and isinstance(trees[0][1], Name):
                return Weight(value, shown, self.names[trees[0][1].name])
            self.coefficient_trees.append((local, trees))
            return Weight(value, shown, local)
        if len(expressions) == 1 and not expressions[0][1].names and expressions[0][0] > 0:
            shown = expressions[0][1].text  # as written
        else:
            shown = exact(value, decimal=decimal)
        return Weight(value, shown)

    def preamble(self, used: Callable[[str], bool]) -> dict[str, Any]:
        """The statements at the top of a method that compute the coefficients it uses.

        ``used(local)`` says whether the method's code reads ``local``: a coefficient's local
        name from :attr:`coefficient_trees` or a learnable parameter's tensor (``p_<name>``).
        Each used coefficient is assigned from its expression tree (the other parameters at
        their values); ``parameters`` are the learnable parameters whose tensors the method
        loads, in the scheme's order.  Returns ``{"parameters": [name, ...], "statements":
        [Statement, ...]}`` for the templates.
        """
        fixed = {
            p.name: _parameter_value(p)
            for p in self.scheme.parameters
            if p.name not in self.learnable
        }
        writer = TreeWriter(self.names, fixed)
        statements = []
        loaded = {n for n in self.learnable if used(self.names[n])}
        for local, trees in dict(self.coefficient_trees).items():
            if not used(local):
                continue
            loaded |= {n for _, tree in trees for n in Expression("", tree).names} & self.learnable
            start = len(writer.lines)
            tree = trees[0][1] if len(trees) == 1 and trees[0][0] > 0 else Sum(tuple(trees))
            writer.assign(local, tree)
            statements.append(Statement(comment(f"{local} = {_symbolic_text(trees)}"),
                                        writer.lines[start:]))  # fmt: skip
        return {
            "parameters": [p.name for p in self.scheme.parameters if p.name in loaded],
            "statements": statements,
        }


def _learnable_names(scheme: Scheme) -> set[str]:
    used = set().union(*(x.names for x in scheme.coefficients()))
    return {p.name for p in scheme.parameters if p.learnable and p.name in used}


def _depends(expression: Expression, names: set[str]) -> bool:
    return bool(expression.names & names)


def _identically_zero(trees: list[tuple[int, Node]], scheme: Scheme, learnable: set[str]) -> bool:
    """Whether Σ sign·tree vanishes for every value of the learnable parameters (the
    others at their values), as :func:`~tableau_compiler.analysis.vanishing.vanishes`
    decides it with bounded work; an undecided sum is kept as a term (conservatively)."""
    from ..analysis.vanishing import vanishes

    fixed = {p.name: p.value for p in scheme.parameters if p.name not in learnable}
    terms = [(sign, Expression("", tree)) for sign, tree in trees]
    return vanishes(terms, learnable, fixed) is True


def _symbolic_text(trees: list[tuple[int, Node]]) -> str:
    """Σ sign·tree as written, for a comment."""
    if len(trees) == 1 and trees[0][0] > 0:
        return tree_text(trees[0][1])
    return tree_text(Sum(tuple(trees)))


def _parameter_value(parameter: Parameter) -> Any:
    """A parameter's exact value: a Fraction when rational, else a sympy number."""
    rational = parameter.value.rational()
    return rational if rational is not None else parameter.value.to_sympy()


def _interval_around(region: Any, value: Any) -> tuple[Any, Any] | None:
    """The open interval (low, high) of ``region`` (a sympy set of reals) that holds
    ``value`` in its interior, with None for an infinite end; None when ``value`` is not
    an interior point of the region."""
    import sympy

    parts = region.args if isinstance(region, sympy.Union) else (region,)
    for part in parts:
        if isinstance(part, sympy.Interval) and part.start < value < part.end:
            low = None if part.start == -sympy.oo else part.start
            high = None if part.end == sympy.oo else part.end
            return low, high
    return None


def _regions_note(regions: Any) -> str | None:
    """Why the region analysis did not give a region (its "note" entry), if it says."""
    notes = [where for what, where in getattr(regions, "entries", ()) if what == "note"]
    return "; ".join(notes) or None


def _parameter_map(
    parameter: Parameter, region: Any, region_name: str, note: str | None = None
) -> dict[str, Any]:
    """How a learnable parameter stays where the scheme keeps its properties.

    ``bounds`` given: low + (high − low)·(1 + tanh θ)/2 onto the open interval (the value
    must lie strictly inside, else :class:`SchemaError`).  Without bounds: the interval
    of ``region`` (a sympy set from the region analysis, or None) that holds the value
    in its interior -- the same tanh map onto a bounded interval, low + exp θ or
    high − exp θ onto a half-line, and no map when the property holds for every real
    value.  When the value is not inside such an interval the parameter is left free,
    and the generated docstring says so.  The module holds the raw parameter as
    ``self.raw_NAME``.
    """
    import sympy

    value = parameter.value.to_sympy()
    low = high = None
    mapped = False
    if not parameter.learnable:
        how = "fixed at its value"
    elif parameter.bounds is not None:
        low, high = (x.to_sympy() for x in parameter.bounds)
        if not low < value < high:
            raise SchemaError(
                f"learnable parameter {parameter.name!r} has the value {parameter.value.text}, "
                f"on its bounds [{parameter.bounds[0].text}, {parameter.bounds[1].text}]: the "
                "generated module keeps it strictly inside them (a tanh map), so its initial "
                "value must lie strictly between them",
                key=("parameters", parameter.name, "value"),
            )
        decimal = any(x.is_approximate for x in parameter.bounds)
        how = (
            f"kept in the declared bounds ({exact(low, decimal=decimal)}, "
            f"{exact(high, decimal=decimal)})"
        )
        mapped = True
    elif region is None:
        how = (
            f"free: the region where {region_name} holds is {note}"
            if note
            else f"free: the region where {region_name} holds is computed for one parameter only"
        )
    else:
        interval = _interval_around(region, value)
        if interval is None:
            how = (
                f"free: its value {exact(value)} is not inside an interval where {region_name} "
                "holds, so no map keeps it there"
            )
        elif interval == (None, None):
            how = f"free: {region_name} holds for every real value"
        else:
            low, high = interval
            mapped = True
            shown = [
                "-∞" if low is None else exact(low),
                "∞" if high is None else exact(high),
            ]
            how = f"kept inside the interval ({shown[0]}, {shown[1]}) where {region_name} holds"
    raw_name = f"self.raw_{parameter.name}"
    data: dict[str, Any] = {
        "name": parameter.name,
        "local": f"p_{parameter.name}",
        "learnable": parameter.learnable,
        "value": float_literal(value),
        "value_exact": exact(value, decimal=parameter.value.is_approximate),
        "how": how,
        "mapped": mapped,
        "raw": float_literal(value),
        "low": None if low is None else float_literal(low),
        "high": None if high is None else float_literal(high),
        "constrained": [f"return {raw_name}"],
        "unconstrained": [f"return {raw_name}"],
    }
    if not mapped:
        return data
    if low is not None and high is not None:
        centre, half = (low + high) / 2, (high - low) / 2
        data["raw"] = float_literal(sympy.atanh((value - centre) / half))

        def affine(x: str) -> list[str]:
            if centre == 0:
                return [f"return {x}" if half == 1 else f"return {float_literal(half)} * {x}"]
            if half == 1:
                return [f"return {float_literal(centre)} + {x}"]
            return [
                f"centre, half = {float_literal(centre)}, {float_literal(half)}",
                f"return centre + half * {x}",
            ]

        data["constrained"] = affine(f"torch.tanh({raw_name})")
        data["unconstrained"] = affine(raw_name)
    elif low is not None:
        data["raw"] = float_literal(sympy.log(value - low))
        shift = "" if low == 0 else f"{float_literal(low)} + "
        data["constrained"] = [f"return {shift}torch.exp({raw_name})"]
    else:
        data["raw"] = float_literal(sympy.log(high - value))
        data["constrained"] = [f"return {float_literal(high)} - torch.exp({raw_name})"]
    return data


def _parameters_data(scheme: Scheme) -> dict[str, Any]:
    return {
        p.name: {
            "value": p.value.text,
            "learnable": p.learnable,
            "bounds": None if p.bounds is None else [x.text for x in p.bounds],
        }
        for p in scheme.parameters
    }


# --------------------------------------------------------------------------- Runge–Kutta


def runge_kutta_context(
    tableau: ButcherTableau, analysis: Any, regions: Any = None
) -> dict[str, Any]:
    """Everything the Runge–Kutta template needs, as plain data.

    ``regions``: the :class:`~tableau_compiler.analysis.regions.ParameterRegions` of the
    tableau, needed only for a learnable parameter without bounds (its
    ``claimed_order_set`` is where the claimed order holds).
    """
    from ..analysis.runge_kutta import convert_tableau, parameter_values

    s = tableau.stages
    fld, a_exact, b_exact, _, b_hat_exact = convert_tableau(tableau, parameter_values(tableau))
    learnable = _learnable_names(tableau)
    names = {p.name: f"p_{p.name}" for p in tableau.parameters if p.name in learnable}
    weigher = _Weigher(tableau, learnable, names)

    def weight(element: Any, expressions: list[tuple[int, Expression]], local: str) -> Weight:
        """The weight Σ sign·expression, exact value ``element`` at the parameter values."""
        return weigher.weight(fld.to_sympy(element), expressions, local)

    a = [
        [weight(a_exact[i][j], [(1, tableau.a[i][j])], f"a{i + 1}_{j + 1}") for j in range(s)]
        for i in range(s)
    ]
    b = [weight(b_exact[i], [(1, tableau.b[i])], f"b{i + 1}") for i in range(s)]
    e = None
    if tableau.b_hat is not None:
        assert b_hat_exact is not None
        e = [
            weight(
                b_exact[i] - b_hat_exact[i],
                [(1, tableau.b[i]), (-1, tableau.b_hat[i])],
                f"e{i + 1}",
            )
            for i in range(s)
        ]
    explicit = analysis.classification == "explicit"
    if explicit:
        for i in range(s):
            for j in range(i, s):
                if a[i][j].code is not None:
                    raise SchemaError(
                        f"a[{i + 1}][{j + 1}] depends on a learnable parameter but is zero at its "
                        "value, where the tableau is explicit: the generated explicit step "
                        "cannot follow it as the parameter moves; make the parameter fixed or "
                        "start it where the entry is not zero",
                        key=("tableau", "a", i, j),
                    )
    reads = [[not a[i][j].zero for j in range(s)] for i in range(s)]
    k = [f"k{i + 1}" for i in range(s)]
    rows = [sum(a_exact[i], fld.rational(0)) for i in range(s)]
    row_decimal = [any(x.is_approximate for x in tableau.a[i]) for i in range(s)]
    stages = []
    for i in range(s):
        terms = [(k[j], a[i][j]) for j in range(s)]
        target = f"y{i + 1}"
        statement = Statement(
            comment=_describe(target, "y", terms, "h"),
            lines=combination(target, "y", terms, "h"),
        )
        node = (
            _symbolic_text([(1, x.tree) for x in tableau.a[i] if x.rational() != 0])
            if any(w.code is not None for w in a[i])
            else exact(fld.to_sympy(rows[i]), decimal=row_decimal[i])
        )
        stages.append({"index": i + 1, "input": statement, "node": comment(node)})
    output_terms = [(k[i], b[i]) for i in range(s)]
    error_terms = None if e is None else [(k[i], e[i]) for i in range(s)]
    # Each output evaluates exactly the stages it needs (explicit tableaus): y_next those
    # with b_i != 0 and the stages they read; the error estimate those with b_i - b̂_i != 0
    # and the stages they read.
    live = needed_stages(reads, [not w.zero for w in b]) if explicit else [True] * s
    live_with_error = live
    if explicit and e is not None:
        live_with_error = needed_stages(reads, [not (x.zero and y.zero) for x, y in zip(b, e)])
    if explicit:  # accumulate y_next (and the error estimate) as the stages go
        outputs = streamed("y_next", "y", output_terms, "h")
        errors = (
            [[] for _ in range(s)]
            if error_terms is None
            else streamed("error", None, error_terms, "h")
        )
        for stage, out_lines, error_lines in zip(stages, outputs, errors):
            stage["accumulate_output"] = out_lines
            stage["accumulate_error"] = error_lines
        for key, flags in (("release", live), ("release_with_error", live_with_error)):
            emitted = [i for i in range(s) if flags[i]]
            for stage, release in zip(stages, releases(reads, emitted)):
                stage[key] = release
    for stage, needed, needed_with_error in zip(stages, live, live_with_error):
        stage["live"] = needed
        stage["live_with_error"] = needed_with_error
    output = Statement(
        comment=_describe("y_next", "y", output_terms, "h"),
        lines=combination("y_next", "y", output_terms, "h"),
    )
    error = None
    if error_terms is not None:
        error = Statement(
            comment=_describe("error", None, error_terms, "h"),
            lines=combination("error", None, error_terms, "h"),
        )

    def used_codes(stage_flags: list[bool], with_error: bool) -> set[str]:
        codes = {a[i][j].code for i in range(s) for j in range(s) if stage_flags[i]}
        codes |= {b[i].code for i in range(s)}
        if with_error and e is not None:
            codes |= {e[i].code for i in range(s)}
        return {c for c in codes if c is not None}

    # the coefficients each method reads: those that depend on learnable parameters are
    # computed at its top, from their expression trees
    used = used_codes(live, False)
    used_with_error = used_codes(live_with_error, True)
    error_only = [i + 1 for i in range(s) if explicit and live_with_error[i] and not live[i]]
    unused = [i + 1 for i in range(s) if explicit and not live_with_error[i]]
    parameters = []
    for p in tableau.parameters:
        if p.name in learnable:
            region = None
            if p.bounds is None and regions is not None:
                region = getattr(regions, "claimed_order_set", None)
            parameters.append(
                _parameter_map(p, region, f"order {tableau.order}", _regions_note(regions))
            )
    from ..analysis.reversibility import RUNGE_KUTTA_REASON

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
        "c": [exact(fld.to_sympy(rows[i]), decimal=row_decimal[i]) for i in range(s)],
        "b_hat": None if tableau.b_hat is None else [x.text for x in tableau.b_hat],
        "parameters": _parameters_data(tableau),
        # stages only the error estimate uses (1-based): forward() does not evaluate them
        "error_only_stages": error_only,
        # stages neither y_next nor the error estimate uses: never evaluated
        "unused_stages": unused,
        # why reversible=True is refused, word for word as `tabc info` says it
        "no_inverse": RUNGE_KUTTA_REASON,
        # the float64 values the step computes with, at the parameters' (initial) values
        # (for learned mixing, plots, tests)
        "floats": {
            "a": [[float(float_literal(w.value)) for w in row] for row in a],
            "b": [float(float_literal(w.value)) for w in b],
            "c": [float(float_literal(fld.to_sympy(r))) for r in rows],
            "b_hat": None
            if b_hat_exact is None
            else [float(float_literal(fld.to_sympy(x))) for x in b_hat_exact],
        },
    }
    return {
        **_header(tableau),
        "kind": "runge-kutta",
        "reversible": False,
        "explicit": explicit,
        "stages": stages,
        "dead_stages": error_only,
        "unused_stages": unused,
        "stage_count": s,
        "k": k,
        "output": output,
        "error": error,
        "error_is_zero": e is not None and all(w.zero for w in e),
        "order": analysis.order,
        "embedded_order": analysis.embedded_order,
        "classification": analysis.classification,
        "default_iterations": max(analysis.order, 1) + 1,
        "parameters": parameters,
        "constrain": any(p["mapped"] for p in parameters),
        "preamble": weigher.preamble(lambda local: local in used),
        "preamble_with_error": weigher.preamble(lambda local: local in used_with_error),
        "scheme_literal": python_value(scheme_data, 0, 100 - len("SCHEME = ")),
    }


# --------------------------------------------------------------------------- multistep


def _negated(node: Node) -> Node:
    """-node, as a tree (a sum's signs flip; a number negates)."""
    if isinstance(node, Number):
        return Number(-node.value, node.decimal)
    if isinstance(node, Sum):
        if len(node.terms) == 1 and node.terms[0][0] < 0:
            return node.terms[0][1]  # -(-x) = x
        return Sum(tuple((-sign, term) for sign, term in node.terms))
    return Sum(((-1, node),))


def _quotient(numerator: Node, denominator: Node) -> Node:
    """numerator / denominator as a tree (no division when the denominator is 1)."""
    if isinstance(denominator, Number) and denominator.value == 1:
        return numerator
    return Product(((1, numerator), (-1, denominator)))


def _step_code(scheme: MultistepScheme) -> dict[str, Any]:
    """The combination of one step of ``scheme`` as lines (see :func:`multistep_context`):
    the weights, the lines computing ``explicit_part`` from ``u0 ..`` and ``F0 ..`` and the
    per-step coefficient lines from the parameters ``p_NAME``."""
    from ..analysis.arithmetic import field_for

    k = scheme.steps
    names = sorted({n for x in scheme.coefficients() for n in x.names})
    symbolic = bool(names)
    states = [f"u{j}" for j in range(k)]
    fvalues = [f"F{j}" for j in range(k)]
    alpha_k = scheme.alpha[-1]
    every = set(names)
    state_weights: list[Weight] = []
    f_weights: list[Weight] = []
    if symbolic:
        for j in range(k):
            tree = _quotient(_negated(scheme.alpha[j].tree), alpha_k.tree)
            state_weights.append(_multistep_weight(tree, scheme, every, f"c{j}"))
        for j in range(k + 1):
            tree = _quotient(scheme.beta[j].tree, alpha_k.tree)
            f_weights.append(_multistep_weight(tree, scheme, every, f"d{j}"))
    else:
        fld, elements = field_for([*scheme.alpha, *scheme.beta], None)
        alpha, beta = elements[: k + 1], elements[k + 1 :]
        for j in range(k):
            value = fld.to_sympy(fld.divide(fld.rational(0) - alpha[j], alpha[-1]))
            decimal = scheme.alpha[j].is_approximate or alpha_k.is_approximate
            state_weights.append(Weight(value, exact(value, decimal=decimal)))
        for j in range(k + 1):
            value = fld.to_sympy(fld.divide(beta[j], alpha[-1]))
            decimal = scheme.beta[j].is_approximate or alpha_k.is_approximate
            f_weights.append(Weight(value, exact(value, decimal=decimal)))
    # Only the f-values that some β_j (j < k) weighs are kept: BDF keeps none, LM-ResNet one.
    weighted = [j for j in range(k) if not f_weights[j].zero]
    first_f = min(weighted) if weighted else k
    f_terms = [(fvalues[j], f_weights[j]) for j in range(k) if not f_weights[j].zero]
    state_terms = [(states[j], state_weights[j]) for j in range(k) if not state_weights[j].zero]
    used = [c for _, c in state_terms] + [d for _, d in f_terms]
    if symbolic:
        lines, used = _symbolic_combination(state_terms, f_terms, scheme, every)
    else:
        lines = _state_combination(state_terms, f_terms)
    implicit = not f_weights[k].zero
    # the coefficients computed from the parameters at each step: those the lines use
    writer = TreeWriter({n: f"p_{n}" for n in names})
    assigned: set[str] = set()
    for weight in [*used, f_weights[k]]:
        local_name = weight.code
        if weight.tree is not None and local_name is not None and local_name not in assigned:
            if not local_name.startswith("p_"):
                writer.assign(local_name, weight.tree)
            assigned.add(local_name)
    symbolic_lines = writer.lines
    return {
        "k": k,
        "names": names,
        "symbolic": symbolic,
        "states": states,
        "fvalues": fvalues,
        "state_weights": state_weights,
        "f_weights": f_weights,
        "first_f": first_f,
        "lines": lines,
        "symbolic_lines": symbolic_lines,
        "implicit": implicit,
    }


def multistep_context(scheme: MultistepScheme, analysis: Any, regions: Any) -> dict[str, Any]:
    """Everything the multistep template needs, as plain data.

    The step is u_{n+k} = Σ_{j<k} (−α_j/α_k) u_{n+j} + h Σ_j (β_j/α_k) F_{n+j} (HNW III.2).
    Without parameters its coefficients are float literals of the exact quotients; with
    parameters (one value per step, ``p_NAME``) they are printed from the trees of α_j,
    β_j and α_k.
    """
    code = _step_code(scheme)
    k, names, symbolic = code["k"], code["names"], code["symbolic"]
    states, fvalues = code["states"], code["fvalues"]
    state_weights, f_weights = code["state_weights"], code["f_weights"]
    first_f, lines, symbolic_lines = code["first_f"], code["lines"], code["symbolic_lines"]
    implicit = code["implicit"]
    implicit_line = None
    if implicit:
        implicit_line = (
            _first_term("new", "explicit_part", "f(new)", f_weights[k], "h")
            if f_weights[k].code is not None
            else f"new = torch.add(explicit_part, f(new), alpha={_scaled(f_weights[k], 'h')})"
        )
    parameters = []
    for p in scheme.parameters:
        if p.name not in names:
            continue
        region = None if regions is None else regions.zero_stable_set
        parameters.append(_parameter_map(p, region, "zero-stability", _regions_note(regions)))
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
    from ..analysis.reversibility import multistep_reversibility

    invertible = multistep_reversibility(scheme)
    inverse = _multistep_inverse(scheme, names) if invertible.invertible else None
    scheme_data["inverse"] = invertible.invertible
    scheme_data["no_inverse"] = invertible.reason
    return {
        **_header(scheme),
        "kind": "linear-multistep",
        "reversible": inverse is not None,
        "inverse": inverse,
        "k": k,
        "states": states,
        "fvalues": fvalues,
        "combination_comment": comment(
            "u_{n+k} = "
            + " + ".join(
                f"({c.shown}) u_{{n+{j}}}" for j, c in enumerate(state_weights) if not c.zero
            )
            + " + h * ["
            + " + ".join(f"({d.shown}) F_{{n+{j}}}" for j, d in enumerate(f_weights) if not d.zero)
            + "]"
        ),
        "coefficient_lines": symbolic_lines,
        "combination": lines,
        "first_f": first_f,
        "implicit": implicit,
        "implicit_line": implicit_line,
        "symbolic": symbolic,
        "parameters": parameters,
        "order": analysis.order,
        "default_iterations": max(analysis.order, 1) + 1,
        "scheme_literal": python_value(scheme_data, 0, 100 - len("SCHEME = ")),
    }


def _multistep_inverse(scheme: MultistepScheme, names: list[str]) -> dict[str, Any]:
    """The undoing of one step of a scheme that inverts
    (:func:`~tableau_compiler.analysis.reversibility.multistep_reversibility`): the scheme read
    backwards, α_j, β_j -> α_{k-j}, β_{k-j}, whose new state is u_n.  Its state ``u{i}`` is
    the ``k - 1 - i``-th of the window after the step (u_{n+k-i}), evaluated by
    ``fs[m + 1 - i]`` at step m.  ``ratio`` gives α_0/α_k at every step (the growth of
    rounding per undone step is its reciprocal): ``ratio_lines`` from the parameters'
    vectors ``p_NAME``, or the literal ``ratio_literal``."""
    import dataclasses

    from ..analysis.arithmetic import field_for

    k = scheme.steps
    backwards = dataclasses.replace(
        scheme, alpha=tuple(reversed(scheme.alpha)), beta=tuple(reversed(scheme.beta))
    )
    code = _step_code(backwards)
    evaluated = [i for i in range(k) if not code["f_weights"][i].zero]
    comment_text = (
        "u_{n} = "
        + " + ".join(
            f"({c.shown}) u_{{n+{k - i}}}"
            for i, c in enumerate(code["state_weights"])
            if not c.zero
        )
        + " + h * ["
        + " + ".join(f"({code['f_weights'][i].shown}) F_{{n+{k - i}}}" for i in evaluated)
        + "]"
    )
    ratio_tree = _quotient(scheme.alpha[0].tree, scheme.alpha[-1].tree)
    ratio_lines: list[str] = []
    ratio_literal = None
    if names:
        writer = TreeWriter({n: f"p_{n}" for n in names})
        writer.assign("ratio", ratio_tree)
        ratio_lines = writer.lines
    else:
        fld, (alpha0, alphak) = field_for([scheme.alpha[0], scheme.alpha[-1]], None)
        ratio_literal = float_literal(fld.to_sympy(fld.divide(alpha0, alphak)))
    return {
        "states": [(f"u{i}", k - 1 - i) for i in range(k)],
        "fvalues": [(f"F{i}", i) for i in evaluated],
        "coefficient_lines": code["symbolic_lines"],
        "combination": code["lines"],
        "comment": comment(comment_text),
        "ratio_lines": ratio_lines,
        "ratio_literal": ratio_literal,
    }


def _multistep_weight(tree: Node, scheme: Scheme, names: set[str], local: str) -> Weight:
    """A multistep coefficient over the parameters: zero when identically zero, a literal
    when constant, else the tensor ``local`` (or the parameter itself) to be assigned
    from its tree."""
    shown = tree_text(tree)
    expression = Expression(shown, tree)
    if not expression.names:
        value = expression.rational()
        value = value if value is not None else expression.to_sympy()
        return Weight(value, exact(value, decimal=expression.is_approximate), tree=tree)
    if _identically_zero([(1, tree)], scheme, names):
        return Weight(0, "0")
    if isinstance(tree, Name):
        return Weight(None, shown, f"p_{tree.name}", tree)
    return Weight(None, shown, local, tree)


def _sums_to_one(c_a: Weight, c_b: Weight, scheme: Scheme, names: set[str]) -> bool:
    trees = [(1, _weight_tree(c_a)), (1, _weight_tree(c_b)), (-1, Number(Fraction(1), False))]
    return _identically_zero(trees, scheme, names)


def _weight_tree(weight: Weight) -> Node:
    assert weight.tree is not None  # every multistep weight of a symbolic scheme has one
    return weight.tree


def _state_combination(
    state_terms: list[tuple[str, Weight]], f_terms: list[tuple[str, Weight]]
) -> list[str]:
    """Σ c_j u_j + h Σ d_j F_j term by term: a fresh tensor, then one ``add_`` or
    ``addcmul_`` per term (a unit first weight starts from the state itself)."""
    (u_first, c_first), rest = state_terms[0], state_terms[1:]
    lines = []
    base = u_first
    if c_first.code is not None or c_first.value != 1:
        lines.append(_first_term("base", None, u_first, c_first, None))
        base = "base"
    if rest:  # a fresh tensor from the state terms; the F terms go into it in place
        lines += combination("explicit_part", base, rest, None)
        lines += [_next_term("explicit_part", F, d, "h") for F, d in f_terms]
    else:  # a single state term: the F terms start from it
        lines += combination("explicit_part", base, f_terms, "h")
    return lines


def _symbolic_combination(
    state_terms: list[tuple[str, Weight]],
    f_terms: list[tuple[str, Weight]],
    scheme: Scheme,
    names: set[str],
) -> tuple[list[str], list[Weight]]:
    """Lines for Σ c_j u_j + h Σ d_j F_j when coefficients hold parameters, and the
    weights they use.

    Consistency (ρ(1) = 0) makes the state part an affine combination, Σ c_j = 1; with two
    states it is c u_a + (1 - c) u_b = ``torch.lerp(u_b, u_a, c)``, one kernel where the
    written-out form takes two (LM-ResNet's case); the weight is the coefficient written
    shorter.  Every other term is one ``add_`` (constant coefficient) or ``addcmul_``.
    """
    if len(state_terms) == 2 and any(c.code is not None for _, c in state_terms):
        (u_a, c_a), (u_b, c_b) = state_terms
        if _sums_to_one(c_a, c_b, scheme, names):
            if c_a.code is None or (c_b.code is not None and len(c_b.shown) < len(c_a.shown)):
                (u_a, c_a), (u_b, c_b) = (u_b, c_b), (u_a, c_a)
            lines = [f"explicit_part = torch.lerp({u_b}, {u_a}, {c_a.code})"]
            lines += [_next_term("explicit_part", F, d, "h") for F, d in f_terms]
            return lines, [c_a] + [d for _, d in f_terms]
    used = [c for _, c in state_terms] + [d for _, d in f_terms]
    return _state_combination(state_terms, f_terms), used


# --------------------------------------------------------------------------- partitioned


@dataclass
class Item:
    """One piece of straight-line code: its comment, its lines, the names it reads and
    writes, and (filled in by :func:`release_dead`) the names deleted just before it."""

    comment: str | None
    lines: list[str] = field(default_factory=list)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    evaluation: bool = False
    """Whether the lines call f or g (names are released only before evaluations)."""
    release: list[str] = field(default_factory=list)


def release_dead(items: list[Item], keep: set[str]) -> list[Item]:
    """Mark, before each evaluation of f or g, the names no later item reads.

    A stage value or an evaluation whose last reader came before an evaluation is deleted
    just before it, so that eager PyTorch frees it (unless autograd saved it) before f
    or g allocates again -- the rule of the explicit Runge–Kutta steps
    (:func:`releases`).  ``keep``: the inputs and outputs, never deleted.
    """
    last_read: dict[str, int] = {}
    for position, item in enumerate(items):
        for name in item.reads:
            last_read[name] = position
    defined: list[str] = []
    released: set[str] = set()
    for position, item in enumerate(items):
        if item.evaluation:
            item.release = [
                name
                for name in defined
                if name not in released and name not in keep and last_read.get(name, -1) < position
            ]
            released |= set(item.release)
        defined += [name for name in item.writes if name not in defined]
    return items


def _closure(seeds: set[tuple[str, int]], reads: dict[tuple[str, int], set]) -> set:
    """Every value ``seeds`` need, through ``reads`` (a value's direct needs)."""
    needed: set = set()
    pending = list(seeds)
    while pending:
        key = pending.pop()
        if key not in needed:
            needed.add(key)
            pending.extend(reads.get(key, ()))
    return needed


def _lines(items: list[Item]) -> list[str]:
    """The items as source lines: comment, deletions, code."""
    lines = []
    for item in items:
        if item.comment:
            lines.append(f"# {item.comment}")
        if item.release:
            lines.append(f"del {', '.join(item.release)}")
        lines += item.lines
    return lines


def _output_items(outputs: dict[str, tuple[str, list[tuple[str, Weight]]]]) -> list[Item]:
    """Each output ``target = base + h Σ w x`` as one combination (after sweeps)."""
    return [
        Item(_describe(target, base, terms, "h"), combination(target, base, terms, "h"))
        for target, (base, terms) in outputs.items()
    ]


class _Emitter:
    """Straight-line code of an explicit path, value by value, with nothing computed twice.

    ``value`` lays out a stage value ``base + h Σ w x``, ``evaluate`` a call of f or g;
    each output ``base + h Σ w x`` (``outputs``) is accumulated term by term as soon as
    its evaluation exists (one fresh tensor, then in place: :func:`streamed`).  A stage
    value with the same base and the same constant weights on the same evaluations as one
    already computed (an input, a finished output, an earlier stage value) is not computed
    again -- the code uses that name (Störmer–Verlet's P_1 = P_2, RevNet's Q_1 = q_next) --
    and an evaluation of f or g at arguments already evaluated is not made again.  The
    weights are compared as the exact values the analysis gave (equal exact numbers), and
    a weight that depends on a learnable parameter is never taken as equal to another.
    """

    def __init__(self, outputs: dict[str, tuple[str, list[tuple[str, Weight]]]]) -> None:
        self.outputs = outputs
        self.items: list[Item] = []
        self.alias: dict[str, str] = {}
        self.known: dict[tuple, str] = {(base, ()): base for base, _ in outputs.values()}
        self.added = {target: 0 for target in outputs}
        self.started: set[str] = set()

    def _mapped(self, terms: list[tuple[str, Weight]]) -> list[tuple[str, Weight]]:
        return [(self.alias.get(name, name), w) for name, w in terms if not w.zero]

    def _signature(self, base: str, terms: list[tuple[str, Weight]]) -> tuple | None:
        mapped = self._mapped(terms)
        if any(w.code is not None for _, w in mapped):
            return None
        return (
            base,
            tuple(sorted(((n, w.value) for n, w in mapped), key=lambda t: (t[0], str(t[1])))),
        )

    def value(self, target: str, base: str, terms: list[tuple[str, Weight]]) -> str:
        mapped = self._mapped(terms)
        signature = self._signature(base, terms)
        described = _describe(target, base, mapped, "h")
        if signature is not None and signature in self.known:
            same = self.known[signature]
            self.alias[target] = same
            self.items.append(Item(comment(f"{described}: that is {same}")))
            return same
        self.items.append(
            Item(
                described,
                combination(target, base, mapped, "h"),
                reads=(base, *(name for name, _ in mapped)),
                writes=(target,),
            )
        )
        if signature is not None:
            self.known[signature] = target
        return target

    def evaluate(self, target: str, module: str, arguments: tuple[str, ...]) -> str:
        signature = ("call", module, arguments)
        if signature in self.known:
            same = self.known[signature]
            self.alias[target] = same
            call = f"{target} = {module}({', '.join(arguments)})"
            self.items.append(Item(comment(f"{call}: that is {same}, not evaluated again")))
        else:
            same = target
            self.known[signature] = target
            call = f"{target} = self.{module}({', '.join(arguments)})"
            self.items.append(Item(None, [call], arguments, (target,), evaluation=True))
        for output, (base, terms) in self.outputs.items():
            for name, w in terms:
                if name != target or w.zero:
                    continue
                if output in self.started:
                    line = _next_term(output, same, w, "h")
                else:
                    line = _first_term(output, base, same, w, "h")
                    self.started.add(output)
                self.items.append(Item(None, [line], (same,), (output,)))
                self.added[output] += 1
            if self.added[output] == len([w for _, w in terms if not w.zero]) and terms:
                signature_out = self._signature(base, terms)
                if signature_out is not None:
                    self.known.setdefault(signature_out, output)
        return same

    def finish(self) -> dict[str, Any]:
        """The items (names released before each evaluation) and the outputs' comments."""
        for output, (base, _) in self.outputs.items():
            if output not in self.started:
                self.items.append(Item(None, [f"{output} = {base}"], (base,), (output,)))
        keep = set(self.outputs) | {base for base, _ in self.outputs.values()}
        return {
            "items": release_dead(self.items, keep),
            "accumulated": [
                comment("accumulated above: " + _describe(output, base, terms, "h"))
                for output, (base, terms) in self.outputs.items()
            ],
        }


def partitioned_context(scheme: Any, analysis: Any) -> dict[str, Any]:
    """Everything the partitioned Runge–Kutta template needs, as plain data.

    The step (HLW GNI §II.2) is k_i = f(Q_i, P_i), l_i = g(Q_i, P_i),
    Q_i = q + h Σ a_ij k_j, P_i = p + h Σ â_ij l_j, q_next = q + h Σ b_i k_i,
    p_next = p + h Σ b̂_i l_i; for separable systems k_i = f(P_i), l_i = g(Q_i).  The
    separable path follows ``analysis.structure.separable_evaluation`` and the general
    path ``analysis.structure.general_evaluation``; a path with no such order solves its
    stages by fixed-point sweeps.  ``inverse`` follows
    :func:`~tableau_compiler.analysis.partitioned_inverse.inverse_plan` and is emitted for
    pairs explicit and symplectic for separable systems whose reverse plan exists.
    Only the values an output needs are computed.
    """
    from ..analysis.partitioned_inverse import component_values, inverse_plan, learnable_names

    s = scheme.stages
    learnable = set(learnable_names(scheme))
    names = {p.name: f"p_{p.name}" for p in scheme.parameters if p.name in learnable}
    values = {"q": component_values(scheme, "q"), "p": component_values(scheme, "p")}
    weigher = _Weigher(scheme, learnable, names)

    def weight(which: str, element: Any, expressions: list[tuple[int, Expression]], local: str):
        return weigher.weight(values[which].to_sympy(element), expressions, local)

    def component_weights(which: str) -> tuple[list[list[Weight]], list[Weight]]:
        comp, exact_values = getattr(scheme, which), values[which]
        a = [
            [
                weight(which, exact_values.a[i][j], [(1, comp.a[i][j])], f"{which}a{i + 1}_{j + 1}")
                for j in range(s)
            ]
            for i in range(s)
        ]
        b = [
            weight(which, exact_values.b[i], [(1, comp.b[i])], f"{which}b{i + 1}") for i in range(s)
        ]
        return a, b

    a, b = component_weights("q")
    a_hat, b_hat = component_weights("p")
    structure = analysis.structure
    separable_order = getattr(analysis, "separable_order", None)
    symplectic = bool(_symplectic_for_separable(analysis))

    # ---- separable path: k_j = f(P_j), l_j = g(Q_j)
    sep_reads: dict[tuple[str, int], set] = {}
    for i in range(s):
        sep_reads[("Q", i)] = {("P", j) for j in range(s) if not a[i][j].zero}
        sep_reads[("P", i)] = {("Q", j) for j in range(s) if not a_hat[i][j].zero}
    sep_needed = _closure(
        {("P", j) for j in range(s) if not b[j].zero}
        | {("Q", j) for j in range(s) if not b_hat[j].zero},
        sep_reads,
    )

    def row_terms(kind: str, i: int) -> list[tuple[str, Weight]]:
        row, letter = (a[i], "k") if kind == "Q" else (a_hat[i], "l")
        return [(f"{letter}{j + 1}", row[j]) for j in range(s)]

    output_terms = [(f"k{i + 1}", b[i]) for i in range(s)]
    output_hat_terms = [(f"l{i + 1}", b_hat[i]) for i in range(s)]
    outputs = {"q_next": ("q", output_terms), "p_next": ("p", output_hat_terms)}

    separable_explicit = structure.separable_evaluation is not None
    if separable_explicit:
        emit = _Emitter(outputs)
        for kind, i in structure.separable_evaluation:
            if (kind, i) not in sep_needed:
                continue
            base, module, letter = ("q", "g", "l") if kind == "Q" else ("p", "f", "k")
            value = emit.value(f"{kind}{i + 1}", base, row_terms(kind, i))
            emit.evaluate(f"{letter}{i + 1}", module, (value,))
        separable_path = {"explicit": True, **emit.finish()}
    else:
        keys = [(kind, i) for i in range(s) for kind in ("P", "Q") if (kind, i) in sep_needed]
        starts, sweep = [], []
        first: dict[str, str] = {}
        for kind, i in keys:
            module, letter, start = ("g", "l", "q") if kind == "Q" else ("f", "k", "p")
            name = f"{letter}{i + 1}"
            line = (
                f"{name} = {first[letter]}"
                if letter in first
                else f"{name} = self.{module}({start})"
            )
            first.setdefault(letter, name)
            starts.append(Item(None, [line]))
            base = "q" if kind == "Q" else "p"
            terms = row_terms(kind, i)
            target = f"{kind}{i + 1}"
            sweep.append(
                Item(_describe(target, base, terms, "h"), combination(target, base, terms, "h"))
            )
            sweep.append(Item(None, [f"{name} = self.{module}({target})"]))
        separable_path = {
            "explicit": False,
            "start": starts,
            "sweep": sweep,
            "outputs": _output_items(outputs),
        }

    # ---- general path: stage i evaluates k_i = f(Q_i, P_i) and/or l_i = g(Q_i, P_i)
    gen_reads: dict[tuple[str, int], set] = {}
    for i in range(s):
        stage_reads = {("k", j) for j in range(s) if not a[i][j].zero}
        stage_reads |= {("l", j) for j in range(s) if not a_hat[i][j].zero}
        gen_reads[("k", i)] = stage_reads
        gen_reads[("l", i)] = stage_reads
    gen_needed = _closure(
        {("k", j) for j in range(s) if not b[j].zero}
        | {("l", j) for j in range(s) if not b_hat[j].zero},
        gen_reads,
    )
    gen_stages = [i for i in range(s) if ("k", i) in gen_needed or ("l", i) in gen_needed]
    general_explicit = structure.general_evaluation is not None
    if general_explicit:
        emit = _Emitter(outputs)
        for i in structure.general_evaluation:
            if i not in gen_stages:
                continue
            arguments = (
                emit.value(f"Q{i + 1}", "q", row_terms("Q", i)),
                emit.value(f"P{i + 1}", "p", row_terms("P", i)),
            )
            for letter, module in (("k", "f"), ("l", "g")):
                if (letter, i) in gen_needed:
                    emit.evaluate(f"{letter}{i + 1}", module, arguments)
        general_path = {"explicit": True, **emit.finish()}
    else:
        starts, sweep = [], []
        first = {}
        for i in gen_stages:
            for letter, module in (("k", "f"), ("l", "g")):
                if (letter, i) in gen_needed:
                    name = f"{letter}{i + 1}"
                    line = (
                        f"{name} = {first[letter]}"
                        if letter in first
                        else f"{name} = self.{module}(q, p)"
                    )
                    first.setdefault(letter, name)
                    starts.append(Item(None, [line]))
        for i in gen_stages:
            for kind, base in (("Q", "q"), ("P", "p")):
                terms, target = row_terms(kind, i), f"{kind}{i + 1}"
                sweep.append(
                    Item(_describe(target, base, terms, "h"), combination(target, base, terms, "h"))
                )
            for letter, module in (("k", "f"), ("l", "g")):
                if (letter, i) in gen_needed:
                    sweep.append(
                        Item(None, [f"{letter}{i + 1} = self.{module}(Q{i + 1}, P{i + 1})"])
                    )
        general_path = {
            "explicit": False,
            "start": starts,
            "sweep": sweep,
            "outputs": _output_items(outputs),
        }

    # ---- inverse for separable systems (HLW §VI.3-4; analysis.partitioned_inverse)
    plan = inverse_plan(scheme) if separable_explicit and symplectic else None
    inverse = None
    if plan is not None:
        start_terms: dict[str, list[tuple[str, Weight]]] = {}
        for value in plan.values[-2:]:  # q = q_next - h Σ b_j k_j, p = p_next - h Σ b̂_j l_j
            which, letter = ("q", "k") if value.name == "q" else ("p", "l")
            comp = getattr(scheme, which)
            start_terms[f"{which}"] = [
                (f"{letter}{j + 1}", weight(which, x, [(-1, comp.b[j])], f"{which}n{j + 1}"))
                for j, x in value.terms
            ]
        emit = _Emitter({"q": ("q_next", start_terms["q"]), "p": ("p_next", start_terms["p"])})
        for value in plan.values[:-2]:
            assert value.index is not None
            i = value.index
            which, letter, base, module, evaluation = (
                ("q", "k", "q_next", "g", "l")
                if value.name == "Q"
                else ("p", "l", "p_next", "f", "k")
            )
            comp = getattr(scheme, which)
            terms = [
                (
                    f"{letter}{j + 1}",
                    weight(
                        which, x, [(1, comp.a[i][j]), (-1, comp.b[j])], f"{which}d{i + 1}_{j + 1}"
                    ),
                )
                for j, x in value.terms
            ]
            name = emit.value(f"{value.name}{i + 1}", base, terms)
            emit.evaluate(f"{evaluation}{i + 1}", module, (name,))
        inverse = {
            **emit.finish(),
            "order": [f"{v.name}{v.index + 1}" for v in plan.values if v.index is not None],
        }
    from ..analysis.reversibility import partitioned_reversibility

    # the analysis' reason, word for word, for tabc info and the module alike
    no_inverse = partitioned_reversibility(scheme, analysis).reason

    # the coefficients that depend on learnable parameters, computed at the top of each
    # method that reads them (as a whole word of its code)
    def preamble(item_lists: list[list[Item]]) -> dict[str, Any]:
        text = "\n".join(line for items in item_lists for item in items for line in item.lines)
        return weigher.preamble(lambda local: re.search(rf"\b{local}\b", text) is not None)

    for path in (separable_path, general_path, inverse):
        if path is None:
            continue
        if "items" in path:
            path["lines"] = _lines(path["items"]) + [f"# {x}" for x in path["accumulated"]]
        else:
            path["start_lines"] = _lines(path["start"])
            path["sweep_lines"] = _lines(path["sweep"])
            path["output_lines"] = _lines(path["outputs"])

    def path_items(path: dict[str, Any]) -> list[list[Item]]:
        if path["explicit"]:
            return [path["items"]]
        return [path["start"], path["sweep"], path["outputs"]]

    separable_path["preamble"] = preamble(path_items(separable_path))
    general_path["preamble"] = preamble(path_items(general_path))
    if inverse is not None:
        inverse["preamble"] = preamble([inverse["items"]])

    order = analysis.order
    sweep_order = max(order, separable_order or 0, 1)
    parameters = [
        _parameter_map(p, None, f"order {scheme.order}", "not computed for partitioned pairs")
        for p in scheme.parameters
        if p.name in learnable
    ]

    def component_data(which: str) -> dict[str, Any]:
        comp = getattr(scheme, which)
        return {
            "a": [[x.text for x in row] for row in comp.a],
            "b": [x.text for x in comp.b],
            "c": None if comp.c is None else [x.text for x in comp.c],
        }

    def component_floats(which: str) -> dict[str, Any]:
        exact_values = values[which]
        return {
            "a": [
                [float(float_literal(exact_values.to_sympy(x))) for x in row]
                for row in exact_values.a
            ],
            "b": [float(float_literal(exact_values.to_sympy(x))) for x in exact_values.b],
        }

    scheme_data = {
        "name": scheme.name,
        "kind": scheme.kind,
        "title": scheme.title,
        "order": order,
        "separable_order": separable_order,
        "stages": s,
        "explicit_for_separable": separable_explicit,
        "explicit": general_explicit,
        "symplectic": symplectic,
        "symmetric": bool(getattr(analysis, "symmetric", False)),
        "separable_evaluation": None
        if not separable_explicit
        else [
            f"{kind}{i + 1}"
            for kind, i in structure.separable_evaluation
            if (kind, i) in sep_needed
        ],
        "general_evaluation": None
        if not general_explicit
        else [i + 1 for i in structure.general_evaluation if i in gen_stages],
        "inverse": None if inverse is None else inverse["order"],
        "no_inverse": no_inverse,
        "tableau": {"q": component_data("q"), "p": component_data("p")},
        "parameters": _parameters_data(scheme),
        # the float64 values the step computes with, at the parameters' (initial) values
        "floats": {"q": component_floats("q"), "p": component_floats("p")},
    }
    return {
        **_header(scheme),
        "kind": "partitioned-runge-kutta",
        "stage_count": s,
        "order": order,
        "separable_order": separable_order,
        "symplectic": symplectic,
        "symmetric": bool(getattr(analysis, "symmetric", False)),
        "separable": separable_path,
        "general": general_path,
        "inverse": inverse,
        "reversible": inverse is not None,
        "no_inverse": no_inverse,
        "separable_order_text": ", ".join(scheme_data["separable_evaluation"] or ()),
        "general_order_text": ", ".join(str(i) for i in scheme_data["general_evaluation"] or ()),
        "inverse_order_text": ", ".join(inverse["order"]) if inverse else "",
        "iterative": not (separable_explicit and general_explicit),
        "default_iterations": sweep_order + 1,
        "parameters": parameters,
        "constrain": any(p["mapped"] for p in parameters),
        "scheme_literal": python_value(scheme_data, 0, 100 - len("SCHEME = ")),
    }


def _symplectic_for_separable(analysis: Any) -> bool:
    """The analysis's verdict: b_i â_ij + b̂_j a_ji = b_i b̂_j for all i, j (HLW Theorem
    VI.4.6), which makes the pair symplectic for separable systems."""
    return bool(analysis.symplectic_for_separable)
