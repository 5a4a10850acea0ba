"""The documented limits on what a scheme file may ask for.

Scheme files are data from strangers (a CI job checks whatever a pull request
brings), so every input that could make the analysis slow or huge is bounded
before any arithmetic happens.  docs/limits.md lists these values.
"""

MAX_FILE_BYTES = 4 * 1024 * 1024
"""A scheme file larger than this is refused before it is parsed."""

MAX_EXPRESSION_LENGTH = 10_000
"""Characters in one coefficient expression."""

MAX_EXPRESSION_NESTING = 64
"""Depth of parentheses, signs, powers and ``sqrt`` calls in one expression."""

MAX_LITERAL_DIGITS = 1_000
"""Digits in one number literal (Feagin's tableaus use about 90)."""

MAX_DECIMAL_EXPONENT = 400
"""Largest |e| in a decimal literal written ``1e-300``."""

MAX_POWER_EXPONENT = 64
"""Largest |n| in ``x^n``; ``n`` must be a constant integer."""

MAX_RATIONAL_BITS = 8_192
"""Bits in the numerator or denominator of any constant met while reading."""

MAX_RADICALS = 4
"""Distinct square roots in one scheme: the exact field has degree up to 2^4 = 16, and
sympy's primitive elements grow costly past that (each further root multiplies the
time by four to six)."""

MAX_RADICAL_EXPANSION_TERMS = 10_000
"""Terms the coefficients with square roots of one scheme may expand to, together, before
they reduce in their field:
``(1 + sqrt(2) + sqrt(3) + sqrt(5) + sqrt(7))^19`` (8,855 terms) is accepted, ``^64``
(814,385) is refused instead of computing for minutes."""

MAX_RADICAL_NESTING = 2
"""Square roots inside square roots, e.g. ``sqrt(525 - 70*sqrt(30))`` (Gauss–Legendre 4)."""

MAX_STAGES = 64
"""Stages of a Runge–Kutta tableau (Feagin's 14th-order method has 35)."""

MAX_STEPS = 32
"""Steps k of a linear multistep method."""

MAX_RUNGE_KUTTA_ORDER = 16
"""Claimed order of a Runge–Kutta scheme: order 16 already means 235,381 new trees."""

MAX_CONDITION_WORK = 1_250_000_000
"""Units of order-condition work (16 ns each on the reference machine): stages² × (rooted
trees up to the order + 1) × the cost of one multiply-add of the scheme's numbers (1 for
rationals of up to 256 bits; more for larger numbers, balls, radicals and pi; less for an
approximate scheme's decimals decided in floating point: see
:mod:`tableau_compiler.analysis.work`).  Set from the 60 s guarantee: the estimate is within
a factor 3 of the measured time on the calibration set and the worst cases
(benchmarks/RESULTS_work.md), so 1.25e9 units (20 s estimated) stay inside 60 s.  Published
schemes are far inside it (Feagin's 35-stage order-14 method: 2.6e8; Verner's 9(8) pairs
over QQ(√6): under 1e8).  Conditions are decided up to the highest order within it; a higher
claim fails as undecided, not as bad input."""

MAX_PAIR_WORK = 250_000_000
"""Units of order-condition work of a partitioned pair (bicoloured trees, the general and the
separable conditions sharing it), as :data:`MAX_CONDITION_WORK` counts them; its worst case,
a 64-stage pair of pi times 60-digit rationals, took 21.5 s in ``tabc check``
(benchmarks/RESULTS_limits.md).  The published pairs (Lobatto IIIA–IIIB, Ruth, Forest–Ruth)
need under 1e4."""

MAX_REPORT_WORK = 50_000_000
"""Units of order-condition work (as :data:`MAX_CONDITION_WORK`) up to which ``tabc info``
certifies digits of every residual of an approximate scheme in ball arithmetic; above it,
and always in ``tabc check``, the verdicts come from float arithmetic with rigorous error
bounds, and a level that holds reports a certified upper bound on its residuals."""

MAX_CONDITION_BITS = 8_000_000_000
"""Bits of the stored elementary weights: stages × trees × (bits of one number + its
object): about 1 GB.  A one-stage tableau with a11 = 10^2400 claiming order 16 needed more
than the machine had."""

MAX_STABILITY_BITS = 60_000
"""Bits of a coefficient of the stability function R(z), estimated before it is computed
(an upper bound: s times the bits of an entry of D·A, D the common denominator);
above it ``info`` says R(z) was not computed, as it does when a coefficient turns out to
have more than the 4,300 digits Python prints."""

MAX_STABILITY_WORK = 1_250_000_000
"""Units of work (16 ns each, as :data:`MAX_CONDITION_WORK`) for R(z) with its A- and
L-stability and intervals (``info``): s³ × the cost of one multiply-add at order s + 1, × 8
for an implicit tableau (:func:`tableau_compiler.analysis.work.stability_work`); above it
``info`` says R(z) was not computed.  Set from the 60 s guarantee as the order conditions' limit
(20 s estimated, the estimate within a factor 3 of the clock: benchmarks/RESULTS_properties.md)."""

MAX_SYMBOLIC_STABILITY_STAGES = 8
"""Stages of an implicit tableau with pi for which ``info`` computes R(z): its A-stability
test runs Sturm sequences over QQ(pi), whose cost grows about ninefold per two stages
(8 stages 3 s, 10 stages 28 s); above it the report says "not computed"."""

MAX_INTERVAL_DEGREE = 400
"""Degree of the rational polynomial whose real roots bound the stability intervals of R(z)
(2 × the degree of R × the degree of the coefficients' number field); above it ``info``
says "not computed"."""

MAX_SSP_STAGES = 64
"""Stages for which ``info`` computes the SSP coefficient: (s + 1)² polynomials of degree
up to s, from s + 2 exact inverses of (s + 1) × (s + 1) matrices; the work estimates
(:data:`MAX_SSP_RATIONAL_WORK`, :data:`MAX_SSP_ALGEBRAIC_WORK`) bound the cost, and a
negative entry of A or b (Feagin's, Ono's and every high-order explicit scheme) gives 0
without the computation.  24 refused the SSP coefficient of published 25- and 35-stage
schemes."""

MAX_SSP_ALGEBRAIC_WORK = 900_000_000
"""Units of work (16 ns), :func:`tableau_compiler.analysis.work.ssp_work`: 6,000 units per
operation of (s + 2)(s + 1)³ × (degree of the number field)² × (bits of the largest rational coordinate
/ 16) for the SSP coefficient of a tableau with radicals: s + 2 exact inverses of
(s + 1) × (s + 1) matrices over QQ<θ> in sympy's domain matrices, then roots over QQ<θ> (the
rational case uses python-flint and needs no such bound).  Measured on explicit tableaus of
random entries u + v√2 with the test suite beside them: 8 stages of 2-digit u, v 5.5 s,
of 20-digit 10.7 s (2.4e5); 12 stages of 5-digit 21 s (2.6e5); 16 stages of 2-digit 35 s
(3.5e5); 24 stages over 300 s.  Methods whose order alone gives the value (explicit of
order 5 or more, any of order 7 or more: 0, Kraaijevanger 1991) need none of it."""

MAX_SSP_RATIONAL_WORK = 1_250_000_000
"""Units of work (16 ns, as :data:`MAX_CONDITION_WORK`, 20 s estimated) for the SSP
coefficient of a rational tableau: 3·10⁶ + 3 units × (s + 2)(s + 1)³ × ((s + 1)·B/64)^1.5, B the
bits of the largest entry of D·K (D the common denominator of A and b): s + 2 exact inverses
of (s + 1) × (s + 1) matrices whose adjugates hold numbers of about (s + 1)·B bits, in
python-flint, then the interpolation and the roots
(:func:`tableau_compiler.analysis.structure.ssp_rational_work`).  Measured with the test
suite beside it, in operations of that count: 6 stages of 100-digit rationals (1.6e8) 7 s,
8 stages of 20-digit (1.1e8) 5 s, of 100-digit (1.4e9) 43 s, about 4.5e-8 s an operation;
12 implicit stages of 100-digit rationals (3.2e10) took 97 s in the inverse alone.
Above it ``info`` says "not computed"."""

MAX_LOCUS_WORK = 150_000_000
"""(2k + 1)(2k)² × (2k·B/64)^1.5 for the exact real stability interval, A(α) angle and
A-stability of a k-step scheme, B the bits of its coefficients over their common
denominator: 2k + 1 resultants of degree-k polynomials of 2k·B-bit values, then the roots
of their interpolant.  Measured with the test suite beside it: 4 steps of 300-digit
rationals (2.2e7) 1.9 s for the real interval, 8 steps of 50-digit (7.9e7) 3.9 s, of
300-digit (1.2e9) 104 s, about 9e-8 s a unit; 16 steps of 300-digit rationals ran past
116 s in ``tabc plot``.  Above it ``info`` says "not computed" and ``plot`` draws from
float64 alone."""

MAX_LOCUS_STEPS = 16
"""Steps of a multistep scheme for which ``info`` computes the A(α) angle, A-stability and the
real stability interval (resultants and boundary-locus polynomials of degree about 4k)."""

MAX_SYMBOLIC_STEPS = 16
"""Steps of a multistep scheme with pi in ρ whose root condition is decided (over QQ(pi):
16 steps 1.6 s, 32 steps a minute); more is refused."""

MAX_SYMBOLIC_STEP_DEGREE = 32
"""Steps × the highest degree in pi of ρ's coefficients, for a multistep scheme with pi in ρ
(the root condition over QQ(pi): 16 steps of degree 2 take about 15 s on the reference
machine under load, of degree 4 a minute, of degree 64 it ran past two minutes); more is
refused."""

MAX_ALGEBRAIC_ROOT_WORK = 600_000_000
"""Units of work (16 ns) of the root condition of a ρ with square roots,
:func:`tableau_compiler.analysis.work.root_condition_work`: steps³ × field degree × bits of the
largest rational coordinate of ρ's coefficients in the field's power basis × 300 (the root
condition's gcds of ρ and its mirror over that field, in sympy); 6e8 units (10 s estimated)
keep the generated cases just under it at 1–14 s under load (benchmarks/RESULTS_properties.md).
Earlier measurements, in steps³ × degree × bits.  Measured on the reference machine under
load with random rational multiples of the roots: 1.2e6 took 2 s, 1.6e6 9 s, 1.8e6 18 s, 4.4e6
(20 steps, degree 8) 45 s, 5.5e6 53 s; 32 steps of four square roots (1.7e7) over a minute, 8
steps times 20-digit rationals (4.8e6) past a minute.  More is refused."""

MAX_REGION_PARAMETERS = 2
"""Parameters for which ``info`` solves the parameter regions (a polynomial system in all of
them: RK4 written with 8 parameters ran for minutes); above it the report says "not
computed"."""

MAX_REGION_DEGREE = 24
"""Largest degree in the parameters of the polynomials the regions solve (the order
conditions up to order p + 1, the error constants up to C_{2k+1}); above it "not computed"."""

ROOTED_TREES = (
    1,
    1,
    2,
    4,
    9,
    20,
    48,
    115,
    286,
    719,
    1842,
    4766,
    12486,
    32973,
    87811,
    235381,
    634847,
)
"""Rooted trees with n = 1, 2, ... vertices (OEIS A000081), to size the work above."""

MAX_MULTISTEP_ORDER = 64
"""Claimed order of a linear multistep scheme."""

MAX_PARAMETERS = 8
"""Declared parameters of one scheme."""

MAX_TEXT_LENGTH = 10_000
"""Characters in a title, description or reference."""

MIN_TOLERANCE = 1e-300
"""Smallest ``tolerance`` (the certified arithmetic works at about log2(1/tolerance) + 96 bits)."""

MAX_TOLERANCE = 1e-3
"""Largest ``tolerance``: above it a scheme could pass order conditions it misses by a visible
amount (a huge tolerance would let any approximate scheme pass any order)."""

MAX_LUMPED_WORK = 4 * 16**3 * 7_700
"""Units of work (16 ns), :func:`tableau_compiler.analysis.work.lumping_work`: 0.8 units per
stages³ × bits of the largest entry up to which a Runge–Kutta tableau over the rationals
or QQ(√d) past :data:`MAX_LUMPED_STAGES` still has its symmetry decided by merging equal
stages: four times the work the stage limit allowed for 7,700-bit rationals (64 stages of
them took minutes, 16 a few seconds; 64 stages at the old limit took 0.32 s in the
refinement, benchmarks/RESULTS_properties.md), so decimal tableaus of a few dozen stages are
decided."""

MAX_LUMPED_STAGES = 16
"""Symmetry (a tableau or pair equal to its adjoint) is decided by the stage reversal for any
number of stages; equality up to merged equal stages (a partition refinement whose work grows
like stages³ big-number additions: 64 stages of 7,700-bit rationals took minutes) is tried up
to this many stages, and past it the symmetry is reported undecided."""
