"""The shape of the package: imports run one way (no cycle, function-local imports counted),
modules stay small enough to read, and the formula language's reserved words are one fact."""

from __future__ import annotations

import ast
import graphlib
import keyword
from pathlib import Path

import pytest

import actviz
from actviz.errors import FormulaError, ParameterError

ROOT = Path(actviz.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING",
                                                                   "typing.TYPE_CHECKING")


def _imports(name: str) -> set[str]:
    """The modules of actviz that ``name`` imports, wherever the import statement stands
    (inside a function too), except under ``if TYPE_CHECKING:``, which never runs."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base) if node.level \
                else (node.module or "")
            for alias in node.names:  # `from . import x` imports the module x
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in MODULES and m != name}


def _cycle() -> list[str]:
    """A cycle of imports among the modules of actviz (the first module last again), or []."""
    graph = {name: _imports(name) for name in MODULES}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def test_the_import_graph_is_read_right():
    """The checker sees the imports it must: top-level, relative, and function-local ones
    (actviz.specs imports the formula engine only when a formula is used)."""
    assert "actviz.catalog._core" in _imports("actviz.formula.nodes")
    assert "actviz.formula.compile" in _imports("actviz.specs")  # inside get()
    assert "actviz.formula.compile" in _imports("actviz.catalog._plugins")  # inside define()
    assert "actviz.formula.nodes" not in _imports("actviz.formula.chain")  # TYPE_CHECKING only


def test_no_import_cycle_in_actviz():
    assert _cycle() == []


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith(
    ("actviz.render", "actviz.analysis", "actviz.meanfield"))])
def test_the_science_and_drawing_layers_do_not_load_the_command_lines_declarations(name):
    """Below the command line, options arrive checked (actviz.resolved.Options): no module
    of render/, analysis/ or meanfield/ imports actviz.options (help texts, checks) or the
    command line."""
    assert not _imports(name) & {"actviz.options", "actviz.cli", "actviz.config"}


def test_the_formula_engine_depends_on_nothing_above_it():
    """actviz.formula takes the lookup of names as a function: it never imports the
    resolution of specs, the plugins, or the catalog's package (which re-exports them)."""
    for name in MODULES:
        if name.startswith("actviz.formula"):
            above = {m for m in _imports(name) if m in ("actviz.specs", "actviz.catalog",
                                                        "actviz.catalog._plugins")}
            assert not above, (name, above)


STAGES = ("jet", "elementary", "syntax", "latex", "parser", "chain", "intervals", "nodes",
          "bind", "structure", "rewrite", "explain", "bound", "activation", "compile")
"""The formula engine's modules in the order of actviz/formula/__init__.py's docstring."""


def test_each_stage_of_the_formula_engine_imports_only_earlier_ones():
    package = {m.rpartition(".")[2] for m in MODULES if m.startswith("actviz.formula.")}
    assert package == set(STAGES)
    for i, stage in enumerate(STAGES):
        inside = {m.rpartition(".")[2] for m in _imports(f"actviz.formula.{stage}")
                  if m.startswith("actviz.formula.")}
        assert inside <= set(STAGES[:i]), (stage, inside - set(STAGES[:i]))


@pytest.mark.parametrize("path", list(MODULES.values()),
                         ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_every_module_stays_under_800_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 800


# --- the reserved words: one fact ------------------------------------------------------------

def test_reserved_words_are_the_grammars_tables():
    """The plugin and parameter checks use the grammar's own set, which is the union of its
    tables: the variable, the constants, the logical operators, min/max/where and the
    elementary functions."""
    from actviz.formula import elementary, parser, syntax

    assert {"x", "pi", "e", "and", "or", "not", "min", "max", "where",
                               "exp", "log", "log1p", "expm1", "sqrt", "abs", "sin", "cos",
                               "tan", "sinh", "cosh", "erf", "erfc"} == syntax.RESERVED
    assert {syntax.VARIABLE, *syntax.CONSTANTS, *syntax.LOGICAL,
                               *syntax.SPECIAL_FUNCTIONS, *elementary.ELEMENTARY} == syntax.RESERVED
    assert parser.RESERVED is syntax.RESERVED
    import actviz.catalog._plugins as plugins

    assert not hasattr(plugins, "RESERVED")  # no second copy


@pytest.mark.parametrize("word", sorted(
    {"x", "pi", "e", "and", "or", "not", "min", "max", "where", "exp", "log", "log1p",
     "expm1", "sqrt", "abs", "sin", "cos", "tan", "sinh", "cosh", "erf", "erfc"}))
def test_every_word_the_parser_gives_a_meaning_is_refused_as_a_name(word):
    """Each reserved word does mean something to the parser (it parses as part of a
    formula), and so can name neither a function nor a parameter."""
    uses = {"x": "x", "pi": "pi*x", "e": "e*x", "and": "where(x > 0 and x < 1, x, 0)",
            "or": "where(x < 0 or x > 1, x, 0)", "not": "where(not x > 0, x, 0)",
            "min": "min(x, 0)", "max": "max(x, 0)", "where": "where(x > 0, x, 0)"}
    actviz.get(uses.get(word, f"{word}(x*x + 2)"))
    with pytest.raises(ParameterError, match="a formula uses that word"):
        actviz.define(word, "x*x")
    refused = "is not allowed as" if keyword.iskeyword(word) else "cannot be"
    with pytest.raises(FormulaError, match=f"'{word}' {refused} a parameter name"):
        actviz.get(f"x*{word}; {word}=1")


def test_a_word_outside_the_grammar_is_free():
    """A word the grammar does not know (nor Python) names a parameter and a function."""
    assert not keyword.iskeyword("gain")
    assert actviz.get("gain*x; gain=2")(1.0) == 2.0
    assert actviz.define("gain", "2*x").name == "gain"
