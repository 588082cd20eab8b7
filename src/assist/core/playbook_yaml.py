"""Read one playbook file's YAML into plain data, keeping the line of every value, within
limits that make hostile input fail fast instead of never finishing.

PyYAML composes aliases as shared nodes, so a 1 KB "billion laughs" composes instantly
and only explodes when walked; a 20,000-deep nesting overflows the composer's recursion.
The loader below measures each node as it is composed (values and height with aliases
expanded) and refuses before anything walks it. Merge keys (`<<: *base`) follow YAML's
rules: keys written in the mapping win, then the first merged mapping listed.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Problem

MAX_NODES = 20_000  # values per file, aliases expanded: a bundled 100 KB file has 1,300
MAX_DEPTH = 20  # nesting, aliases expanded: a playbook needs 6

_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"

Path_ = tuple[Any, ...]


class Refused(yaml.MarkedYAMLError):
    """Over a limit, or a value that can't be read: reported as is, with its line."""

    def __init__(self, message: str, mark: Any):
        super().__init__(problem=message, problem_mark=mark)


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, text: str):
        super().__init__(text)
        self.composed = 0
        self.depth = 0
        self.measured: dict[yaml.Node, tuple[int, int]] = {}  # node -> (values, height)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            # A node not measured yet is still being composed: the alias is inside it.
            if node is not None and node not in self.measured:
                raise Refused(
                    f"alias *{event.anchor} refers to a value that contains it", event.start_mark
                )
            return node
        self.composed += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        if self.composed > MAX_NODES:
            raise Refused(f"more than {MAX_NODES:,} values in one file: split it", event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None:
            self._measure(node)
        return node

    def _measure(self, node: yaml.Node) -> None:
        children: list[yaml.Node] = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        sizes = [self.measured[child] for child in children]
        values = 1 + sum(size for size, _ in sizes)
        height = 1 + max((h for _, h in sizes), default=0)
        if values > MAX_NODES:
            raise Refused(f"aliases expand this to more than {MAX_NODES:,} values", node.start_mark)
        if height > MAX_DEPTH:
            raise Refused(f"aliases nest this deeper than {MAX_DEPTH} levels", node.start_mark)
        self.measured[node] = (values, height)


def compose(text: str, path: str, lines: dict[Path_, int], problems: list[Problem]) -> Any:
    """The data of `text`; fills `lines` (value path -> line) and `problems` (duplicate
    or non-text keys, bad merges). Raises yaml.YAMLError (a Refused for the limits)."""
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        return None if root is None else _Walk(loader, path, lines, problems).value(root, ())
    finally:
        loader.dispose()


class _Walk:
    def __init__(
        self, loader: yaml.SafeLoader, path: str, lines: dict[Path_, int], problems: list[Problem]
    ):
        self.loader, self.path, self.lines, self.problems = loader, path, lines, problems

    def value(self, node: yaml.Node, at: Path_) -> Any:
        self.lines[at] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, at)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(child, (*at, i)) for i, child in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _VALUE:  # a bare `=`, which PyYAML reads as text
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # 2024-13-01, a 5,000-digit int
            kind = node.tag.rsplit(":", 1)[-1]
            reason = str(exc).split(":")[0]
            message = f"cannot read {node.value[:40]!r} as {kind} ({reason}): quote it for text"
            raise Refused(message, node.start_mark) from exc

    def mapping(self, node: yaml.MappingNode, at: Path_) -> dict[Any, Any]:
        sources: list[yaml.MappingNode] = []
        written: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources.extend(self.merged(value_node))
            else:
                written.append((key_node, value_node))
        out: dict[Any, Any] = {}
        for source in reversed(sources):  # the first listed goes in last, so it wins
            out.update(self.mapping(source, at))
        own: set[str] = set()
        for key_node, value_node in written:
            key_line = key_node.start_mark.line + 1
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = repr(key)[:40] if isinstance(key_node, yaml.ScalarNode) else "a collection"
                self.problems.append(Problem(self.path, key_line, f"key {shown} must be text"))
                continue
            if key in own:
                self.problems.append(Problem(self.path, key_line, f"duplicate key {key!r}"))
                continue
            own.add(key)
            out[key] = self.value(value_node, (*at, key))
            self.lines[(*at, key)] = key_line
        return out

    def merged(self, node: yaml.Node) -> list[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(
            isinstance(item, yaml.MappingNode) for item in node.value
        ):
            return list(node.value)
        message = "a merge (<<) takes a mapping or a list of mappings"
        self.problems.append(Problem(self.path, node.start_mark.line + 1, message))
        return []
