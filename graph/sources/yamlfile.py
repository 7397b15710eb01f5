"""A YAML reader that remembers the line of every mapping key and list item, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from graph.errors import Problem, UsageError


class LinedDict(dict):
    """A mapping that knows its own line and the line of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LinedList(list):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers; dates stay strings so that the build checks them itself."""


# Performance: libyaml's scanner and parser (CSafeLoader) with the same constructors read a source about 4x faster
# than the pure-Python loader (2.3 s -> 0.6 s for 100k triples of sources). Where a file is malformed, it is parsed
# again by the pure-Python _Loader, so error messages and lines stay exactly those of the pure-Python loader.
_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS: dict[str, str] = {}  # a plain scalar's text -> its resolved tag (a pure function of the text)


def _resolve(loader, kind, value, implicit):
    """`resolve` (called by libyaml's composer for every node) with the answer for a scalar kept: a quoted one is
    always a string, a plain one's tag is remembered for its text (keys such as `id:` and `a:` recur thousands
    of times). The same tags as PyYAML's, about 0.5 s less at 1M triples of sources."""
    if kind is not yaml.ScalarNode or loader.yaml_path_resolvers:
        return yaml.SafeLoader.resolve(loader, kind, value, implicit)
    if not implicit[0]:
        return _STR
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = yaml.SafeLoader.resolve(loader, kind, value, implicit)
        if len(_PLAIN_TAGS) < 4096:  # bounded: a long-running process reads many files
            _PLAIN_TAGS[value] = tag
    return tag


_FastLoader = type("_FastLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {"resolve": _resolve})


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    """`loader.construct_object(node, deep=True)`, with a shortcut for a scalar (most of a source's nodes): its
    constructor called straight away, without the bookkeeping for anchors and recursion that only a collection
    needs (an alias to a scalar gives an equal value either way). About a third of the construction's time."""
    if type(node) is yaml.ScalarNode:
        if node.tag == _STR:  # what the str constructor returns
            return node.value
        constructor = loader.yaml_constructors.get(node.tag)
        if constructor is not None:
            return constructor(loader, node)
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LinedDict:
    loader.flatten_mapping(node)
    result = LinedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping keys must be strings, not {key!r}", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = _construct(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LinedList:
    result = LinedList([_construct(loader, child) for child in node.value])
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    # Keep timestamps as text: "2020-07-16" must reach the date checker as written.
    _loader.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
    )


def read_yaml(path: Path, shown: str) -> Any:
    """Parse a YAML file; syntax errors become an InvalidData problem with the line, I/O errors a UsageError."""
    from graph.errors import InvalidData

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{shown}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise InvalidData([Problem(shown, 0, "", f"not UTF-8 text ({exc.reason})")]) from exc
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror})") from exc
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a (C)SafeLoader subclass
    except yaml.YAMLError:
        pass  # malformed: parse again with the pure-Python loader below, for its exact messages
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (e.g. an unclosed "["); the problem mark is where
        # the parser gave up, often a line later.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark else 0
        message = "; ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise InvalidData([Problem(shown, line, "", f"malformed YAML: {message}")]) from exc
    except yaml.YAMLError as exc:
        raise InvalidData([Problem(shown, 0, "", f"malformed YAML: {exc}")]) from exc
