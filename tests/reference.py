"""Independent high-precision references: each activation function written out literally in
mpmath, at as many digits as the expression needs (cancellations are absorbed by precision,
not by reformulation), so that the tests never compare actviz with itself."""

from __future__ import annotations

import math

import mpmath as mp

DIGITS = 40

SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")


def mismatch(ours: float, ref: mp.mpf, rtol: float) -> float:
    """0 when ``ours`` matches ``ref``: relatively within rtol where |ref| > 1e-300 (a float64
    can only be absolutely close below that), exactly where ref overflows float64; else the
    relative error (inf where an exact or absolute match fails)."""
    ref_f = float(ref)
    if math.isinf(ref_f):
        return 0.0 if ours == ref_f else math.inf
    if abs(ref) <= 1e-300:
        return 0.0 if abs(ours - ref_f) <= 1e-300 else math.inf
    err = float(abs((mp.mpf(ours) - ref) / ref))
    return 0.0 if err <= rtol else err


def digits_for(x: float) -> int:
    """Working digits for evaluating at x: 40, plus 3 per decade of |x| away from 1 (enough
    for x - tanh(x) ~ x^3/3 at tiny x and for sqrt(x^2 + b) - |x| at huge x)."""
    if x == 0 or not math.isfinite(x):
        return DIGITS
    return DIGITS + int(3 * abs(math.log10(abs(x))))


def converged(fn, x: float, order: int, extra: int = 0):
    """f(x), or f'(x) / f''(x) by mpmath's numerical differentiation.

    A derivative far smaller than f itself (sigmoid' at 700, a zero f'' of a linear piece)
    is lost below the working precision, so the precision is raised by 100 digits until two
    successive non-zero results agree to 25 digits, or both lie below 1e-310 (a true zero,
    or a value no float64 holds). ``extra`` digits to start with save rounds when the
    derivative is known to lie that many decades below f; the convergence check is the same."""
    digits = digits_for(x) + extra
    previous = None
    for _ in range(7):
        with mp.workdps(digits):
            xm = mp.mpf(x)
            value = fn(xm) if order == 0 else mp.diff(fn, xm, order)
        if order == 0:
            return value
        if previous is not None:
            if value != 0 and abs(value - previous) <= 1e-25 * abs(value):
                return value  # converged
            if abs(value) < 1e-310 and abs(previous) < 1e-310:
                return value  # zero, or below anything a float64 holds: compared absolutely
        previous, digits = value, digits + 100
    return value


def _extra(t) -> int:
    """Extra digits for 1 + e^(-|t|)-style cancellations; beyond 800 the result is below
    1e-300 and compared absolutely, so more would only cost time."""
    return min(int(abs(t)), 800) + 10


def _relu(x):
    return x if x > 0 else mp.mpf(0)


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _gelu_tanh(x):
    u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
    # 1 + tanh(u) cancels for u << 0: give it the digits it loses.
    with mp.extradps(_extra(u)):
        return x / 2 * (1 + mp.tanh(u))


def _log_sigmoid(x):
    with mp.extradps(_extra(x)):
        return mp.log(1 / (1 + mp.exp(-x)))


def _softplus(beta):
    def f(x):
        with mp.extradps(_extra(beta * x)):
            return mp.log(1 + mp.exp(beta * x)) / beta

    return f


def _leaky(slope):
    return lambda x: x if x > 0 else slope * x


def _elu(alpha, scale=1):
    return lambda x: scale * (x if x > 0 else alpha * (mp.exp(x) - 1))


def _mish(x):
    with mp.extradps(_extra(x)):
        return x * mp.tanh(mp.log(1 + mp.exp(x)))


def _tanhexp(x):
    # tanh(e^x) is 1 to 10^20 digits beyond x = 50 (and mpmath runs out of memory there)
    return x * mp.tanh(mp.exp(x)) if x < 50 else x


def _elish(x):
    return x * _sigmoid(x) if x >= 0 else (mp.exp(x) - 1) * _sigmoid(x)


def _sparse_plus(x):
    if x <= -1:
        return mp.mpf(0)
    if x >= 1:
        return x
    return (x + 1) ** 2 / 4


def _sinc(x):
    return mp.mpf(1) if x == 0 else mp.sin(x) / x


def _clip(lo, hi):
    return lambda x: min(max(x, lo), hi)


def _shrink_soft(lam):
    return lambda x: x - lam if x > lam else (x + lam if x < -lam else mp.mpf(0))


def _shrink_hard(lam):
    return lambda x: x if abs(x) > lam else mp.mpf(0)


def _isru(alpha):
    return lambda x: x / mp.sqrt(1 + alpha * x**2)


def _isrlu(alpha):
    return lambda x: x if x >= 0 else x / mp.sqrt(1 + alpha * x**2)


def _squareplus(b):
    return lambda x: (x + mp.sqrt(x**2 + b)) / 2


def _swish(beta):
    return lambda x: x / (1 + mp.exp(-beta * x))


def _threshold(th, value):
    return lambda x: x if x > th else mp.mpf(value)


def _smish(alpha, beta):
    def f(x):
        with mp.extradps(_extra(beta * x)):
            return alpha * x * mp.tanh(mp.log(1 + _sigmoid(beta * x)))

    return f


def _sparse_sigmoid(x):
    return R(0) if x <= -1 else (R(1) if x >= 1 else (x + 1) / 2)


def _sinc_normalized(x):
    # sinpi is exact at the integers, where sin(pi * x) would carry pi's rounding
    return R(1) if x == 0 else mp.sinpi(x) / (mp.pi * x)


def _keras_relu(slope, cap, threshold):
    """keras.activations.relu(x, negative_slope, max_value, threshold) as its documentation
    states it for threshold >= 0: min(x, max_value) above the threshold, else
    negative_slope * (x - threshold)."""
    return lambda x: min(x, cap) if x > threshold else slope * (x - threshold)


def _gelu(x):
    if abs(x) > 1e4:  # mpmath's erfc overflows there; x Phi(x) is x, or below 1e-300
        return x if x > 0 else -mp.npdf(x)
    return x / 2 * mp.erfc(-x / mp.sqrt(2))


R = mp.mpf


# spec -> scalar reference f(x) (mpf in, mpf out; crelu gives a pair)
SCALAR = {
    "identity": lambda x: x,
    "binary_step": lambda x: R(1) if x >= 0 else R(0),
    "sign": lambda x: R(mp.sign(x)),
    "sigmoid": _sigmoid,
    "tanh": mp.tanh,
    "hard_sigmoid": lambda x: min(max(x + 3, 0), 6) / R(6),
    "hardtanh": _clip(-1, 1),
    "hardtanh:min_val=-2,max_val=3": _clip(-2, 3),
    "relu": _relu,
    "relu6": _clip(0, 6),
    "leaky_relu": _leaky(R("0.01")),
    "leaky_relu:negative_slope=0.2": _leaky(R("0.2")),
    "prelu": _leaky(R("0.25")),
    "prelu:weight=-0.5": _leaky(R("-0.5")),
    "rrelu": _leaky((R(1) / 8 + R(1) / 3) / 2),
    "rrelu:lower=0.1,upper=0.3": _leaky((R("0.1") + R("0.3")) / 2),
    "elu": _elu(R(1)),
    "elu:alpha=0.5": _elu(R("0.5")),
    "celu": lambda x: x if x > 0 else mp.exp(x) - 1,
    "celu:alpha=2": lambda x: x if x > 0 else 2 * (mp.exp(x / 2) - 1),
    "selu": _elu(SELU_ALPHA, SELU_SCALE),
    "gelu": _gelu,
    "gelu:approximate=tanh": _gelu_tanh,
    "silu": _swish(1),
    "swish:beta=2": _swish(2),
    "swish:beta=0.5": _swish(R("0.5")),
    "quick_gelu": _swish(R("1.702")),
    "mish": _mish,
    "softplus": _softplus(1),
    "softplus:beta=2": _softplus(2),
    "softplus:beta=0.5": _softplus(R("0.5")),
    "softsign": lambda x: x / (1 + abs(x)),
    "log_sigmoid": _log_sigmoid,
    "tanhshrink": lambda x: x - mp.tanh(x),
    "softshrink": _shrink_soft(R("0.5")),
    "softshrink:lambd=1": _shrink_soft(R(1)),
    "hardshrink": _shrink_hard(R("0.5")),
    "hardshrink:lambd=1": _shrink_hard(R(1)),
    "threshold": _threshold(1, 0),
    "threshold:threshold=0.5,value=-1": _threshold(R("0.5"), -1),
    "hard_swish": lambda x: x * min(max(x + 3, 0), 6) / 6,
    "crelu": lambda x: (_relu(x), _relu(-x)),
    "squareplus": _squareplus(4),
    "squareplus:b=1": _squareplus(1),
    "lecun_tanh": lambda x: R("1.7159") * mp.tanh(2 * x / 3),
    "arctan": mp.atan,
    "bent_identity": lambda x: (mp.sqrt(x**2 + 1) - 1) / 2 + x,
    "gaussian": lambda x: mp.exp(-(x**2)),
    "isru": _isru(1),
    "isru:alpha=0.5": _isru(R("0.5")),
    "isrlu": _isrlu(1),
    "isrlu:alpha=2": _isrlu(2),
    "tanhexp": _tanhexp,
    "smish": _smish(1, 1),
    "smish:alpha=2,beta=0.5": _smish(2, R("0.5")),
    "smish:alpha=0.5,beta=3": _smish(R("0.5"), 3),
    "sparse_sigmoid": _sparse_sigmoid,
    "sinc:normalized=true": _sinc_normalized,
    "relu:max_value=3": _keras_relu(0, 3, 0),
    "relu:negative_slope=0.2,max_value=3": _keras_relu(R("0.2"), 3, 0),
    "relu:negative_slope=0.2,threshold=1": _keras_relu(R("0.2"), mp.inf, 1),
    "relu:negative_slope=-0.5,max_value=2,threshold=0.5": _keras_relu(R("-0.5"), 2, R("0.5")),
    "relu:threshold=2": _keras_relu(0, mp.inf, 2),
    "elish": _elish,
    "relu_squared": lambda x: _relu(x) ** 2,
    "sinc": _sinc,
    "exponential": mp.exp,
    "sparse_plus": _sparse_plus,
    "log1mexp": lambda x: mp.log1p(-mp.exp(-abs(x))) if x != 0 else -mp.inf,
}


def _softmax(v):
    m = max(v)
    e = [mp.exp(t - m) for t in v]
    total = mp.fsum(e)
    return [t / total for t in e]


def _log_softmax(v):
    m = max(v)
    lse = m + mp.log(mp.fsum(mp.exp(t - m) for t in v))
    return [t - lse for t in v]


def _sparsemax(v):
    """Martins & Astudillo (2016), algorithm 1: sort, find the support size k, threshold
    tau = (sum of the k largest - 1) / k."""
    z = sorted(v, reverse=True)
    k = max(j for j in range(1, len(z) + 1) if 1 + j * z[j - 1] > mp.fsum(z[:j]))
    tau = (mp.fsum(z[:k]) - 1) / k
    return [max(t - tau, R(0)) for t in v]


def sparsemax_jacobian_diagonal(v):
    """The diagonal of the Jacobian diag(u) - u u^T / k (Martins & Astudillo 2016, eq. 12),
    u the indicator of the support {i: v_i > tau}: 1 - 1/k on it, 0 off it."""
    s = _sparsemax(v)
    k = sum(1 for t in s if t > 0)
    return [1 - mp.mpf(1) / k if t > 0 else mp.mpf(0) for t in s]


# name -> reference on a whole vector (list of mpf -> list of mpf)
VECTOR = {
    "softmax": _softmax,
    "softmin": lambda v: _softmax([-t for t in v]),
    "log_softmax": _log_softmax,
    "sparsemax": _sparsemax,
}


def vector_component(name, v, i):
    """Component i of the vector function as a function of x_i alone (others fixed)."""
    fn = VECTOR[name]

    def f(t):
        w = list(v)
        w[i] = t
        return fn(w)[i]

    return f


# --- f, f' and f'' in closed form, for parameter sweeps ----------------------------------------
# mpmath's numerical differentiation cannot follow a function whose scale is a parameter of
# 1e-300 or 1e300; these write the derivatives out. At a kink they take the convention the
# catalog documents (PyTorch autograd). Each takes the parameters as mpf and returns a function
# of an mpf x giving (f, f', f'').

Z, ONE = mp.mpf(0), mp.mpf(1)


def _exp(t):
    """e^t, with e^t for t < -1e5 as exactly 0 (it is far below any float64 there, and
    mpmath would spend its time on the digits of a number like e^(-1e300))."""
    return Z if t < -100000 else mp.exp(t)


def _sig(t):
    return 1 / (1 + _exp(-t)) if t > -100000 else _exp(t)


def exact_leaky(slope):
    return lambda x: (x, ONE, Z) if x > 0 else (slope * x, slope, Z)


def exact_elu(alpha):
    return lambda x: (x, ONE, Z) if x > 0 else (
        alpha * mp.expm1(x), alpha * _exp(x), alpha * _exp(x) if x < 0 else Z)


def exact_celu(alpha):
    def f(x):
        if x > 0:
            return x, ONE, Z
        e = _exp(x / alpha)
        return alpha * mp.expm1(x / alpha), e, e / alpha if x < 0 else Z

    return f


def exact_swish(beta):
    def f(x):
        s, sn = _sig(beta * x), _sig(-beta * x)
        return x * s, s * (1 + beta * x * sn), beta * s * sn * (2 - beta * x * (s - sn))

    return f


def exact_softplus(beta):
    def f(x):
        t = beta * x
        return ((max(t, Z) + mp.log1p(_exp(-abs(t)))) / beta, _sig(t),
                beta * _sig(t) * _sig(-t))

    return f


def exact_squareplus(b):
    def f(x):
        h = mp.sqrt(x * x + b)
        return (x + h) / 2, (1 + x / h) / 2, b / (2 * h**3)

    return f


def exact_isru(alpha):
    def f(x):
        h = mp.sqrt(1 + alpha * x * x)
        return x / h, h**-3, -3 * alpha * x * h**-5

    return f


def exact_isrlu(alpha):
    isru = exact_isru(alpha)
    return lambda x: (x, ONE, Z) if x >= 0 else isru(x)


def exact_softshrink(lambd):
    return lambda x: ((x - lambd, ONE, Z) if x > lambd else
                      (x + lambd, ONE, Z) if x < -lambd else (Z, Z, Z))


def exact_hardshrink(lambd):
    return lambda x: (x, ONE, Z) if abs(x) > lambd else (Z, Z, Z)


def exact_threshold(threshold, value):
    return lambda x: (x, ONE, Z) if x > threshold else (value, Z, Z)


def exact_hardtanh(lo, hi):
    return lambda x: (min(max(x, lo), hi), ONE if lo < x < hi else Z, Z)


def exact_smish(alpha, beta):
    def f(x):
        y = beta * x
        a, an = _sig(y), _sig(-y)
        d1 = a * an  # sigma'
        d2 = d1 * (an - a)  # sigma''
        l1 = d1 / (1 + a)
        l2 = (d2 * (1 + a) - d1 * d1) / (1 + a) ** 2
        t = mp.tanh(mp.log1p(a))
        t1 = (1 - t * t) * l1
        t2 = (1 - t * t) * (l2 - 2 * t * l1 * l1)
        return alpha * x * t, alpha * (t + y * t1), alpha * beta * (2 * t1 + y * t2)

    return f


def exact_keras_relu(slope, cap, threshold):
    """Keras's documented formula, with the conventions of PyTorch autograd of
    keras.activations.relu (measured, Keras 3.15 on the torch backend): f'(threshold) = 0
    (1 where slope = 1 and threshold = 0, where f is smooth), f'(max_value) = 1 (0 for a cap
    of 6 at threshold 0, where Keras calls relu6)."""
    def f(x):
        if x > threshold:
            if x < cap:
                return x, ONE, Z
            at_cap = Z if (threshold == 0 and cap == 6) else ONE
            return cap, at_cap if x == cap else Z, Z
        if x == threshold:
            return Z, ONE if (threshold == 0 and slope == 1) else Z, Z
        return slope * (x - threshold), slope, Z

    return f


# name -> (parameters as mpf -> exact (f, f', f'') as a function of x)
EXACT = {
    "relu": lambda p: exact_keras_relu(p["negative_slope"], p["max_value"], p["threshold"]),
    "relu6": lambda p: exact_hardtanh(Z, mp.mpf(6)),
    "smish": lambda p: exact_smish(p["alpha"], p["beta"]),
    "leaky_relu": lambda p: exact_leaky(p["negative_slope"]),
    "prelu": lambda p: exact_leaky(p["weight"]),
    "rrelu": lambda p: exact_leaky((p["lower"] + p["upper"]) / 2),
    "elu": lambda p: exact_elu(p["alpha"]),
    "celu": lambda p: exact_celu(p["alpha"]),
    "silu": lambda p: exact_swish(ONE),
    "swish": lambda p: exact_swish(p["beta"]),
    "softplus": lambda p: exact_softplus(p["beta"]),
    "squareplus": lambda p: exact_squareplus(p["b"]),
    "isru": lambda p: exact_isru(p["alpha"]),
    "isrlu": lambda p: exact_isrlu(p["alpha"]),
    "softshrink": lambda p: exact_softshrink(p["lambd"]),
    "hardshrink": lambda p: exact_hardshrink(p["lambd"]),
    "threshold": lambda p: exact_threshold(p["threshold"], p["value"]),
    "hardtanh": lambda p: exact_hardtanh(p["min_val"], p["max_val"]),
}
