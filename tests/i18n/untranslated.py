"""Find words in a Jinja template that a person would read but that are not marked for
translation.

The template is lexed by Jinja: text inside `{% trans %}` blocks and every `{{ expression }}`
become a placeholder, tags vanish; what is left is the page's own HTML, which is parsed for
text nodes and for the attributes people read (alt, title, aria-label, placeholder, the value
of a button input). Any of those with a letter in it, once placeholders, whitespace,
punctuation and numbers are set aside, is unmarked text.

String literals inside expressions are checked too (`button('Cast my vote')`,
`{% set heading = 'Your ballot' %}`): one that reads like words (two words, or a capitalised
word) and is not inside `_()`, `gettext`, `ngettext` or `pgettext` is unmarked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from jinja2 import Environment

PLACEHOLDER = "\x00"
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-roledescription",
                   "aria-valuetext", "label"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Element contents that are not prose: scripts, styles, and literal commands or code.
SKIP_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre"}
# Calls whose string arguments are identifiers, never words shown (endpoints, file names...).
NON_PROSE_CALLS = {"url_for", "external_url", "can", "get", "getattr", "attr", "selectattr",
                   "rejectattr", "map", "format_money", "money", "join", "replace", "startswith",
                   "endswith", "split", "strftime", "date", "datetime", "dictsort", "groupby",
                   "sort", "update", "append", "items", "pop", "round", "include", "import",
                   "extends", "from"}

_WORDY = re.compile(r"[^\W\d_]{2,}[^\S\n]+[^\W\d_]")
_CAPITALISED_WORD = re.compile(r"[A-Z][a-z]+[.!?:]?")
_CAMEL_OR_CONSTANT = re.compile(r"([A-Z][a-z0-9]+){2,}|[A-Z0-9_]+")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    where: str  # "text", "attribute alt", "string literal"
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.where}: {self.text!r}"


def has_words(text: str) -> bool:
    return bool(_LETTER.search(text.replace(PLACEHOLDER, " ")))


def _prose_literal(value: str) -> bool:
    if _CAMEL_OR_CONSTANT.fullmatch(value):
        return False
    return bool(_WORDY.search(value) or _CAPITALISED_WORD.fullmatch(value))


def flatten(env: Environment, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's HTML with placeholders for expressions and translated blocks, and the
    prose-like string literals found outside gettext calls as (line, value)."""
    out: list[str] = []
    literals: list[tuple[int, str]] = []
    line = 1
    in_trans = False
    tag: list[tuple[int, str, str]] | None = None  # tokens of the current {% ... %} or {{ ... }}
    kind_of_tag = ""
    for lineno, kind, value in env.lex(source):
        if kind == "data":
            out.append(PLACEHOLDER * bool(value.strip()) + "\n" * value.count("\n") if in_trans
                       else value)
            line += value.count("\n")
            continue
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind in ("variable_begin", "block_begin"):
            tag, kind_of_tag = [], kind
        elif kind in ("variable_end", "block_end") and tag is not None:
            names = [v for _, k, v in tag if k == "name"]
            first = names[0] if names else ""
            if kind_of_tag == "block_begin" and first == "trans":
                in_trans = True
            elif kind_of_tag == "block_begin" and first == "endtrans":
                in_trans = False
            if kind_of_tag == "variable_begin":
                out.append(PLACEHOLDER)
            if first not in {"trans", "pluralize"}:  # their strings are the message itself
                literals.extend(_unmarked_literals(tag))
            tag = None
        elif kind in ("comment_begin", "comment", "comment_end", "raw_begin", "raw_end",
                      "whitespace"):
            pass
        elif tag is not None:
            tag.append((lineno, kind, value))
    return "".join(out), literals


def _unmarked_literals(tokens: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """String literals not inside a gettext call nor an identifier-taking call."""
    found = []
    stack: list[str] = []  # for each open parenthesis: the name called, or ""
    previous_name = ""
    previous_kind = ""
    for lineno, kind, value in tokens:
        if kind == "operator" and value in "([{":
            stack.append(previous_name if value == "(" and previous_kind == "name" else "")
        elif kind == "operator" and value in ")]}":
            if stack:
                stack.pop()
        elif kind == "string":
            value = value[1:-1]  # the lexer keeps the quotes
            inside = set(stack)
            if previous_kind == "name" and previous_name in NON_PROSE_CALLS:
                inside.add(previous_name)  # {% include 'x' %}, {% extends "base.html" %}
            if not inside & (GETTEXT_NAMES | NON_PROSE_CALLS) and _prose_literal(value):
                found.append((lineno, value))
        if kind == "name":
            previous_name = value
        previous_kind = kind
    return found


class _Reader(HTMLParser):
    def __init__(self, template: str, line_offset: int = 0):
        super().__init__(convert_charrefs=True)
        self.template = template
        self.findings: list[Finding] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_ELEMENTS:
            self.skipping.append(tag)
        attributes = dict(attrs)
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag in ("input", "button")
                and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES and tag == "input")
            if read and has_words(value):
                self.findings.append(Finding(self.template, line, f"attribute {name}", value.strip()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIP_ELEMENTS and self.skipping:
            self.skipping.pop()

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if self.skipping or not has_words(data):
            return
        self.findings.append(Finding(self.template, self.getpos()[0], "text",
                                     " ".join(data.replace(PLACEHOLDER, "{{…}}").split())))


def unmarked(env: Environment, name: str, source: str) -> list[Finding]:
    html, literals = flatten(env, source)
    reader = _Reader(name)
    reader.feed(html)
    reader.close()
    return reader.findings + [Finding(name, line, "string literal", value) for line, value in literals]
