"""The Jinja2 environment for Word templates: sandboxed, autoescaping, strict, budgeted.

A template is untrusted input.  Jinja2's ``ImmutableSandboxedEnvironment`` refuses Python
internals (``''.__class__.__mro__`` raises ``SecurityError``) and any change to the report data
(``doc.preface.clear()``: the same context then fills the workbook); ``StrictUndefined`` makes
an unknown field an error instead of printing nothing; autoescape prints text from the data
literally in the XML.

The sandbox bounds no time or memory, so every render runs under a :class:`Budget` (the
:class:`~reportkit.limits.TemplateLimits` of the call), checked where a template can spend:

* time: at every step of every ``{% for %}`` loop, every call (functions, methods, macros),
  every filter, every piece of output (also inside macros and ``{% set %}`` blocks) and every
  item an iterator-returning filter yields;
* memory: what the template makes is charged against the allowance -- each output piece, and
  each value returned by a call, a filter, an operator, a ``~`` concatenation or a list/dict
  literal (containers at their expanded size, so ``[a, a]`` doubling is charged as it grows);
  operations that can multiply their input in one step are estimated *before* they run and
  refused when the estimate does not fit: ``*``, ``**``, ``%``, ``str.format``, ``center``,
  ``ljust``/``rjust``/``zfill``, ``expandtabs``, ``replace``, ``join``, ``translate``,
  ``int.to_bytes``, the filters ``center``, ``indent``, ``wordwrap``, ``format``, ``replace``,
  ``join``, ``batch``, ``slice``, ``sum``, the container-building filters on strings, and the
  filters that walk their input in Python (``title``, ``urlize``, ``pprint``) at a multiple of it.
  Integers made by ``*``/``**`` are kept below :data:`MAX_INT_BITS` (long multiplication is
  slow before it is big).  ``lipsum`` is removed.

Constant folding at compile time cannot run any of this: the budgeted operators are not folded
(Jinja2 skips intercepted operators) and the filters are wrapped as ``pass_context`` (Jinja2
never folds those), so compiling a hostile template is as cheap as compiling any other.

The hooks are the documented extension points of Jinja2's sandbox (``call``, ``call_binop``
with ``intercepted_binops``) and of its compiler (``code_generator_class``: the syntax tree is
rewritten before code generation so loops, ``~`` and literals pass through the budget, and
buffers -- macro bodies, ``{% set %}`` and ``{% filter %}`` blocks -- are budgeted lists).
The budget of the render in progress is a context variable, so one compiled template serves
any number of threads and any limits; ``Template.render`` outside reportkit's own renders runs
under the default limits.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Mapping, Sized
from contextvars import ContextVar
from functools import update_wrapper
from types import BuiltinMethodType, MethodType

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError, nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from ..limits import DEFAULT_LIMITS, TemplateLimits
from .analysis import undefined_field
from ..errors import TemplateError as ReportTemplateError, UnsafeTemplateError

#: bits an integer made by ``*`` or ``**`` may have (about 30,000 decimal digits)
MAX_INT_BITS = 100_000
#: bytes charged per element when a filter turns a string into a container of characters
_PER_ITEM = 56
#: the factor charged for filters that walk their input word by word in Python
#: (``title``, ``urlize``, ``pprint``: about 0.5 s per megabyte)
_SLOW = 32
#: what one line made by ``wordwrap`` is charged (its Python cost, not its bytes)
_LINE = 4096


class LimitExceeded(TemplateError):
    """A template went over its budget; ``kind`` is "time" or "memory".  A Jinja2
    ``TemplateError``, so that code catching those catches this too; :func:`run` turns it into a
    :class:`~reportkit.errors.TemplateError` naming the template and the part."""

    def __init__(self, kind: str, limits: TemplateLimits) -> None:
        what = (f"时间限制（{limits.seconds:g} 秒）" if kind == "time"
                else f"内存限制（{limits.memory / 2 ** 20:g} MB）")
        super().__init__(f"模板运行超出{what}，已停止")
        self.kind = kind
        self.limits = limits


class Budget:
    """What is left of one render's time and memory."""

    __slots__ = ("limits", "deadline", "left")

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.left = limits.memory

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded("time", self.limits)

    def reserve(self, estimate: int) -> None:
        """Refuse an operation whose result would not fit (checked before it runs)."""
        if estimate > self.left:
            raise LimitExceeded("memory", self.limits)

    def charge(self, value):
        """Count a value the template made; returns it."""
        self.tick()
        self.left -= size(value, self.left)
        if self.left < 0:
            raise LimitExceeded("memory", self.limits)
        return value

    def text(self, piece: str) -> None:
        """Count one piece of output."""
        if time.monotonic() > self.deadline:
            raise LimitExceeded("time", self.limits)
        self.left -= sys.getsizeof(piece)
        if self.left < 0:
            raise LimitExceeded("memory", self.limits)


_BUDGET: ContextVar[Budget] = ContextVar("reportkit_template_budget")


def _current() -> Budget:
    """The budget of the render in progress.  Code that runs a template without one (a block
    function called directly) still gets every estimate checked against the default
    allowance, operation by operation."""
    budget = _BUDGET.get(None)
    return budget if budget is not None else Budget(DEFAULT_LIMITS)


def size(value, cap: int) -> int:
    """Bytes of ``value`` with its contents (shared items counted each time they occur, as
    ``str()`` or ``==`` would visit them); stops counting once past ``cap``."""
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        total += sys.getsizeof(v)
        if total > cap:
            return total
        if isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
    return total


class BudgetedTemplate(Template):
    """``render`` and ``generate`` run under the default budget unless a render of reportkit's
    is already in progress (:func:`render` sets its own)."""

    def render(self, *args, **kwargs) -> str:
        if _BUDGET.get(None) is not None:
            return super().render(*args, **kwargs)
        token = _BUDGET.set(Budget(DEFAULT_LIMITS))
        try:
            return super().render(*args, **kwargs)
        finally:
            _BUDGET.reset(token)

    def generate(self, *args, **kwargs):
        if _BUDGET.get(None) is not None:
            yield from super().generate(*args, **kwargs)
            return
        token = _BUDGET.set(Budget(DEFAULT_LIMITS))
        try:
            yield from super().generate(*args, **kwargs)
        finally:
            _BUDGET.reset(token)


def render(template, context: dict, budget: Budget, *, block: str | None = None) -> str:
    """Render a compiled template (or one of its blocks) with ``context`` under ``budget``; the
    output text."""
    token = _BUDGET.set(budget)
    try:
        out = []
        func = template.root_render_func if block is None else template.blocks[block]
        for piece in func(template.new_context(context)):
            budget.text(piece)
            out.append(piece)
        return "".join(out)
    finally:
        _BUDGET.reset(token)


def run(template, context: dict, budget: Budget, *, name: str, label: str, where, source: str,
        block: str | None = None) -> str:
    """:func:`render`, with what the template's own code raised turned into a
    :class:`~reportkit.errors.TemplateError` (or ``UnsafeTemplateError``) naming the template
    ``name``: ``label`` says which part (``位置 word/document.xml``), ``where(lineno)`` the place of
    a template line in it; ``source`` is the template's Jinja source (to name an undefined field as
    it was written).  An exception raised outside the template's code is a bug of reportkit's and
    goes up as it is."""
    def at(place: str) -> str:
        return f"；{place}" if place else ""

    try:
        return render(template, context, budget, block=block)
    except LimitExceeded as exc:
        raise ReportTemplateError(exc.message + at(label), template=name) from None
    except SecurityError as exc:
        raise UnsafeTemplateError(f"模板试图访问不允许的内部对象，已拒绝：{exc}{at(label)}", template=name) from None
    except Exception as exc:
        lineno = template_line(exc, template)
        if lineno is None:  # not raised while the template's code ran: a bug of reportkit's
            raise
        if isinstance(exc, UndefinedError):
            field = undefined_field(environment().parse(source), exc.message or "", lineno)  # it compiled: it parses
            raise ReportTemplateError(f"模板中的字段不存在：{field}（{exc.message}）{at(where(lineno))}",
                                      template=name, field=field) from None
        if isinstance(exc, RecursionError):
            raise ReportTemplateError(f"模板递归过深，已停止{at(where(lineno))}", template=name) from None
        raise ReportTemplateError(f"模板运行出错：{type(exc).__name__}: {exc}{at(where(lineno))}",
                                  template=name) from None


def template_line(exc: BaseException, template) -> int | None:
    """The template line the innermost frame of ``template``'s code was at, or None."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is template:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _ticking(budget: Budget, iterable):
    for item in iterable:
        budget.tick()
        yield item


class _Buffer(list):
    """Where compiled code collects the output of a macro or block before joining it."""

    __slots__ = ("_budget",)

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self._budget = budget

    def append(self, piece) -> None:
        self._budget.text(piece)
        super().append(piece)

    def extend(self, pieces) -> None:
        for piece in pieces:
            self.append(piece)


# ------------------------------------------------------------------ estimates before an operation

def _int_bits(n: int) -> int:
    return n.bit_length() if isinstance(n, int) else 64


def _number(n) -> bool:
    return isinstance(n, (int, float)) and not isinstance(n, bool)


def _digits_total(fmt: str) -> int:
    """Every run of digits in a format string, as if each were a width."""
    total = 0
    for run in re.findall(r"\d+", fmt):
        if len(run) > 12:
            return 10 ** 13
        total += int(run)
    return total


def _format_estimate(b: Budget, fmt, args, marker: str) -> int:
    """Upper bound for ``fmt % args`` (``marker`` "%") or ``fmt.format(*args)`` ("{"): every
    field the largest argument, every digit run a width; widths taken from the arguments
    (``%*d``, ``{:{}}``) the sum of the integer arguments."""
    if isinstance(fmt, bytes):
        fmt = fmt.decode("latin-1")
    if isinstance(args, Mapping):
        values = list(args.values())
    elif isinstance(args, (tuple, list)):
        values = list(args)
    else:
        values = [args]
    biggest = max((size(v, b.left) for v in values), default=0)
    dynamic = "*" in fmt if marker == "%" else re.search(r"\{[^{}]*\{", fmt) is not None
    widths = sum(abs(v) for v in values if isinstance(v, int)) if dynamic else 0
    return sys.getsizeof(fmt) + fmt.count(marker) * biggest + (_digits_total(fmt) + widths) * 4


def _check_binop(b: Budget, op: str, left, right) -> None:
    if op == "*":
        if isinstance(left, int) and not isinstance(left, (bool,)) and not isinstance(right, int):
            left, right = right, left
        if isinstance(right, int) and not isinstance(right, bool):
            if isinstance(left, (str, bytes, list, tuple)):
                b.reserve(size(left, b.left) * max(right, 0))
            elif isinstance(left, int):
                if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                    raise LimitExceeded("memory", b.limits)
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if right > MAX_INT_BITS or _int_bits(left) * right > MAX_INT_BITS:
                raise LimitExceeded("memory", b.limits)
    elif op == "%" and isinstance(left, (str, bytes)):
        b.reserve(_format_estimate(b, left, right, "%"))
    elif op == "+":
        b.reserve(size(left, b.left) + size(right, b.left))


def _width(args, kwargs, name: str, default: int = 0) -> int:
    w = args[0] if args else kwargs.get(name, default)
    return w if isinstance(w, int) else 0


def _check_method(b: Budget, name: str, s, args: tuple, kwargs: dict) -> None:
    """Estimates for the methods of ``str``/``bytes`` that can make much more than they get."""
    own = sys.getsizeof(s)
    if name in ("center", "ljust", "rjust", "zfill"):
        b.reserve(own + max(_width(args, kwargs, "width"), 0) * 4)
    elif name == "expandtabs":
        b.reserve(own + s.count("\t" if isinstance(s, str) else b"\t") * max(_width(args, kwargs, "tabsize", 8), 0) * 4)
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        hits = len(s) + 1 if not old else s.count(old)
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        b.reserve(own + hits * sys.getsizeof(new))
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((sys.getsizeof(v) for v in args[0].values()), default=0)
        b.reserve(own * max(longest, 1))
    elif name in ("format", "format_map"):
        values = list(args) + list(kwargs.values())
        if name == "format_map" and args and isinstance(args[0], Mapping):
            values = list(args[0].values())
        b.reserve(_format_estimate(b, s, values, "{"))


def _join_estimate(b: Budget, sep, items) -> int:
    n = len(items) if isinstance(items, Sized) else 0
    return size(items, b.left) * 6 + n * size(sep, b.left)


# ------------------------------------------------------------------ filters

def _f_center(b, value, width=80):
    b.reserve(size(value, b.left) + max(width if isinstance(width, int) else 0, 0) * 4)
    return value


def _f_indent(b, s, width=4, first=False, blank=False):
    w = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    lines = s.count("\n") + 1 if isinstance(s, str) else 1
    b.reserve(size(s, b.left) + lines * max(w, 0) * 4)
    return s


def _f_wordwrap(b, s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True):
    # textwrap spends about 20 µs of Python per line it makes: each line is charged as a page
    n = len(s) if isinstance(s, str) else 0
    lines = n // (width if isinstance(width, int) and width > 0 else 1) + 1
    wrap = len(wrapstring) if isinstance(wrapstring, str) else 1
    b.reserve(size(s, b.left) * 2 + lines * (_LINE + wrap * 4))
    return s


def _f_format(b, value, *args, **kwargs):
    if isinstance(value, str):
        b.reserve(_format_estimate(b, value, kwargs or args, "%"))
    return value


def _f_replace(b, s, old, new, count=None):
    if isinstance(s, str) and isinstance(old, str) and isinstance(new, str):
        _check_method(b, "replace", s, (old, new, -1 if count is None else count), {})
    return s


def _f_join(b, value, d="", attribute=None):
    if not isinstance(value, (Sized, str)):
        value = list(_ticking(b, value))
    b.reserve(_join_estimate(b, d, value))
    return value


def _f_batch(b, value, linecount, fill_with=None):
    if fill_with is not None and isinstance(linecount, int):
        b.reserve(linecount * 8)
    return value


def _f_slice(b, value, slices, fill_with=None):
    if isinstance(slices, int):
        b.reserve(slices * 64)
    return value


def _f_sum(b, iterable, attribute=None, start=0):
    if not _number(start):  # summing lists or strings copies them again at every step
        if not isinstance(iterable, Sized):
            iterable = list(_ticking(b, iterable))
        b.reserve(size(iterable, b.left) * (len(iterable) + 1))
    return iterable


def _f_items_of(b, value, *args, **kwargs):
    if isinstance(value, str):
        b.reserve(len(value) * _PER_ITEM)
    return value


def _f_slow(b, value, *args, **kwargs):
    b.reserve(size(value, b.left) * _SLOW)
    return value


_FILTER_CHECKS = {
    "center": _f_center, "indent": _f_indent, "wordwrap": _f_wordwrap, "format": _f_format,
    "replace": _f_replace, "join": _f_join, "batch": _f_batch, "slice": _f_slice, "sum": _f_sum,
    "list": _f_items_of, "unique": _f_items_of, "sort": _f_items_of, "groupby": _f_items_of,
    "map": _f_items_of, "select": _f_items_of, "reject": _f_items_of,
    "title": _f_slow, "urlize": _f_slow, "pprint": _f_slow,
}
_ESTIMATE_ERRORS = (TypeError, ValueError, AttributeError, IndexError, KeyError, OverflowError)


def _budgeted_filter(name: str, func):
    """``func`` with the budget around it; ``pass_context`` so that it is never constant-folded."""
    check = _FILTER_CHECKS.get(name)
    passes = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    def call(context, value, *args, **kwargs):
        b = _current()
        b.tick()
        if check is not None:
            try:
                value = check(b, value, *args, **kwargs)
            except _ESTIMATE_ERRORS:  # wrong arguments: let the filter itself say so
                pass
        if passes == "context":
            result = func(context, value, *args, **kwargs)
        elif passes == "eval_context":
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif passes == "environment":
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        if isinstance(result, Iterator):
            return _ticking(b, result)
        return b.charge(result)

    return pass_context(update_wrapper(call, func))


# ------------------------------------------------------------------ the compiler hook

def _env_call(method: str, node: nodes.Expr) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(method, lineno=node.lineno), [node], [], None, None,
                      lineno=node.lineno)


class _Budgeted(NodeTransformer):
    """Loops, ``~`` and literals pass through the budget."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = _env_call("budget_iter", node.iter)
        return node

    def _value(self, node):
        self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node
        return _env_call("budget_value", node)

    visit_Concat = visit_List = visit_Dict = visit_Tuple = _value


class _BudgetedCodeGenerator(CodeGenerator):
    def visit_Template(self, node, frame=None):
        super().visit_Template(_Budgeted().visit(node), frame)

    def buffer(self, frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.budget_buffer()")


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "**", "%"})
    code_generator_class = _BudgetedCodeGenerator
    template_class = BudgetedTemplate

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=False)
        del self.globals["lipsum"]
        self.filters = {name: _budgeted_filter(name, f) for name, f in self.filters.items()}

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja2's own signature)
        b = _current()
        b.tick()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        receiver = getattr(target, "__self__", None) if isinstance(target, (BuiltinMethodType, MethodType)) else None
        name = getattr(target, "__name__", "")
        try:
            if isinstance(receiver, (str, bytes)):
                if name == "join" and args and not isinstance(args[0], (Sized, str)):
                    args = (list(_ticking(b, args[0])),) + args[1:]
                if name == "join" and args:
                    b.reserve(_join_estimate(b, receiver, args[0]))
                else:
                    _check_method(b, name, receiver, args, kwargs)
            elif isinstance(receiver, int) and name == "to_bytes":
                b.reserve(max(_width(args, kwargs, "length", 1), 0))
        except _ESTIMATE_ERRORS:
            pass
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, Iterator):
            return _ticking(b, result)
        return b.charge(result)

    def call_binop(self, context, operator, left, right):
        b = _current()
        try:
            _check_binop(b, operator, left, right)
        except _ESTIMATE_ERRORS:
            pass
        return b.charge(super().call_binop(context, operator, left, right))

    def budget_iter(self, iterable):
        return _ticking(_current(), iterable)

    def budget_value(self, value):
        return _current().charge(value)

    def budget_buffer(self) -> _Buffer:
        return _Buffer(_current())


def environment(autoescape: bool = True) -> BudgetedEnvironment:
    """A new environment to compile templates in (a new one each call: a caller may set options
    on its own).  ``autoescape=False`` is for Word core properties, which are text, not XML."""
    return BudgetedEnvironment(autoescape=autoescape)
