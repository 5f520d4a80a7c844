"""Rendering pages with Jinja2: the district's templates first, the bundled ones behind them."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import re
import traceback
import types
from pathlib import Path

import jinja2
import jinja2.sandbox
import jinja2.bccache
import jinja2.compiler
import jinja2.nodes

from .charts import TEMPLATE_GLOBALS as CHART_FUNCTIONS
from .content import STATUSES
from .govsite import is_overdue, open_info, site_domain
from .files import write_whole
from .i18n import Translator
from .markup import render_markdown
from .messages import _
from .model import Change, Funding, Site, Target
from .pages import Links, Page
from .worddiff import Segment, word_diff
from .qrcode import QrCodes, page_qr_svg


class TemplateProblem(Exception):
    """A template could not be loaded or rendered; the message names it."""


def format_number(value: float) -> str:
    """5000 -> '5000', 2.50 -> '2.5': as staff wrote it, without a stray '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def format_rate(value: float) -> str:
    return format_number(round(value, 1))


def format_change_value(value: object, translator: Translator) -> str:
    """A field's value as shown in a before -> after change line."""
    if value is None or value == "":
        return translator("empty_value")
    if isinstance(value, Funding):
        return f"{format_number(value.amount)}{value.unit}"
    if isinstance(value, Target):
        return f"{value.name} {format_number(value.done)}/{format_number(value.planned)}{value.unit}"
    return str(value)


# Text fields a correction notice shows word by word (see worddiff); the others (status, dates,
# amounts) are short values, read best as before → after.
WORD_DIFF_FIELDS = frozenset({"title", "progress", "lead", "category", "location", "supervision_note"})
_WORDS = re.compile(r"\w")


def change_diff(change: Change) -> tuple[Segment, ...] | None:
    """What a corrected text field lost and gained, word by word; None when the change reads
    better as before → after: a short value, a text filled in or emptied, a text too long to
    compare. Progress is compared as its Markdown source: what staff wrote, not its HTML."""
    before, after = change.before, change.after
    if change.field not in WORD_DIFF_FIELDS or not isinstance(before, str) or not isinstance(after, str):
        return None
    if not before.strip() or not after.strip():
        return None
    segments = word_diff(before.strip(), after.strip())
    if segments is None or not any(segment.kind == "equal" and _WORDS.search(segment.text) for segment in segments):
        return None  # no word in common: the two texts whole say it as well
    return segments


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, but an {% include %} hands on the included template's output with
    `yield from` rather than a Python loop that yields each piece again: a piece of a status
    badge in an entry in a history step passes through five templates on its way out."""

    def visit_Include(self, node: jinja2.nodes.Include, frame) -> None:
        if not node.with_context or node.ignore_missing or frame.buffer is not None or self.environment.is_async:
            return super().visit_Include(node, frame)  # the cases the loop is there for
        if isinstance(node.template, jinja2.nodes.Const) and isinstance(node.template.value, str):
            load = "get_template"
        elif isinstance(node.template, (jinja2.nodes.Tuple, jinja2.nodes.List)) or (
                isinstance(node.template, jinja2.nodes.Const) and isinstance(node.template.value, (tuple, list))):
            load = "select_template"
        else:
            load = "get_or_select_template"
        self.writeline(f"template = environment.{load}(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        self.writeline("yield from template.root_render_func(template.new_context(context.get_all(), True, "
                       f"{self.dump_local_context(frame)}))")


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja2's sandbox: a district's templates may format what they are given, never
    reach Python's internals (`cycler.__init__.__globals__.os`) to run code or read files.

    A page reads the same few attributes and calls the same few functions thousands of times,
    so what the sandbox decides is kept: whether an attribute is safe depends only on its name
    and the kind of object it is asked of (jinja2.sandbox.is_internal_attribute), and a data
    field of our own model, a key of a plain dict or one of our template functions is read or
    called straight away once the sandbox has let it through."""

    code_generator_class = _CodeGenerator

    def __init__(self, **options):
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}
        self._plain_reads: dict[tuple[type, str], int] = {}
        self._loaded: dict[str, jinja2.Template] = {}

    def make_globals(self, d):
        # A plain dict, not Jinja's ChainMap over the environment's globals: every page and every
        # include copies or lists the globals, and a ChainMap is slow to list. Our globals are all
        # set before the first template is loaded (make_environment, Renderer), so nothing is lost.
        return {**self.globals, **(d or {})}

    def get_template(self, name, parent=None, globals=None):
        # Every {% include %} asks for its template again: once loaded, it is answered here.
        if globals is None and isinstance(name, str):
            if parent is not None:
                name = self.join_path(name, parent)
            template = self._loaded.get(name)
            if template is None:
                template = self._loaded[name] = super().get_template(name)
            return template
        return super().get_template(name, parent, globals)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj, attribute):
        key = (type(obj), attribute)
        read = self._plain_reads.get(key)
        if read is _FIELD:
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass  # a property that failed: as the sandbox says it
        elif read is _KEY:
            try:
                return obj[attribute]
            except KeyError:
                pass  # undefined, said the way Jinja says it
        value = super().getattr(obj, attribute)
        if read is None:
            self._plain_reads[key] = _plain_read(type(obj), attribute)
        return value

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        kind = type(__obj)
        if (kind in _PLAIN_TYPES or (kind is types.FunctionType and __obj in _PLAIN_FUNCTIONS)
                or (kind is types.MethodType and __obj.__func__ in _PLAIN_FUNCTIONS)):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as jinja2.runtime.Context.call answers it
                return __context.environment.undefined("value was undefined because a callable raised a "
                                                       "StopIteration exception")
        return super().call(__context, __obj, *args, **kwargs)


_FIELD, _KEY, _CHECKED = 1, 2, 3


def _plain_read(kind: type, attribute: str) -> int:
    """_FIELD: a public field, property or method of one of our own classes (data, or a
    method of ours); _KEY: a key of a plain dict that no dict method shadows; _CHECKED: ask
    the sandbox each time (anything else: Python's own types, Jinja's, names with `_`)."""
    if kind is dict:
        return _CHECKED if hasattr(dict, attribute) else _KEY
    if not kind.__module__.startswith("bulletin.") or attribute.startswith("_"):
        return _CHECKED
    if dataclasses.is_dataclass(kind) and attribute in {field.name for field in dataclasses.fields(kind)}:
        return _FIELD
    declared = inspect.getattr_static(kind, attribute, None)
    return _FIELD if isinstance(declared, (property, functools.cached_property, types.FunctionType)) else _CHECKED


# Jinja asks every callable a template calls whether it takes the context (jinja_pass_arg) and the
# sandbox whether it is unsafe (unsafe_callable, alters_data): hundreds of thousands of calls a
# city, each a failed attribute lookup (a raised AttributeError) unless the answer is there.
# Our template functions and the classes templates call into (Translator, Links) answer at once,
# and the sandbox calls them without asking (_Sandbox.call).
PLAIN_CALLABLE = {"jinja_pass_arg": None, "unsafe_callable": False, "alters_data": False}
_PLAIN_FUNCTIONS: set = set()
_PLAIN_TYPES = {Translator, Links}


def plain_callable(function):
    for name, value in PLAIN_CALLABLE.items():
        setattr(function, name, value)
    _PLAIN_FUNCTIONS.add(function)
    return function


for _called_by_templates in _PLAIN_TYPES:  # t('key'), t.status(...), link.to(...) and the like
    plain_callable(_called_by_templates)
    for _method in vars(_called_by_templates).values():
        if isinstance(_method, types.FunctionType):
            plain_callable(_method)


def make_environment(template_dirs: list[Path], compiled: Path | None = None) -> jinja2.Environment:
    """The sandboxed environment every page is rendered in; `compiled`: a folder where compiled
    templates are kept between builds (output.compiled_templates), or None."""
    environment = _Sandbox(
        bytecode_cache=_bytecode_cache(compiled),
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)) for folder in template_dirs]),
        autoescape=True,  # every value from content is escaped unless it passed the Markdown sanitizer
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build reads each template once; checking its file on every include costs
    )
    environment.filters["markdown"] = render_markdown
    environment.filters["number"] = format_number
    environment.filters["rate"] = format_rate
    environment.filters["change_value"] = format_change_value
    environment.globals.update(CHART_FUNCTIONS)  # inline SVG pictures (charts.py)
    environment.globals["is_overdue"] = is_overdue
    environment.globals["change_diff"] = change_diff
    environment.globals["page_qr"] = page_qr_svg  # the printed page's QR code (qrcode.py)
    for function in [*environment.globals.values(), *environment.filters.values()]:
        if isinstance(function, types.FunctionType) and function.__module__.startswith("bulletin."):
            plain_callable(function)
    return environment


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # compiled anew each build, as without a cache
    return _CheckedBytecodeCache(folder)


class _CheckedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in a folder, one file each, its SHA-256 first: a file damaged on
    disk (or not written by us) fails the check and the template is compiled again, never run.
    (Jinja's own file cache checks the template's source, not the compiled code.)"""

    def __init__(self, folder: Path):
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            raw = (self.folder / f"{bucket.key}.cache").read_bytes()
        except OSError:
            return
        checksum, _, code = raw.partition(b"\n")
        if checksum == hashlib.sha256(code).hexdigest().encode("ascii"):
            bucket.bytecode_from_string(code)  # which also drops code compiled from another source

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        try:
            write_whole(self.folder / f"{bucket.key}.cache",
                        [hashlib.sha256(code).hexdigest().encode("ascii"), b"\n", code])
        except OSError:
            pass  # compiled again by the next build


class Renderer:
    def __init__(self, site: Site, translator: Translator, template_dirs: list[Path], qr_codes: QrCodes | None = None,
                 compiled: Path | None = None):
        self.site = site
        self.translator = translator
        self.environment = make_environment(template_dirs, compiled)
        if qr_codes is not None:  # kept in the build cache between builds (qrcode.QrCodes)
            self.environment.globals["page_qr"] = qr_codes.page_svg
        self.units_by_id = {unit.id: unit for unit in site.units}  # of the whole site
        self.rounds_by_id = {rnd.id: rnd for rnd in site.rounds}
        self.status_labels = {status: translator.status(status) for status in STATUSES}
        self.site_domain = site_domain(site.config.base_url)

    def check_sources(self) -> None:
        """Read every template (cheap, unlike compiling them): one saved as GBK by Notepad is named
        before any page is rendered, whichever page would have included it."""
        for name in self._templates():
            try:
                self.environment.loader.get_source(self.environment, name)
            except UnicodeDecodeError:
                raise TemplateProblem(_not_utf8(name)) from None

    def preload(self) -> None:
        """Compile every template now, so worker processes inherit them compiled."""
        for name in self._templates():
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                raise TemplateProblem(_syntax_message(error)) from None
            except UnicodeDecodeError:
                raise TemplateProblem(_not_utf8(name)) from None

    def _templates(self) -> list[str]:
        return self.environment.list_templates(filter_func=lambda name: name.endswith(".html"))

    def render(self, page: Page, site: Site | None = None) -> str:
        """The page as HTML; `site` is the part of the site the page shows when it is not
        the whole (a unit's pages are rendered from that unit's model alone)."""
        site = site or self.site
        links = Links(page.path)
        trail = [(self.translator(crumb.label) if crumb.translate else crumb.label,
                  links.to(crumb.path) if crumb.path else None) for crumb in page.trail]
        try:
            template = self.environment.get_template(page.template)
            return template.render(
                page.context, site=site, config=site.config, t=self.translator,
                link=links, page_path=page.path, draft=page.draft, trail=trail, units_by_id=self.units_by_id,
                rounds_by_id=self.rounds_by_id, status_labels=self.status_labels,
                page_kind=page.template.removesuffix(".html"), site_domain=self.site_domain,
                open_info=(open_info(site.config, page.context["round"].id) if page.template == "round.html"
                           else None))
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(_syntax_message(error)) from None
        except jinja2.TemplateNotFound as error:
            raise TemplateProblem(_("{where}: template error: no template named '{name}' in templates/ (while "
                                    "rendering {page})", where=_where(error, page.template), name=error.name,
                                    page=page.path)) from None
        except KeyError as error:  # a missing translation
            raise TemplateProblem(f"{_where(error, page.template)}: {error.args[0]}") from None
        except jinja2.sandbox.SecurityError as error:
            raise TemplateProblem(_("{where}: template error: not allowed in a template: {detail} (while "
                                    "rendering {page})", where=_where(error, page.template), detail=error,
                                    page=page.path)) from None
        except jinja2.TemplateError as error:
            raise TemplateProblem(_("{where}: template error: {detail} (while rendering {page})",
                                    where=_where(error, page.template), detail=error.message or error,
                                    page=page.path)) from None
        except (ArithmeticError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
            # {{ 1/0 }}, {{ "a" + 1 }}: an error in a template's own expressions
            raise TemplateProblem(_("{where}: template error: {detail} (while rendering {page})",
                                    where=_where(error, page.template), detail=f"{type(error).__name__}: {error}",
                                    page=page.path)) from None


def _not_utf8(name: str) -> str:
    return _("{template}:1: template error: the file is not saved as UTF-8 (saved as GBK or ANSI by Notepad?); "
             "open it and save it again as UTF-8", template=f"templates/{name}")


def _syntax_message(error: jinja2.TemplateSyntaxError) -> str:
    return _("{template}:{line}: template error: {detail}", template=_template_path(error.filename, error.name),
             line=error.lineno, detail=error.message)


def _template_path(filename: str | None, name: str | None) -> str:
    """A template as staff find it: templates/<name>, or the file's own path."""
    if name:
        return f"templates/{name}"
    return filename or "templates/"


def _where(error: BaseException, fallback: str) -> str:
    """templates/<file>:<line> of the template line that raised, as Jinja reports it in the
    traceback; the page's template when no template frame is found."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".js")) and frame.lineno:
            parts = Path(frame.filename).parts
            name = "/".join(parts[parts.index("templates") + 1:]) if "templates" in parts else Path(frame.filename).name
            return f"templates/{name}:{frame.lineno}"
    return f"templates/{fallback}"
