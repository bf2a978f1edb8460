"""How a hub looks: its logo, the text of its login page, an announcement on every page, and page
templates of its own. Files are given by their path in the project (beside Pulumi.yaml), kept in git with
the stacks; the hub's ConfigMap carries them, so a change rolls the hub."""

import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from .base import Model, NestedValueError
from .types import fullmatch

PROJECT_DIR = Path(__file__).resolve().parents[2]
"""The Pulumi project's directory (where Pulumi.yaml is): branding files are found from here."""
LOGO_MAX_BYTES = 256 * 1024
TEMPLATES_MAX_BYTES = 128 * 1024
LOGO_TYPES = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".gif": b"GIF8"}
"""Image types a browser shows as a logo, by suffix, with how their files begin (SVG is text: `<svg`)."""


def project_file(path: str) -> Path:
    """A file of the project, from its path relative to the project's directory."""
    return PROJECT_DIR / path


def _inside_project(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"{value!r} must be a path inside the project (beside Pulumi.yaml), such as branding/logo.png")
    if not project_file(value).resolve().is_relative_to(PROJECT_DIR.resolve()):
        raise ValueError(f"{value!r} leads out of the project (a link): keep branding files inside it")
    if not project_file(value).is_file():
        raise ValueError(f"{value!r}: no such file in the project ({PROJECT_DIR.name}/)")
    return value


ProjectFile = Annotated[str, AfterValidator(_inside_project)]
"""A file of the project, by its path from the project's directory."""


def _logo(value: str) -> str:
    suffix = PurePosixPath(value).suffix.lower()
    content = project_file(value).read_bytes()
    if len(content) > LOGO_MAX_BYTES:
        raise ValueError(f"{value!r} is {len(content) // 1024} KiB: a logo may take {LOGO_MAX_BYTES // 1024} KiB")
    if suffix == ".svg":
        if b"<svg" not in content[:4096]:
            raise ValueError(f"{value!r} is not an SVG image")
    elif suffix not in LOGO_TYPES:
        raise ValueError(f"{value!r}: a logo is a .png, .jpg, .gif or .svg image")
    elif not content.startswith(LOGO_TYPES[suffix]):
        raise ValueError(f"{value!r} is not a {suffix.removeprefix('.').upper()} image")
    return value


TemplateName = Annotated[
    str,
    fullmatch(r"[a-z0-9][a-z0-9_-]*\.html", "a JupyterHub page template's name such as page.html or home.html"),
]


def _template(value: str) -> str:
    try:
        project_file(value).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{value!r} is not UTF-8 text") from None
    return value


class HubBranding(Model):
    """The hub's look."""

    logo: Annotated[ProjectFile, AfterValidator(_logo)] | None = None
    """The logo at the top of every page: a PNG, JPEG, GIF or SVG file of the project (up to 256 KiB), e.g.
    `branding/phys101.svg`."""
    login_text: str | None = Field(default=None, min_length=1, max_length=4000)
    """Text above the login button, e.g. who may log in and where to get help. Plain text: blank lines
    separate paragraphs and web addresses become links."""
    announcement: str | None = Field(default=None, min_length=1, max_length=1000)
    """A notice at the top of every page of the hub (login, home, spawn), e.g. `Servers restart Friday
    at 18:00`. Plain text; web addresses become links. Set it in `defaults` for every hub of the stack."""
    templates: dict[TemplateName, Annotated[ProjectFile, AfterValidator(_template)]] = {}
    """Page templates of the hub's own, by the page they replace: `{page.html: branding/page.html}`. They
    are Jinja templates; one may extend the page it replaces as `templates/<name>` (e.g.
    `{% extends "templates/page.html" %}`). Together up to 128 KiB."""

    def stored_bytes(self) -> int:
        """What the files take in the hub's ConfigMap (the logo base64-encoded, as binaryData holds it)."""
        logo = project_file(self.logo).stat().st_size if self.logo else 0
        return (logo + 2) // 3 * 4 + sum(project_file(path).stat().st_size for path in self.templates.values())

    @model_validator(mode="after")
    def _templates_fit(self) -> Self:
        size = sum(project_file(path).stat().st_size for path in self.templates.values())
        if size > TEMPLATES_MAX_BYTES:
            raise NestedValueError(
                ("templates",), f"the templates take {size // 1024} KiB: together they may take 128 KiB"
            )
        return self

    @model_validator(mode="after")
    def _login_text_has_a_page(self) -> Self:
        if self.login_text is not None and "login.html" in self.templates:
            raise NestedValueError(
                ("loginText",),
                "your own login.html replaces the page that shows loginText: write the text into that template",
            )
        return self


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def text_as_html(text: str, paragraphs_as: str = "p") -> str:
    """Plain text as HTML: escaped, web addresses as links, blank lines as paragraph breaks (`<p>`s, or
    `<br>`s with `paragraphs_as="br"`, for one line of notice)."""
    import html

    parts = [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]

    def linked(part: str) -> str:
        pieces, last = [], 0
        for match in _URL.finditer(part):
            pieces.append(html.escape(part[last : match.start()]))
            url = html.escape(match.group(0))
            pieces.append(f'<a href="{url}" rel="noopener">{url}</a>')
            last = match.end()
        pieces.append(html.escape(part[last:]))
        return "".join(pieces).replace("\n", "<br>")

    if paragraphs_as == "br":
        return "<br>".join(linked(part) for part in parts)
    return "".join(f"<p>{linked(part)}</p>" for part in parts)
