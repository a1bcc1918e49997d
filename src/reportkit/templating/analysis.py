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
    figures = set(figures)
    uses: dict[str, list[tuple[str, int]]] = {}
    macros = {m.name: m for m in tree.find_all(nodes.Macro)}
    visiting: set[str] = set()

    def const(node):
        try:
            return True, node.as_const()
        except Exception:  # noqa: BLE001 -- jinja2.nodes.Impossible, or the constant itself fails
            return False, None

    def note(path, how, lineno):
        if path in figures:
            uses.setdefault(path, []).append((how, lineno))

    def value(node, scope, how="modified"):
        """Figures inside an expression whose value is printed or kept: all count as ``how``."""
        if type(node).__name__ in _NOT_PRINTED:
            return decide(node, scope)
        if isinstance(node, nodes.CondExpr):
            decide(node.test, scope)
            for branch in (node.expr1, node.expr2):
                if branch is not None:
                    value(branch, scope, how)
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            called(node.node.name, scope, True)
        p = _path_of(node, scope) if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)) else None
        if p is not None:
            note(p, how, node.lineno)
            return
        for child in node.iter_child_nodes():
            value(child, scope, how)

    def decide(node, scope):
        """An expression that only decides (a condition): figures in it are fine."""
        for child in node.find_all(nodes.Call):
            if isinstance(child.node, nodes.Name) and child.node.name in macros:
                called(child.node.name, scope, True)

    def called(name, scope, conditional):
        if name in visiting:
            return
        visiting.add(name)
        body(macros[name].body, scope, conditional)
        visiting.discard(name)

    def printed(node, scope, conditional):
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in macros:
            called(node.node.name, scope, conditional)  # {{ cell() }}: the macro prints here
            for arg in node.args + [kw.value for kw in node.kwargs]:
                value(arg, scope)
            return
        exact = node
        while isinstance(exact, nodes.Filter) and exact.name in EXACT_FILTERS and exact.node is not None \
                and not exact.args and not exact.kwargs:
            exact = exact.node
        p = _path_of(exact, scope) if isinstance(exact, (nodes.Getattr, nodes.Getitem)) else None
        if p in figures:
            note(p, "conditional" if conditional else "placed", node.lineno)
        else:
            value(node, scope)

    def body(statements, scope, conditional):
        for node in statements:
            statement(node, scope, conditional)

    def statement(node, scope, conditional):
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    printed(child, scope, conditional)
        elif isinstance(node, nodes.If):
            decide(node.test, scope)
            known, test = const(node.test)
            if known:  # {% if false %}: only the branch taken is reached
                if test:
                    body(node.body, scope, conditional)
                elif node.elif_:
                    first = node.elif_[0]
                    statement(nodes.If(first.test, first.body, node.elif_[1:], node.else_, lineno=first.lineno),
                              scope, conditional)
                else:
                    body(node.else_, scope, conditional)
                return
            for branch in node.elif_:
                decide(branch.test, scope)
            for stmts in [node.body] + [e.body for e in node.elif_] + [node.else_]:
                body(stmts, scope, True)
        elif isinstance(node, nodes.For):
            known, items = const(node.iter)
            inner = _loop_scope(node, scope)
            value(node.iter, scope, "modified")
            if not (known and not items):
                body(node.body, inner, True)
            body(node.else_, scope, True)
        elif isinstance(node, nodes.Macro):
            return  # reached when called
        elif isinstance(node, nodes.CallBlock):
            value(node.call, scope)
            body(node.body, scope, True)
        elif isinstance(node, nodes.FilterBlock):  # its output passes through the filter
            exact = node.filter.name in EXACT_FILTERS and not node.filter.args and not node.filter.kwargs
            for out in node.find_all(nodes.Output):
                for child in out.nodes:
                    if isinstance(child, nodes.TemplateData):
                        continue
                    if exact:
                        printed(child, scope, True)
                    else:
                        value(child, scope)
        elif isinstance(node, nodes.AssignBlock):  # {% set x %}…{% endset %}: bound, not printed
            for out in node.find_all(nodes.Output):
                for child in out.nodes:
                    if not isinstance(child, nodes.TemplateData):
                        value(child, scope)
        elif isinstance(node, (nodes.Assign, nodes.With, nodes.ExprStmt)):
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    value(child, scope)
                else:
                    statement(child, scope, conditional)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Stmt):
                    statement(child, scope, conditional)
                elif isinstance(child, nodes.Expr):
                    value(child, scope)

    body(tree.body, _locals(tree), False)
    return uses
