"""What a Jinja template reads and prints: the analysis behind ``templates check`` and the
names in render's undefined-field messages.

Dotted paths a template's syntax tree reads (:func:`jinja_paths`, loop variables resolved to their iterable),
how each official figure is used (:func:`figure_uses`: placed, conditional, modified), and the
path an undefined-value error stands for (:func:`undefined_field`).  Nothing here affects how a
template is prepared, so it is not part of the prepared-template cache key."""

from __future__ import annotations

import re

from jinja2 import nodes


def _tree(source):
    """A template's syntax tree, parsed by the caller with the environment that compiles it
    (``templating.jinja.environment().parse``): the analysis reads trees and never builds one, so
    the engine can use it (undefined-field messages) without the two importing each other."""
    if isinstance(source, str):
        raise TypeError("parse the template first: templating.jinja.environment().parse(source)")
    return source


def _locals(tree) -> dict:
    """Names a template defines itself (``set``, macros and their arguments, ``with``): not fields."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names |= {m.name for m in tree.find_all(nodes.Macro)}
    return {n: None for n in names} | {"loop": None, "caller": None, "varargs": None, "kwargs": None}


def _path_of(node, scope: dict) -> str | None:
    """``a.b["c"]`` → "a.b.c" (a loop variable replaced by its iterable's path + "[]")."""
    parts = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
            node = node.node
        else:
            break
    if not isinstance(node, nodes.Name) or node.ctx != "load":
        return None
    head = scope.get(node.name, node.name)
    if head is None:
        return None
    return ".".join([head] + parts[::-1])


def _loop_scope(node, scope: dict) -> dict:
    it = _path_of(node.iter, scope)
    inner = dict(scope)
    for t in (node.target.items if isinstance(node.target, nodes.Tuple) else [node.target]):
        if isinstance(t, nodes.Name):
            inner[t.name] = f"{it}[]" if it else None
    return inner


def undefined_field(tree, message: str, lineno: int | None = None) -> str:
    """The dotted path the template (its syntax ``tree``) wrote for an undefined-value error's ``message``
    ("'dict object' has no attribute 'natual'"): one written on line ``lineno`` first, then any
    whose parts hold the name; the name itself when none does."""
    m = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
    if m is None:
        return message
    attr = m.group(1) or m.group(2)
    paths = jinja_paths(tree)
    hits = [p for p, _ in paths if attr in p.split(".")]
    near = [p for p, line in paths if line == lineno and p in hits]
    return (near or hits or [attr])[0]


def jinja_paths(source):
    """Dotted paths a Jinja template's syntax tree reads: ``[(path, lineno)]``; loop variables
    resolve to ``iterable[]`` (``s.title`` in ``for s in doc.sections`` → ``doc.sections[].title``);
    names the template defines itself are not reported."""
    tree = _tree(source)
    found: list[tuple[str, int]] = []

    def visit(node, scope):
        if isinstance(node, nodes.For):
            inner = _loop_scope(node, scope)
            visit(node.iter, scope)
            for child in node.body + node.else_ + ([node.test] if node.test else []):
                visit(child, inner)
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) and getattr(node, "ctx", "load") == "load":
            p = _path_of(node, scope)
            if p is not None:
                found.append((p, node.lineno))
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(tree, _locals(tree))
    return found


#: filters that print an official figure exactly as computed (``{{ path|string }}``)
EXACT_FILTERS = frozenset({"string", "e", "escape"})
_NOT_PRINTED = ("Compare", "Test", "Not")  # a figure here decides, it is not printed


def figure_uses(source, figures) -> dict[str, list[tuple[str, int]]]:
    """How a template uses each official figure: ``{path: [(how, lineno)]}`` with ``how``
    "placed" (a plain ``{{ path }}`` the template always reaches), "conditional" (a plain one
    inside a condition or a loop), "modified" (printed or bound after arithmetic, a filter other
    than ``string``/``e``, a concatenation, a macro argument …).  Code the template never
    reaches -- ``{% if false %}``, a loop over ``[]``, a macro nobody calls -- places nothing."""
    tree = _tree(source)
    walk = _FigureWalk(tree, figures)
    walk.body(tree.body, _locals(tree), False)
    return walk.uses


def _const(node):
    """``(True, value)`` for an expression known before the template runs, else ``(False, None)``."""
    try:
        return True, node.as_const()
    except Exception:  # noqa: BLE001 -- jinja2.nodes.Impossible, or the constant itself fails
        return False, None


def _exact(node):
    """The expression a chain of exact filters (``x|string|e``) prints unchanged."""
    while isinstance(node, nodes.Filter) and node.name in EXACT_FILTERS and node.node is not None \
            and not node.args and not node.kwargs:
        node = node.node
    return node


def _printed_children(node):
    """The expressions the ``{{ … }}`` inside a block statement print (its text left out)."""
    for out in node.find_all(nodes.Output):
        for child in out.nodes:
            if not isinstance(child, nodes.TemplateData):
                yield child


class _FigureWalk:
    """One walk of a template for :func:`figure_uses`: statements in the order they run, macros
    entered where they are called, each figure noted with how it is used."""

    def __init__(self, tree, figures):
        self.figures = set(figures)
        self.uses: dict[str, list[tuple[str, int]]] = {}
        self.macros = {m.name: m for m in tree.find_all(nodes.Macro)}
        self.visiting: set[str] = set()

    def note(self, path, how, lineno):
        if path in self.figures:
            self.uses.setdefault(path, []).append((how, lineno))

    def macro_called(self, node) -> str | None:
        """The name of the template's own macro ``node`` calls (``cell()``), if it is one."""
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in self.macros:
            return node.node.name
        return None

    # -- expressions

    def value(self, node, scope, how="modified"):
        """Figures inside an expression whose value is printed or kept: all count as ``how``."""
        if type(node).__name__ in _NOT_PRINTED:
            return self.decide(node, scope)
        if isinstance(node, nodes.CondExpr):
            self.decide(node.test, scope)
            for branch in (node.expr1, node.expr2):
                if branch is not None:
                    self.value(branch, scope, how)
            return
        name = self.macro_called(node)
        if name is not None:
            self.called(name, scope, True)
        p = _path_of(node, scope) if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) else None
        if p is not None:
            self.note(p, how, node.lineno)
            return
        for child in node.iter_child_nodes():
            self.value(child, scope, how)

    def decide(self, node, scope):
        """An expression that only decides (a condition): figures in it are fine."""
        for child in node.find_all(nodes.Call):
            name = self.macro_called(child)
            if name is not None:
                self.called(name, scope, True)

    def called(self, name, scope, conditional):
        if name in self.visiting:
            return
        self.visiting.add(name)
        self.body(self.macros[name].body, scope, conditional)
        self.visiting.discard(name)

    def printed(self, node, scope, conditional):
        """``{{ node }}``: a figure printed exactly is placed (or conditional), else modified."""
        name = self.macro_called(node)
        if name is not None:
            self.called(name, scope, conditional)  # {{ cell() }}: the macro prints here
            for arg in node.args + [kw.value for kw in node.kwargs]:
                self.value(arg, scope)
            return
        exact = _exact(node)
        p = _path_of(exact, scope) if isinstance(exact, (nodes.Getattr, nodes.Getitem)) else None
        if p in self.figures:
            self.note(p, "conditional" if conditional else "placed", node.lineno)
        else:
            self.value(node, scope)

    # -- statements

    def body(self, statements, scope, conditional):
        for node in statements:
            self.statement(node, scope, conditional)

    def statement(self, node, scope, conditional):
        for kind, step in _STATEMENT_STEPS:
            if isinstance(node, kind):
                return step(self, node, scope, conditional)
        return self.other(node, scope, conditional)

    def output(self, node, scope, conditional):
        for child in node.nodes:
            if not isinstance(child, nodes.TemplateData):
                self.printed(child, scope, conditional)

    def if_(self, node, scope, conditional):
        self.decide(node.test, scope)
        known, test = _const(node.test)
        if known:
            return self.if_known(node, bool(test), scope, conditional)
        for branch in node.elif_:
            self.decide(branch.test, scope)
        for stmts in [node.body] + [e.body for e in node.elif_] + [node.else_]:
            self.body(stmts, scope, True)

    def if_known(self, node, test, scope, conditional):
        """``{% if false %}``, ``{% if true %}``: only the branch taken is reached."""
        if test:
            self.body(node.body, scope, conditional)
        elif node.elif_:
            first = node.elif_[0]
            self.statement(nodes.If(first.test, first.body, node.elif_[1:], node.else_, lineno=first.lineno),
                           scope, conditional)
        else:
            self.body(node.else_, scope, conditional)

    def for_(self, node, scope, conditional):
        known, items = _const(node.iter)
        inner = _loop_scope(node, scope)
        self.value(node.iter, scope, "modified")
        if not (known and not items):  # a loop over [] never runs its body
            self.body(node.body, inner, True)
        self.body(node.else_, scope, True)

    def macro(self, node, scope, conditional):
        """A macro's body is reached where it is called, not where it is defined."""

    def call_block(self, node, scope, conditional):
        self.value(node.call, scope)
        self.body(node.body, scope, True)

    def filter_block(self, node, scope, conditional):
        """``{% filter f %}…``: its output passes through the filter (exact ones keep it placed)."""
        exact = node.filter.name in EXACT_FILTERS and not node.filter.args and not node.filter.kwargs
        for child in _printed_children(node):
            if exact:
                self.printed(child, scope, True)
            else:
                self.value(child, scope)

    def assign_block(self, node, scope, conditional):
        """``{% set x %}…{% endset %}``: bound, not printed."""
        for child in _printed_children(node):
            self.value(child, scope)

    def bound(self, node, scope, conditional):
        """``{% set %}``, ``{% with %}``, ``{% do %}``: their expressions are kept, their bodies run."""
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.value(child, scope)
            else:
                self.statement(child, scope, conditional)

    def other(self, node, scope, conditional):
        """Any other statement (``autoescape``, ``scope`` …): its statements run, its expressions are kept."""
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Stmt):
                self.statement(child, scope, conditional)
            elif isinstance(child, nodes.Expr):
                self.value(child, scope)


#: how :meth:`_FigureWalk.statement` reads each kind of statement (the first that matches)
_STATEMENT_STEPS = (
    (nodes.Output, _FigureWalk.output),
    (nodes.If, _FigureWalk.if_),
    (nodes.For, _FigureWalk.for_),
    (nodes.Macro, _FigureWalk.macro),
    (nodes.CallBlock, _FigureWalk.call_block),
    (nodes.FilterBlock, _FigureWalk.filter_block),
    (nodes.AssignBlock, _FigureWalk.assign_block),
    ((nodes.Assign, nodes.With, nodes.ExprStmt), _FigureWalk.bound),
)
