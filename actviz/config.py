"""Batch configs: a YAML file read with PyYAML's safe composer (no tags that run code), turned
into validated jobs. Every problem in the file is found before any job runs and reported as
``FILE:LINE: path.in.document: what is wrong``.

::

    output_dir: output            # optional, relative, inside the current directory
    defaults:                     # optional; any option of plot/table/compare/diff/depth
      range: [-5, 5]
    jobs:
      - kind: plot                # plot | table | compare | diff | depth
        name: relu-family         # optional file stem
        functions: [relu, "leaky_relu:negative_slope=0.1", {name: elu, params: {alpha: 0.5}}]
        layout: grid
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._numbers import param_text, short_integer
from ._suggest import suggestion
from .catalog import Definition, define, get
from .errors import ActvizError
from .jobs import KINDS, JobKind, tidy
from .options import Kind, Option, Options

JOB_KEYS = ("kind", "name", "functions")
TOP_KEYS = ("output_dir", "defaults", "define", "jobs")
NAME = re.compile(r"[A-Za-z0-9_.-]+")
MAX_BYTES = 2**20
"""The largest config file read (1 MB: the gallery of every function is 4 kB)."""
MAX_NODES = 20_000
"""The most YAML nodes a config may hold once its aliases are expanded, each alias counted as
the whole node it names (the gallery of every function has 474): bounds the work of checking
and running a config, whatever the file's size."""


class ConfigError(ActvizError):
    """One or more problems in a config file; ``problems`` lists them, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Job:
    """One validated job: ``files`` are the names it writes in the output folder."""

    kind: str
    stem: str
    functions: list[str]
    options: Options
    line: int
    path: str
    files: list[str] = field(default_factory=list)


Scope = dict[str, Definition]
"""The functions a config defines (``define:``), by name."""


@dataclass
class Config:
    source: str
    output_dir: Path
    jobs: list[Job]
    scope: Scope = field(default_factory=dict)


class _TooLarge(Exception):
    """The document expands to more than :data:`MAX_NODES` nodes (raised at ``mark``)."""

    def __init__(self, mark: Any):
        super().__init__(mark)
        self.line = mark.line + 1 if mark is not None else 1


class _Loader(yaml.SafeLoader):
    """PyYAML's safe composer, counting the nodes of the document as its aliases expand
    (an alias counts as the whole node it names, at each use) and stopping as soon as they
    pass :data:`MAX_NODES`: a billion laughs, or 260,000 aliases of one job, are refused
    after reading no more of the file than :data:`MAX_NODES` plain nodes take. An alias to a
    node that contains it (a cycle) is refused too."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.expanded = 0
        self.sizes: dict[str, int] = {}
        self.open: set[str] = set()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        anchor = event.anchor
        if isinstance(event, yaml.AliasEvent):
            if anchor in self.open:
                mark: Any = event.start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"the alias *{anchor} is inside the node &{anchor} it names "
                    "(a cycle)", mark)
            node = super().compose_node(parent, index)  # an undefined alias raises here
            self._count(self.sizes[anchor], event.start_mark)
            return node
        start = self._count(1, event.start_mark) - 1
        if anchor is not None:
            self.open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self.open.discard(anchor)
            self.sizes[anchor] = self.expanded - start
        return node

    def _count(self, nodes: int, mark: Any) -> int:
        self.expanded += nodes
        if self.expanded > MAX_NODES:
            raise _TooLarge(mark)
        return self.expanded


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


class _Problem(Exception):
    """A problem at one node (or line); collected, never shown as a traceback."""

    def __init__(self, node: yaml.Node | int | None, where: str, message: str):
        super().__init__(message)
        self.line = node if isinstance(node, int) else _line(node)
        self.where, self.message = where, message

    def text(self, source: str) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{source}:{self.line}:{where} {self.message}"


def _hint(word: str, candidates: Any) -> str:
    found = suggestion(word, candidates)
    return f" (did you mean {found}?)" if found else ""


def _inline(message: str) -> str:
    """The catalog's ``... 'rleu'. Did you mean 'relu'?`` as ``... 'rleu' (did you mean
    'relu'?)``, which reads better after a location."""
    return re.sub(r"\. Did you mean (.*?)\?( It takes)?",
                  lambda m: f" (did you mean {m[1]}?)" + ("; it takes" if m[2] else ""),
                  message)


def _scalar(node: yaml.Node) -> Any:
    """A scalar's value as ``yaml.safe_load`` gives it; other nodes as they are."""
    if not isinstance(node, yaml.ScalarNode):
        return node
    try:
        return yaml.SafeLoader("").construct_object(node)
    except yaml.YAMLError:
        raise _Problem(node, "", f"unsupported YAML tag {node.tag}") from None


def _describe(value: Any) -> str:
    if isinstance(value, yaml.MappingNode):
        return "a mapping"
    if isinstance(value, yaml.SequenceNode):
        return "a list"
    return repr(value)


def _items(node: yaml.MappingNode, where: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        if not isinstance(key, str):
            raise _Problem(key_node, where, f"keys must be text, got {_describe(key)}")
        norm = key.replace("-", "_")
        if norm in seen:
            raise _Problem(key_node, where, f"'{key}' is given twice (first on line "
                                            f"{seen[norm]})")
        seen[norm] = _line(key_node)
        yield norm, key_node, value_node


# --- values -------------------------------------------------------------------------------------

def _number(node: yaml.Node, where: str) -> float:
    value = _scalar(node)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Problem(node, where, f"must be a number, got {_describe(value)}")
    try:
        return float(value)
    except OverflowError:  # an integer beyond float64
        raise _Problem(node, where, "must be a number within +-1.8e308, got "
                                    f"{short_integer(value)}") from None


def _integer(node: yaml.Node, where: str) -> int:
    value = _scalar(node)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Problem(node, where, f"must be a whole number, got {_describe(value)}")
    return value


def _flag(node: yaml.Node, where: str) -> bool:
    value = _scalar(node)
    if not isinstance(value, bool):
        raise _Problem(node, where, f"must be true or false, got {_describe(value)}")
    return value


def _text(node: yaml.Node, where: str) -> str:
    value = _scalar(node)
    if not isinstance(value, str):
        raise _Problem(node, where, f"must be text, got {_describe(value)}")
    return value


def _numbers(node: yaml.Node, where: str, count: int | None = None) -> list[float]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Problem(node, where, f"must be a list of numbers, got {_describe(_scalar(node))}")
    if count is not None and len(node.value) != count:
        raise _Problem(node, where, f"must be a list of {count} numbers, got {len(node.value)}")
    return [_number(item, f"{where}[{i}]") for i, item in enumerate(node.value)]


def _choice(choices: tuple[str, ...]) -> Callable[[yaml.Node, str], str]:
    def check(node: yaml.Node, where: str) -> str:
        value = _text(node, where).lower()
        if value not in choices:
            raise _Problem(node, where, f"must be one of {', '.join(choices)}, got "
                                        f"'{value}'{_hint(value, choices)}")
        return value

    return check


def _sweep(node: yaml.Node, where: str) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _text(node, where)
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        raise _Problem(node, where, "must be one parameter and its values, e.g. "
                                    "{alpha: [0.5, 1, 2]}")
    (key, _, values), = _items(node, where)
    if not isinstance(values, yaml.SequenceNode) or not values.value:
        raise _Problem(values, f"{where}.{key}", "must be a non-empty list of values")
    return key, tuple(_scalar(v) for v in values.value)


def _size(node: yaml.Node, where: str) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _text(node, where)
    return _numbers(node, where, 2)


def _points(node: yaml.Node, where: str) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return _numbers(node, where)
    return _text(node, where)


def _names(node: yaml.Node, where: str) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_text(item, f"{where}[{i}]") for i, item in enumerate(node.value)]
    return _text(node, where)


READERS: dict[str, Callable[[yaml.Node, str], Any]] = {
    "number": _number,
    "integer": _integer,
    "flag": _flag,
    "text": _text,
    "pair": lambda node, where: _numbers(node, where, 2),
    "points": _points,
    "sweep": _sweep,
    "step": _number,
    "size": _size,
    "names": _names,
}
"""How a YAML node of each kind of option value is read (choices: :func:`_choice`)."""


def _read(option: Option, node: yaml.Node, where: str) -> Any:
    """The value of ``option`` at ``node``, read and checked."""
    kind: Kind = option.kind
    read = _choice(kind.choices) if kind.name == "choice" else READERS[kind.name]
    value = read(node, where)
    try:
        return option.convert(value)
    except ActvizError as exc:
        raise _Problem(node, where, str(exc)) from None


def _yaml_options(kind: JobKind) -> dict[str, tuple[Option, bool]]:
    """The YAML keys of a kind: each option's name, and its ``inverse`` key (True)."""
    keys: dict[str, tuple[Option, bool]] = {}
    for option in kind.command.yaml_options:
        keys[option.name] = (option, False)
        if option.inverse:
            keys[option.inverse] = (option, True)
    return keys


def _read_key(kind: JobKind, key: str, node: yaml.Node, where: str) -> tuple[str, Any]:
    """(option name, value) of the YAML key ``key`` of a ``kind`` job."""
    option, inverse = _yaml_options(kind)[key]
    value = _read(option, node, where)
    return option.name, (not value) if inverse else value


# --- the document -------------------------------------------------------------------------------

def _function(node: yaml.Node, where: str, scope: Scope) -> str:
    """A function entry, a spec string or ``{name: ..., params: {...}}``, as a spec."""
    if isinstance(node, yaml.ScalarNode):
        spec = _text(node, where)
    elif isinstance(node, yaml.MappingNode):
        spec = _function_entry(node, where)
    else:
        raise _Problem(node, where, "must be a spec string or {name: ..., params: {...}}")
    spec = tidy(spec)
    try:
        get(spec, scope=scope)
    except ActvizError as exc:
        raise _Problem(node, where, _inline(str(exc))) from None
    return spec


def _function_entry(node: yaml.MappingNode, where: str) -> str:
    """``{name: elu, params: {alpha: 0.5}}`` as ``elu:alpha=0.5``."""
    name, params = None, {}
    for key, key_node, value in _items(node, where):
        if key == "name":
            name = _text(value, f"{where}.name")
        elif key == "params":
            params = _params(value, f"{where}.params")
        else:
            raise _Problem(key_node, where, f"unknown key '{key}' in a function entry; "
                                            "use name and params")
    if name is None:
        raise _Problem(node, where, "a function entry needs a 'name'")
    return name + (":" + ",".join(f"{k}={param_text(v)}" for k, v in params.items())
                   if params else "")


def _params(node: yaml.Node, where: str) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        raise _Problem(node, where, "must be a mapping of parameter names to values")
    params = {}
    for pname, _, pvalue in _items(node, where):
        scalar = _scalar(pvalue)
        if isinstance(scalar, yaml.Node) or scalar is None:
            raise _Problem(pvalue, f"{where}.{pname}", "must be a number or a word")
        params[pname] = scalar
    return params


def load(path: str | Path, output_dir: str | Path | None = None) -> Config:
    """Read and validate the config at ``path``; raise :class:`ConfigError` listing every
    problem found. ``output_dir`` (from the command line) overrides the file's and may be
    anywhere; the file's must be a relative folder inside the current directory."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{source}: cannot read: {exc}"]) from None
    if len(data) > MAX_BYTES:
        raise ConfigError([f"{source}: a config is at most {MAX_BYTES // 2**20} MB; this one "
                           "is larger (split it into several files)"])
    try:
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise ConfigError([f"{source}: YAML nested too deeply to be a config"]) from None
    except _TooLarge as exc:
        raise ConfigError([f"{source}:{exc.line}: the YAML expands to more than {MAX_NODES} "
                           "nodes (each alias counts as the node it names); a config is at "
                           "most that large (split it into several files)"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{source}:{line}: YAML syntax error: {exc.problem or exc}"]) \
            from None
    except yaml.reader.ReaderError as exc:  # a control character: say where, in one line
        before = text[:exc.position]
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError([f"{source}:{line}: YAML syntax error: character #x{character:04x} "
                           f"at column {column} is not allowed in YAML (a control "
                           "character)"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}:1: YAML syntax error: "
                           + " ".join(str(exc).split())]) from None
    problems: list[_Problem] = []
    config = _document(root, problems, output_dir)
    if problems:
        raise ConfigError([p.text(source) for p in sorted(problems, key=lambda p: p.line)])
    assert config is not None
    config.source = source
    return config


def _document(root: yaml.Node | None, problems: list[_Problem],
              override: str | Path | None) -> Config | None:
    if not isinstance(root, yaml.MappingNode):
        problems.append(_Problem(root, "", "the top level must be a mapping with a 'jobs' "
                                           "list (and optional output_dir, defaults, "
                                           "define)"))
        return None
    sections: dict[str, yaml.Node] = {}
    try:
        for key, key_node, value in _items(root, ""):
            if key not in TOP_KEYS:
                problems.append(_Problem(key_node, key, "unknown key" + (
                    _hint(key, TOP_KEYS) or f"; the top level takes {', '.join(TOP_KEYS)}")))
            sections[key] = value
    except _Problem as problem:
        problems.append(problem)
        return None
    out = _output_dir(sections.get("output_dir"), problems, override)
    defaults = _defaults(sections.get("defaults"), problems)
    scope = _define(sections.get("define"), problems)
    jobs_node = sections.get("jobs")
    if jobs_node is None:
        problems.append(_Problem(root, "", "missing 'jobs': a list of jobs to run"))
        return None
    if not isinstance(jobs_node, yaml.SequenceNode) or not jobs_node.value:
        problems.append(_Problem(jobs_node, "jobs", "must be a non-empty list of jobs"))
        return None
    jobs = []
    for i, node in enumerate(jobs_node.value):
        job = _job(node, f"jobs[{i}]", defaults, problems, scope)
        if job is not None:
            jobs.append(job)
    _unique_files(jobs, problems)
    return Config("", out, jobs, scope)


DEFINE_KEYS = ("formula", "params", "title")


def _define(node: yaml.Node | None, problems: list[_Problem]) -> Scope:
    """The functions of the ``define:`` section, each a formula in x (a text, or
    ``{formula: ..., params: {...}, title: ...}``); each may use those defined before it."""
    scope: Scope = {}
    if node is None:
        return scope
    if not isinstance(node, yaml.MappingNode):
        problems.append(_Problem(node, "define", "must be a mapping of names to formulas"))
        return scope
    try:
        items = list(_items(node, "define"))
    except _Problem as problem:
        problems.append(problem)
        return scope
    for name, _, value in items:
        where = f"define.{name}"
        try:
            formula, params, title = _definition(value, where)
            scope[name] = define(name, formula, params, title, scope=dict(scope))
        except _Problem as problem:
            problems.append(problem)
        except ActvizError as exc:
            problems.append(_Problem(value, where, _inline(str(exc))))
    return scope


def _definition(node: yaml.Node, where: str) -> tuple[str, dict[str, Any], str | None]:
    """(formula, parameters and defaults, title) of one entry of ``define:``."""
    if isinstance(node, yaml.ScalarNode):
        return _text(node, where), {}, None
    if not isinstance(node, yaml.MappingNode):
        raise _Problem(node, where, "must be a formula, or {formula: ..., params: {...}, "
                                    "title: ...}")
    formula, params, title = None, {}, None
    for key, key_node, value in _items(node, where):
        if key == "formula":
            formula = _text(value, f"{where}.formula")
        elif key == "params":
            params = {k: _number(v, f"{where}.params.{k}")
                      for k, _, v in _items(_mapping(value, f"{where}.params"),
                                            f"{where}.params")}
        elif key == "title":
            title = _text(value, f"{where}.title")
        else:
            raise _Problem(key_node, where, f"unknown key '{key}'{_hint(key, DEFINE_KEYS)}; "
                                            f"a definition takes {', '.join(DEFINE_KEYS)}")
    if formula is None:
        raise _Problem(node, where, "a definition needs a 'formula'")
    return formula, params, title


def _mapping(node: yaml.Node, where: str) -> yaml.MappingNode:
    if not isinstance(node, yaml.MappingNode):
        raise _Problem(node, where, "must be a mapping of parameter names to numbers")
    return node


def _output_dir(node: yaml.Node | None, problems: list[_Problem],
                override: str | Path | None) -> Path:
    if override is not None:
        return Path(override)
    if node is None:
        return Path("output")
    try:
        text = _text(node, "output_dir")
    except _Problem as problem:
        problems.append(problem)
        return Path("output")
    if "\0" in text:
        problems.append(_Problem(node, "output_dir", "must not contain a NUL character"))
        return Path("output")
    folder = Path(text)
    inside = Path.cwd().resolve()
    target = (inside / folder).resolve()
    if folder.is_absolute() or (target != inside and inside not in target.parents):
        problems.append(_Problem(node, "output_dir", f"must be a relative folder inside the "
                                                     f"current directory, got '{text}'"))
    return folder


def _defaults(node: yaml.Node | None, problems: list[_Problem]) -> dict[str, Any]:
    """Checked defaults: for each key, its (option name, value) per kind that takes it."""
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.append(_Problem(node, "defaults", "must be a mapping of option names to "
                                                   "values"))
        return {}
    defaults: dict[str, Any] = {}
    try:
        items = list(_items(node, "defaults"))
    except _Problem as problem:
        problems.append(problem)
        return {}
    for key, key_node, value in items:
        where = f"defaults.{key}"
        kinds = _kinds_taking(key)
        if key in JOB_KEYS:
            problems.append(_Problem(key_node, where, f"'{key}' belongs to each job, not to "
                                                      "defaults"))
            continue
        if not kinds:
            problems.append(_unknown_option(key_node, "defaults", key, None))
            continue
        per_kind, errors = {}, []
        for kind in kinds:
            try:
                per_kind[kind] = _read_key(KINDS[kind], key, value, where)
            except _Problem as problem:
                errors.append(problem)
        # A default format applies to the kinds it suits (png to plots, csv to tables); any
        # other option must suit every kind that takes it.
        if errors and (not per_kind or key != "format"):
            problems.append(errors[0])
        else:
            defaults[key] = per_kind
    return defaults


def _kinds_taking(key: str) -> list[str]:
    return [name for name, kind in KINDS.items() if key in _yaml_options(kind)]


def _unknown_option(key_node: yaml.Node, where: str, key: str, kind: str | None) -> _Problem:
    if kind is not None and any(o.name == key and not o.yaml
                                for o in KINDS[kind].command.options):
        return _Problem(key_node, where, f"'{key}' is an option of the command line only; in "
                                         "a config, 'name' and output_dir say where a job "
                                         "writes")
    others = _kinds_taking(key)
    if kind is not None and others:
        return _Problem(key_node, where, f"'{key}' is not an option of a {kind} job (it is of "
                                         f"{', '.join(others)})")
    kinds = KINDS.values() if kind is None else [KINDS[kind]]
    known = sorted({*JOB_KEYS, *(o for k in kinds for o in _yaml_options(k))})
    return _Problem(key_node, where, f"unknown key '{key}'{_hint(key, known)}")


def _job(node: yaml.Node, where: str, defaults: dict[str, Any],
         problems: list[_Problem], scope: Scope) -> Job | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(_Problem(node, where, "a job must be a mapping with kind and "
                                              "functions"))
        return None
    try:
        entries = {key: (key_node, value) for key, key_node, value in _items(node, where)}
    except _Problem as problem:
        problems.append(problem)
        return None
    found = len(problems)
    if "kind" not in entries:
        problems.append(_Problem(node, where, f"missing 'kind' ({', '.join(KINDS)})"))
        return None
    try:
        kind = KINDS[_choice(tuple(KINDS))(entries["kind"][1], f"{where}.kind")]
    except _Problem as problem:
        problems.append(problem)
        return None
    if "functions" not in entries:
        problems.append(_Problem(node, where, "missing 'functions': a list of specs"))
    given = dict(per_kind[kind.name] for per_kind in defaults.values()
                 if kind.name in per_kind)
    name, functions = _job_entries(kind, entries, where, given, problems, scope)
    if len(problems) > found:
        return None
    explicit = {option for key in entries if key in _yaml_options(kind)
                for option in [_yaml_options(kind)[key][0].name]}
    options = kind.command.filled(given, explicit, scope)
    try:
        kind.check(functions, options)
    except ActvizError as exc:
        problems.append(_Problem(entries["functions"][1], f"{where}.functions",
                                 _inline(str(exc))))
        return None
    stem = name or kind.stem(functions, options)
    return Job(kind.name, stem, functions, options, _line(node), where,
               kind.files(stem, options))


def _job_entries(kind: JobKind, entries: dict[str, tuple[yaml.Node, yaml.Node]], where: str,
                 given: dict[str, Any], problems: list[_Problem],
                 scope: Scope) -> tuple[str | None, list[str]]:
    """Read a job's keys: its name and functions are returned, its options go to ``given``,
    problems to ``problems``."""
    name, functions = None, []
    keys = _yaml_options(kind)
    for key, (key_node, value) in entries.items():
        path = f"{where}.{key}"
        try:
            if key == "name":
                name = _stem(value, path)
            elif key == "functions":
                functions = _functions(value, path, problems, scope)
            elif key in keys:
                option, converted = _read_key(kind, key, value, path)
                given[option] = converted
            elif key != "kind":
                problems.append(_unknown_option(key_node, where, key, kind.name))
        except _Problem as problem:
            problems.append(problem)
    return name, functions


def _stem(node: yaml.Node, where: str) -> str:
    name = _text(node, where)
    if not NAME.fullmatch(name) or ".." in name:
        raise _Problem(node, where, "must be a file stem of letters, digits, - _ and ., got "
                                    f"'{name}'")
    return name


def _functions(node: yaml.Node, where: str, problems: list[_Problem],
               scope: Scope) -> list[str]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise _Problem(node, where, "must be a non-empty list of functions")
    specs = []
    for i, item in enumerate(node.value):
        try:
            specs.append(_function(item, f"{where}[{i}]", scope))
        except _Problem as problem:
            problems.append(problem)
    return specs


def _unique_files(jobs: list[Job], problems: list[_Problem]) -> None:
    owners: dict[str, Job] = {}
    for job in jobs:
        for name in job.files:
            first = owners.setdefault(name, job)
            if first is not job:
                problems.append(_Problem(job.line, job.path, f"writes {name}, as {first.path} "
                                                             f"(line {first.line}) does; give "
                                                             "one of them another name"))
