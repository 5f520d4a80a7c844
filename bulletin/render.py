"""Rendering pages with Jinja2: the district's templates first, the bundled ones behind them."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .content import STATUSES
from .i18n import Translator
from .markup import render_markdown
from .model import Funding, Site, Target
from .pages import Links, Page


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


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
    environment = jinja2.Environment(
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
    return environment


class Renderer:
    def __init__(self, site: Site, translator: Translator, template_dirs: list[Path]):
        self.site = site
        self.translator = translator
        self.environment = make_environment(template_dirs)
        self.units_by_id = {unit.id: unit for unit in site.units}  # of the whole site
        self.rounds_by_id = {rnd.id: rnd for rnd in site.rounds}
        self.status_labels = {status: translator.status(status) for status in STATUSES}

    def preload(self) -> None:
        """Compile every template now, so worker processes inherit them compiled."""
        for name in self.environment.list_templates(filter_func=lambda name: name.endswith(".html")):
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                raise TemplateProblem(f"{error.filename or error.name}:{error.lineno}: template error: "
                                      f"{error.message}") from None

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
                link=links, page_path=page.path, trail=trail, units_by_id=self.units_by_id,
                rounds_by_id=self.rounds_by_id, status_labels=self.status_labels)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(f"{error.filename or error.name}:{error.lineno}: template error: "
                                  f"{error.message}") from None
        except jinja2.TemplateError as error:
            raise TemplateProblem(f"templates/{page.template}: cannot render {page.path}: {error}") from None
        except KeyError as error:  # a missing translation
            raise TemplateProblem(f"templates/{page.template}: {error.args[0]}") from None
