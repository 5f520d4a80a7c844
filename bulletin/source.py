"""Reading YAML that staff wrote by hand, keeping a location for every value.

PyYAML alone would lose what we need: it keeps the last of two duplicate keys
(silently dropping staff's text), turns `NO` into False, accepts arbitrary
tags, and forgets where each value came from. So we compose the node graph
(PyYAML's C parser when available) and construct plain Python values
ourselves, recording where each key and value starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import ContentError, Location, Problem

try:  # the C parser is several times faster; the pure one behaves the same
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# Scalars staff may write. Anything else (!!python/object, !!binary, custom
# tags, merge keys) is refused rather than guessed at.
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Aliases may repeat a value, but a few lines must not expand into millions
# of values ("billion laughs").
_MAX_ALIAS_EXPANSION = 10_000

_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()

Path_ = tuple  # a path into the document: ("projects", 2, "status")


@dataclass
class SourceDocument:
    """A parsed file: plain data plus where each part of it was written."""

    display_path: str
    data: Any
    value_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: tuple = (), *, key: bool = False) -> Location:
        """Where the value at `path` (or its key) starts; else its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while True:
            if probe in marks:
                line, column = marks[probe]
                return Location(self.display_path, line, column)
            if probe in self.value_marks:
                line, column = self.value_marks[probe]
                return Location(self.display_path, line, column)
            if not probe:
                return Location(self.display_path, 1, 1)
            probe = probe[:-1]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_yaml_file(path: Path, root: Path) -> SourceDocument:
    """Read and parse one file; raise ContentError with located problems."""
    shown = display_path(path, root)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContentError([Problem(Location(shown, 1, 1), "", f"cannot read file: {error.strerror}")])
    return parse_yaml(raw, shown)


def parse_yaml(raw: bytes, shown: str) -> SourceDocument:
    text = decode_text(raw, shown)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise ContentError(_syntax_problems(error, text, shown))
    except yaml.YAMLError as error:  # ReaderError: a character YAML forbids
        raise ContentError([_reader_problem(error, text, shown)])
    document = SourceDocument(shown, None)
    if root is None:
        return document
    builder = _Builder(document)
    document.data = builder.build(root, ())
    if builder.problems:
        raise ContentError(builder.problems)
    return document


def decode_text(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        raise ContentError([Problem(Location(shown, 1, 1), "",
                                    "file is UTF-16, not UTF-8; save it as UTF-8")])
    if raw.startswith(b"\xef\xbb\xbf"):  # the BOM Windows editors add is harmless
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        column = len(raw[line_start:error.start].decode("utf-8", errors="replace")) + 1
        hint = "save it as UTF-8"
        try:
            raw.decode("gb18030")
            hint = ("it looks like GBK/GB18030 (the usual encoding of Chinese Windows); "
                    "open it in your editor and save it with encoding UTF-8")
        except UnicodeDecodeError:
            pass
        raise ContentError([Problem(Location(shown, line, column), "",
                                    f"file is not UTF-8 (byte 0x{raw[error.start]:02x}); {hint}")])


def _syntax_problems(error: yaml.MarkedYAMLError, text: str, shown: str) -> list[Problem]:
    tabs = _indentation_tabs(text, shown)
    if tabs:  # the usual cause, and YAML's own message does not say so
        return tabs
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = (error.problem or error.context or "invalid YAML").strip()
    if error.context and error.problem:
        message = f"{error.context} {message}"
    hint = _SYNTAX_HINTS.get(error.problem or "", "")
    return [Problem(Location(shown, line, column), "", f"YAML syntax error: {message}{hint}")]


_SYNTAX_HINTS = {
    "mapping values are not allowed here":
        " (a ':' inside an unquoted value? put the whole value in quotes)",
    "mapping values are not allowed in this context":
        " (a ':' inside an unquoted value? put the whole value in quotes)",
    "could not find expected ':'":
        " (each field is written 'name: value')",
    "found character that cannot start any token":
        " (a value starting with @, ` or % must be quoted)",
}


def _indentation_tabs(text: str, shown: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(Problem(Location(shown, number, indent.index("\t") + 1), "",
                                    "tab character in indentation; YAML indents with spaces only"))
    return problems


def _reader_problem(error: yaml.YAMLError, text: str, shown: str) -> Problem:
    position = getattr(error, "position", 0) or 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = getattr(error, "character", None)
    what = f"U+{ord(character):04X}" if isinstance(character, str) else "a control character"
    return Problem(Location(shown, line, column), "",
                   f"file contains {what}, which YAML does not allow; delete it")


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, recording marks."""

    def __init__(self, document: SourceDocument):
        self.document = document
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.expanded = 0

    def _problem(self, node: yaml.Node, path: tuple, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(Location(self.document.display_path, mark.line + 1, mark.column + 1),
                                     format_path(path), message))

    def build(self, node: yaml.Node, path: tuple) -> Any:
        if id(node) in self.seen:
            self.expanded += 1
            if self.expanded > _MAX_ALIAS_EXPANSION:
                self._problem(node, path, "anchors and aliases expand into too many values")
                raise ContentError(self.problems)
        elif not isinstance(node, yaml.ScalarNode):
            self.seen.add(id(node))
        self.document.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _ALLOWED_TAGS:
            self._problem(node, path, f"YAML tag '{node.tag}' is not allowed here; write plain text")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        return _construct_scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: tuple) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self._problem(key_node, path, "only plain names may be used as keys")
                continue
            key = key_node.value
            child = path + (key,)
            if key in result:
                first_line, first_column = self.document.key_marks[child]
                self._problem(key_node, child,
                              f"duplicate key '{key}' (first written at line {first_line}, "
                              f"column {first_column}); YAML would silently keep only the last one")
                continue
            self.document.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child)
        return result


def _construct_scalar(node: yaml.ScalarNode) -> Any:
    constructor = _SCALAR_CONSTRUCTOR.yaml_constructors[node.tag]
    return constructor(_SCALAR_CONSTRUCTOR, node)


def format_path(path: tuple) -> str:
    """("projects", 2, "status") -> "projects[2].status"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
