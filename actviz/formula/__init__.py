r"""User formulas: a safe parser, second-order forward-mode differentiation over the catalog's
kernels, kinks and linear pieces from the expression's structure, and limits at +-inf.

A formula is an expression in ``x`` with optional named parameters and their defaults after
';', for example ``x*sigmoid(beta*x); beta=1.5``. The grammar, from loosest to tightest::

    condition:  a or b,  a and b,  not a,  comparisons < <= > >= == != (chains allowed)
    value:      a + b,  a - b,  a * b,  a / b,  -a,  a ** b  (or a ^ b; right-associative,
                and -x**2 is -(x**2) as in Python), numbers (1, 2.5, 1e-3), x, pi, e,
                parameters, (parentheses), function calls
    functions:  exp log log1p expm1 sqrt abs sin cos tan sinh cosh erf erfc, min(a, b),
                max(a, b), where(condition, a, b), and every catalog function by name or
                alias with its parameters as keywords: elu(x, alpha=0.5), sigmoid(1.702*x),
                gelu(x, approximate=tanh). Names defined in a scope (a configuration's
                ``define:``) and plugins work the same way.

Parsing is a small recursive-descent parser of its own over a whitelist of tokens, not
Python's ``ast``: ``^`` is a power here (in Python it is a bitwise xor, with the wrong
precedence), every error can name its column in the text as typed, and the limits below are
enforced while parsing, before any work grows with the input. Nothing is ever ``eval``-ed.
Limits: at most ``MAX_LENGTH`` characters (checked first, in constant time), nesting depth
``MAX_DEPTH`` (parentheses, calls, unary signs and exponents each count), ``MAX_NODES``
nodes, and constant exponents of magnitude at most ``MAX_EXPONENT``. All arithmetic is
float64, so a power costs the same whatever its size; a constant part that overflows
(``9**9**9``) is refused.

Evaluation passes ``(value, d/dx, d2/dx2)`` up the tree (only up to the requested order),
each with a bound on its error (:mod:`.jet`). Derivatives that are exactly zero (of
constants) are carried as ``None`` and skipped, and linear terms carry their slope as a
number. A catalog function g contributes its own ``evaluate(u, order)`` and the chain rule
composes it: (g o u)' = g'(u) u', (g o u)'' = g''(u) u'^2 + g'(u) u''. A first pass
(:meth:`Node.fast_jet`) carries relative bounds, mostly single numbers; the points it cannot vouch
for go through the precise pass (:meth:`Node.jet`), whose absolute bounds follow overflows and
underflows, and where a value's bound exceeds ``TOL`` (1e-10; beyond the slack next to a
zero) the value is NaN: :meth:`FormulaActivation.why` says what the formula as typed does
there (:mod:`.explain`). In a product that is part of a derivative, an exact zero wins over
an overflowed factor (g'(u) = 0 exactly where u' overflowed is 0, not NaN). Conventions at the
points where a derivative does not exist: abs'(0) = 0 (as PyTorch); ``max(a, b)`` and
``min(a, b)`` take the derivatives of b at a tie, so ``max(x, 0)`` is relu with relu'(0) = 0
(PyTorch's ``torch.maximum`` would give 1/2); ``where`` takes the branch its condition picks;
a catalog function its own convention.

Before evaluation, the bound tree is rewritten (:mod:`.rewrite`): the idioms that lose digits
as typed (log(1 + exp(u)), 1/(1 + exp(-u)), u/(1 + abs(u)), 1 - tanh(u)^2, ...) become their
stable forms, whatever their spelling, and named formulas called inside are put in place.

Kinks and linear pieces come from the structure. A kink k of a catalog function applied to
an argument that is linear, a*x + b, on a stretch, lies at x = (k - b)/a there, computed
exactly; abs, min, max, where and comparisons add the points where their arguments cross,
exactly where the arguments are linear. Elsewhere the crossings are found by a grid of
``GRID`` points and bisection (two crossings closer than the grid spacing can be missed), on
the range asked for, or on the window [-``WINDOW``, ``WINDOW``] for :attr:`Activation.kinks`;
the activation's ``kinks_exact`` is then False. The order of each kink (0: f jumps, 1: f'
jumps, 2: f'' jumps) is read from one-sided values of f, f', f'' extrapolated to the point
from both sides; a point where none of them jumps is reported as order 3 (a higher
derivative may jump), unless the function is linear across it.

Limits at +-inf are read from the values at x = +-1e20, 1e40, 1e80, 1e160 and 1e300 (see
:func:`actviz.catalog._plugins.sampled_limits`): a finite limit when the values approach the
last one and the last two agree to 1e-12, an infinite one when they grow in magnitude with one
sign, and NaN (no limit known) otherwise, e.g. for sin(x) or log(x) at -inf. Propagating limits
through the tree would fail on the very formulas people write (x*sigmoid(x) is 0*inf at -inf).

Poles (1/u, log(u), a negative power of u where u = 0; tan(u) where cos(u) = 0; a catalog
function's pole under u) are found like kinks and confirmed where |f| grows without bound
toward them (:meth:`Bound.poles`); kinks and poles found by bisection are the doubles nearest
the true points (:func:`crossings`).

The package, one stage per module, each importing only the ones before it in this list
(``tests/test_layers.py`` holds the list and checks it): ``jet`` and ``elementary`` (values
with error bounds; exp, log, ...), ``syntax`` (limits, tokens, reserved words, parse tree),
``latex`` (the tree as LaTeX), ``parser`` (text to tree; names looked up through the
function it is handed), ``chain`` (the chain rule over jets), ``intervals`` and ``nodes``
(the bound tree), ``bind`` (parse tree to bound tree), ``structure`` (kinks, pieces, poles),
``rewrite`` (stable forms of idioms), ``explain`` (why a value is refused), ``bound`` (a
formula with its parameters fixed), ``activation`` and ``compile`` (text to definition).
Nothing here imports the resolution of specs (:mod:`actviz.specs`) or the plugins: they hand
the parser its lookup. This file imports nothing, so that a look at the reserved words
(:data:`.syntax.RESERVED`) costs no more than that module.
"""
