r"""Your own activation functions, from Python and from installed packages.

Three ways to add a function (each works like a catalog name in every command):

1. A formula as a spec: ``actviz.get("x*sigmoid(beta*x); beta=1.5")`` (see
   :mod:`actviz.formula`), or named, for a configuration's ``define:`` section:
   ``define("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5})`` (not registered).
2. :func:`register` from Python: a formula, or a kernel ``kernel(x, order, **params)`` that
   returns ``(f,)``, ``(f, f')`` or ``(f, f', f'')`` for order 0, 1, 2 (returning all three
   whatever the order is fine too), with the metadata the built-ins have::

       @actviz.register("cube", title="Cube", latex=r"f(x) = x^3",
                        limits=((-inf, inf), (inf, inf), (-inf, inf)))
       def cube(x, order):
           return x**3, 3 * x**2, 6 * x

3. A package: an entry point in the group ``actviz.activations`` whose name is the function's
   name and whose object is a :class:`Definition` (from :func:`define`), a formula string, or
   a kernel::

       [project.entry-points."actviz.activations"]
       pswish = "mypackage.activations:pswish"

   Entry points are read only when a name is not found among the catalog and registered
   functions, and by :func:`actviz.names` (which loads every plugin), so a command that uses
   none pays nothing for them: ``import actviz`` does not import ``importlib.metadata``.
   A plugin that cannot be loaded gives a one-line :class:`PluginError` naming it.

Nothing here imports more than NumPy; the formula parser is imported when a formula is used.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._suggest import did_you_mean
from ..errors import ActvizError, PluginError, UnknownActivationError
from ._core import (
    ALIASES,
    REGISTRY,
    Definition,
    Family,
    Limits,
    Param,
    _as_function,
    in_scope,
    normalize,
    registered,
)
from ._limits import NAMES, sampled_limits

ENTRY_POINT_GROUP = "actviz.activations"

# --- kernels from Python -----------------------------------------------------------------------

_KERNEL_META = ("family", "symbol", "latex", "latex_d", "text", "text_d", "limits", "kinks",
                "pieces", "aliases", "reference", "flavors", "check")


def _params_of(name: str, kernel: Callable[..., Any], params: Any) -> tuple[Param, ...]:
    """Param objects from ``params`` (Params, or a mapping name -> default), or from the
    kernel's keyword parameters with defaults."""
    try:
        signature = inspect.signature(kernel)
    except (TypeError, ValueError):
        signature = None
    if params is None:
        found = []
        if signature is not None:
            for p in list(signature.parameters.values())[2:]:
                if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name == "out":
                    continue
                if p.default is p.empty:
                    raise PluginError(f"activation '{name}': the kernel's parameter '{p.name}' "
                                      "needs a default (or give params=...)")
                found.append(Param(p.name, p.default, ""))
        return tuple(found)
    if isinstance(params, Mapping):
        return tuple(Param(normalize(k), v if isinstance(v, str) else float(v), "")
                     for k, v in params.items())
    if not all(isinstance(p, Param) for p in params):
        raise PluginError(f"activation '{name}': params must be Param objects or a mapping "
                          "of names to defaults")
    return tuple(params)


class _CheckedKernel:
    """A user's kernel with its contract checked: errors become one-line PluginErrors, the
    results float64 arrays of x's shape, as many as the order asks for."""

    def __init__(self, name: str, kernel: Callable[..., Any]):
        self.name, self.kernel = name, kernel
        self.__doc__ = inspect.getdoc(kernel) or f"The user function '{name}'."

    def __call__(self, x: np.ndarray, order: int, **params: Any) -> tuple[np.ndarray, ...]:
        try:
            outs = self.kernel(x, order, **params)
        except ActvizError:
            raise
        except SystemExit as exc:  # the kernel's own: it must not end the caller's process
            raise PluginError(f"activation '{self.name}': the kernel called "
                              f"sys.exit({exc.code!r})") from None
        except Exception as exc:
            raise PluginError(f"activation '{self.name}': the kernel failed: "
                              f"{type(exc).__name__}: {_one_line(exc)}") from None
        if not isinstance(outs, (tuple, list)) or len(outs) < order + 1:
            got = len(outs) if isinstance(outs, (tuple, list)) else type(outs).__name__
            raise PluginError(f"activation '{self.name}': the kernel returned {got} for order "
                              f"{order}; it must return a tuple of {order + 1} arrays "
                              f"({', '.join(NAMES[:order + 1])})")
        checked = []
        for out in outs[:order + 1]:
            array = np.asarray(out, dtype=np.float64)
            try:
                array = np.array(np.broadcast_to(array, x.shape))
            except ValueError:
                raise PluginError(f"activation '{self.name}': the kernel returned an array of "
                                  f"shape {array.shape} for x of shape {x.shape}") from None
            checked.append(array)
        return tuple(checked)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or "(no message)"


def _kernel_definition(name: str, kernel: Callable[..., Any], params: Any, title: str | None,
                       origin: str, meta: Mapping[str, Any]) -> Definition:
    unknown = sorted(set(meta) - set(_KERNEL_META))
    if unknown:
        raise PluginError(f"activation '{name}': unknown metadata {', '.join(unknown)}; "
                          f"known: title, params, {', '.join(_KERNEL_META)}")
    found = _params_of(name, kernel, params)
    checked = _CheckedKernel(name, kernel)
    symbol = meta.get("symbol") or r"\mathrm{" + name.replace("_", r"\_") + "}"
    values = dict(meta)
    for key in ("kinks", "pieces", "check"):
        if values.get(key) is None:
            values.pop(key, None)
    for key in ("limits", "kinks", "pieces"):
        if key in values:
            values[key] = _as_function(values[key])
    if values.get("limits") is None:
        values["limits"] = _SampledLimits(checked)
    values.update(
        symbol=symbol,
        family=meta.get("family") or Family.OTHER,
        latex=meta.get("latex") or f"{symbol}(x)",
        latex_d=meta.get("latex_d") or f"{symbol}'(x)",
        text=meta.get("text") or f"{name}(x), a Python function",
        text_d=meta.get("text_d") or "from the function's kernel",
        aliases=tuple(normalize(a) for a in meta.get("aliases", ())),
        flavors=dict(meta.get("flavors") or {}),
    )
    return Definition(name=name, kernel=checked, title=title or name, params=found,
                      origin=origin, **values)


class _SampledLimits:
    """Limits of a kernel without declared ones, read far out (see :func:`sampled_limits`)."""

    def __init__(self, kernel: Callable[..., Any]):
        self.kernel = kernel

    def __call__(self, params: Mapping[str, Any]) -> Limits:
        return sampled_limits(lambda xs, order: self.kernel(xs, order, **params))


# --- define, register ------------------------------------------------------------------------

def define(name: str, formula: str | Callable[..., Any], params: Any = None,
           title: str | None = None, *, scope: Mapping[str, Definition] | None = None,
           **meta: Any) -> Definition:
    r"""A new function as a :class:`Definition`, not registered: use it through
    ``get(spec, scope={name: definition})``, :func:`register`, or an entry point.

    ``formula`` is a formula in x (``"x*sigmoid(beta*x)"``, parameters and defaults in
    ``params={"beta": 1.5}`` or after ';'), which may call names of ``scope``; or a kernel
    ``kernel(x, order, **params)`` returning (f, f', f''), with the metadata the built-ins
    have: ``family``, ``symbol``, ``latex``, ``latex_d``, ``text``, ``text_d``, ``limits``
    (computed far out if not given), ``kinks``, ``pieces``, ``aliases``, ``reference``,
    ``flavors``, ``check``; ``params`` as :class:`Param` objects or a mapping of defaults
    (read from the kernel's keyword defaults if not given).
    """
    from ..formula.compile import check_name, define_formula

    key = check_name(name)
    if isinstance(formula, str):
        extra = sorted(set(meta) - {"aliases", "reference"})
        if extra:
            raise PluginError(f"activation '{key}': a formula takes title, params, aliases and "
                              f"reference, not {', '.join(extra)}")
        if "aliases" in meta:
            meta["aliases"] = tuple(normalize(a) for a in meta["aliases"])
        return define_formula(key, formula, _formula_params(key, params), title, scope,
                              lookup=definition, **meta)
    if not callable(formula):
        raise PluginError(f"activation '{key}': expected a formula string or a kernel "
                          f"function, got {type(formula).__name__}")
    return _kernel_definition(key, formula, params, title, "python", meta)


def _formula_params(name: str, params: Any) -> Mapping[str, float] | None:
    if params is None or isinstance(params, Mapping):
        return params
    if all(isinstance(p, Param) for p in params):
        return {p.name: p.default for p in params}
    raise PluginError(f"activation '{name}': params must be a mapping of names to defaults")


def register(name: str, function: str | Callable[..., Any] | Definition | None = None, /, *,
             replace: bool = False, **meta: Any) -> Any:
    """Add a function to the catalog from Python; it then works like a built-in name.

    ``register("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5})`` adds a formula;
    ``register("cube", kernel, title=..., latex=...)`` a kernel (see :func:`define` for the
    metadata); ``register(definition)``... with a :class:`Definition` adds it as it is. Used
    as a decorator, ``@register("cube", title=...)`` registers the function below and returns
    it unchanged. The name must not be a built-in's; an earlier registration is replaced
    only with ``replace=True``. Returns the :class:`Definition`.
    """
    if function is None:
        def decorate(kernel: Callable[..., Any]) -> Callable[..., Any]:
            register(name, kernel, replace=replace, **meta)
            return kernel

        return decorate
    if isinstance(function, Definition):
        if meta:
            raise PluginError(f"activation '{name}': a Definition comes with its metadata")
        found = function if function.origin != "catalog" else \
            dataclasses.replace(function, origin="python")
        if normalize(name) != found.name:
            raise PluginError(f"activation '{name}': the definition is named '{found.name}'")
    else:
        found = define(name, function, **meta)
    add(found, replace)
    return found


def add(found: Definition, replace: bool = False) -> None:
    """Put a user definition into the registry (checked against the built-ins)."""
    for key in (found.name, *found.aliases):
        taken = REGISTRY.get(key) or REGISTRY.get(ALIASES.get(key, ""))
        if taken is None:
            continue
        if taken.origin == "catalog":
            raise PluginError(f"'{key}' is a built-in activation; choose another name")
        if not replace and taken.name != found.name:
            raise PluginError(f"'{key}' is taken by the activation '{taken.name}'")
        if not replace:
            raise PluginError(f"'{key}' is already registered (from {taken.origin}); pass "
                              "replace=True to replace it")
    if found.name in REGISTRY:
        unregister(found.name)
    REGISTRY[found.name] = found
    for alias in found.aliases:
        ALIASES[alias] = found.name
    _forget()


def unregister(name: str) -> None:
    """Remove a function added by :func:`register` or a plugin (not a built-in)."""
    key = normalize(name)
    found = REGISTRY.get(key)
    if found is None:
        raise PluginError(f"'{name}' is not registered")
    if found.origin == "catalog":
        raise PluginError(f"'{key}' is a built-in activation and cannot be removed")
    del REGISTRY[key]
    for alias in [a for a, target in ALIASES.items() if target == key]:
        del ALIASES[alias]
    _forget()


def _forget() -> None:
    import sys

    formula = sys.modules.get("actviz.formula.compile")
    if formula is not None:
        formula.forget()


# --- entry points ------------------------------------------------------------------------------

_scanned: dict[str, list[Any]] | None = None
_loading: list[str] = []
"""The plugins being loaded, outermost first: a formula that calls a plugin being loaded
refers to itself."""
_loaded: set[str] = set()
"""Plugins loaded by this process."""
_broken: dict[str, PluginError] = {}
"""Plugins that could not be loaded, with the error that said why (given again, not tried
again)."""


class PluginCycleError(PluginError):
    """A plugin's formula calls itself, directly or through other plugins: ``cycle`` lists
    the names, the first one last again (``ping -> pong -> ping``)."""

    def __init__(self, label: str, cycle: list[str]):
        super().__init__(f"{label} refers to itself ({' -> '.join(cycle)}); a formula "
                         "cannot call the function it defines")
        self.cycle = cycle

    def seen_from(self, key: str, label: str) -> PluginError:
        """The error of the plugin ``key`` (``label``), which calls this cycle: the same
        cycle from its own name if it lies on it, else this error behind its label."""
        if key not in self.cycle:
            return PluginError(f"{label}: {self}")
        start = self.cycle.index(key)
        return PluginCycleError(label, self.cycle[start:-1] + self.cycle[:start] + [key])


def _entry_points() -> dict[str, list[Any]]:
    """The entry points of the group by normalised name, read once per process."""
    global _scanned
    if _scanned is None:
        from importlib.metadata import entry_points

        found: dict[str, list[Any]] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            found.setdefault(normalize(ep.name), []).append(ep)
        _scanned = found
    return _scanned


def rescan() -> None:
    """Read the entry points again on next use (after installing a package in-process)."""
    global _scanned
    _scanned = None
    _broken.clear()
    _loaded.clear()


def plugin_names() -> list[str]:
    """The names the installed plugins offer (without loading them)."""
    return sorted(_entry_points())


def _label(ep: Any) -> str:
    dist = getattr(getattr(ep, "dist", None), "name", None)
    return f"plugin '{ep.name}' ({ep.value}" + (f" in {dist})" if dist else ")")


def load_plugin(key: str) -> bool:
    """Load the plugin called ``key`` if there is one; True if it is now registered."""
    candidates = _entry_points().get(key)
    if not candidates:
        return False
    if key in REGISTRY:
        return True
    if key in _broken:
        raise _broken[key]
    if len(candidates) > 1:
        raise PluginError(f"two plugins are called '{key}': "
                          + " and ".join(_label(ep) for ep in candidates))
    ep = candidates[0]
    label = _label(ep)
    if key in _loading:  # its formula calls itself, maybe through other plugins
        raise PluginCycleError(label, [*_loading[_loading.index(key):], key])
    _loading.append(key)
    try:
        _load(key, ep, label)
    except PluginCycleError as exc:
        _broken[key] = exc.seen_from(key, label)
        raise _broken[key] from None
    except PluginError as exc:
        _broken[key] = exc
        raise
    finally:
        _loading.pop()
    _loaded.add(key)
    return True


def _load(key: str, ep: Any, label: str) -> None:
    """Import the entry point ``ep`` and register what it gives as ``key``."""
    try:
        obj = ep.load()
    except (Exception, SystemExit) as exc:
        raise PluginError(f"{label} cannot be loaded: {type(exc).__name__}: "
                          f"{_one_line(exc)}") from None
    if key in REGISTRY:  # the module registered it when imported
        return
    dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value.partition(":")[0]
    try:
        add(_plugin_definition(key, obj, label, f"plugin {dist}"))
    except PluginCycleError:
        raise
    except PluginError as exc:
        message = str(exc)
        raise PluginError(message if message.startswith(label) else f"{label}: {message}"
                          ) from None
    except ActvizError as exc:
        raise PluginError(f"{label}: {exc}") from None


def _plugin_definition(key: str, obj: Any, label: str, origin: str) -> Definition:
    """The definition an entry point's object gives: a Definition named ``key``, a formula
    string or a kernel function."""
    if isinstance(obj, Definition):
        if obj.name != key:
            raise PluginError(f"{label} gives the activation '{obj.name}'; the entry point "
                              "must carry the function's name")
        return dataclasses.replace(obj, origin=origin)
    if isinstance(obj, str):
        return dataclasses.replace(define(key, obj), origin=origin)
    if callable(obj):
        return _kernel_definition(key, obj, None, None, origin, {})
    raise PluginError(f"{label} is a {type(obj).__name__}; expected a Definition "
                      "(actviz.catalog.define), a formula string or a kernel function")


def load_all_plugins() -> list[tuple[str, str]]:
    """Load every installed plugin that can be (``actviz list`` and :func:`actviz.names`
    show them): one broken plugin does not keep the others out. What could not be used, one
    line each, as ``("broken", message)`` for a plugin that cannot be loaded (its
    :class:`PluginError`) and ``("shadowed", message)`` for one whose name a built-in or an
    earlier registration takes."""
    problems: list[tuple[str, str]] = []
    for key, candidates in _entry_points().items():
        taken = REGISTRY.get(key) or REGISTRY.get(ALIASES.get(key, ""))
        if taken is not None and key not in _loaded:
            where = "a built-in activation" if taken.origin == "catalog" else \
                f"the activation '{taken.name}' (from {taken.origin})"
            problems.extend(("shadowed", f"{_label(ep)} is not used: '{key}' is {where}; "
                                         "rename its entry point") for ep in candidates)
            continue
        try:
            load_plugin(key)
        except PluginError as exc:
            problems.append(("broken", str(exc)))
    return problems


# --- names: the scope, the registry, then the plugins ----------------------------------------

SEE_ALL = " Run 'actviz list' to see them all."
"""The end of an unknown name's message where no name is close to it."""


def definition(name: str, scope: Mapping[str, Definition] | None = None) -> Definition:
    """The definition for a canonical name or alias (no parameters).

    ``scope`` maps further names to definitions (the ``define:`` section of a configuration
    file); they come first. A name found nowhere else is looked for among the plugins."""
    key = normalize(name)
    found = in_scope(key, scope) or registered(key)
    if found is not None:
        return found
    if load_plugin(key):
        found = registered(key)
        if found is not None:
            return found
    candidates = [*REGISTRY, *ALIASES, *plugin_names(), *(normalize(k) for k in scope or ())]
    hint = (did_you_mean(key, candidates) if len(key) <= 64 else "") or SEE_ALL
    raise UnknownActivationError(f"unknown activation '{name.strip()}'.{hint}")


def names() -> list[str]:
    """Canonical names of all activation functions, sorted: the catalog, functions registered
    with :func:`actviz.register`, and those of installed plugins (loaded by this call; a
    plugin that cannot be loaded is left out, and ``actviz list`` says why)."""
    load_all_plugins()
    return sorted(REGISTRY)
