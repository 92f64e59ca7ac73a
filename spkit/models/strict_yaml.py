"""YAML read strictly: a key given twice is refused (PyYAML silently keeps the last one), so a parameters
file never means something else than what its reader sees first."""

from __future__ import annotations

from typing import Any

import yaml

from spkit.models.profile_fields import ProfileFieldError


class DuplicateKeyError(Exception):
    """A mapping names ``key`` twice; ``line`` is where it comes again (1-based)."""

    def __init__(self, key: object, line: int) -> None:
        super().__init__(key, line)
        self.key = key
        self.line = line


class StrictLoader(yaml.SafeLoader):
    """A safe loader that raises ``DuplicateKeyError`` for a key given twice."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        except TypeError:  # an unhashable key; the profile's key check reports it
            continue
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_text(text: str, source: str) -> Any:
    """The YAML ``text`` of ``source`` (a file's path) as data; a duplicate key or bad syntax is a
    ``ProfileFieldError`` naming the source and the line."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except DuplicateKeyError as exc:
        raise ProfileFieldError(
            str(exc.key),
            f"is given twice (again on line {exc.line})",
            source=source,
            fix="keep one of the two",
            code="PROFILE_DUPLICATE_KEY",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ProfileFieldError(
            "",
            f"is not valid YAML ({where}{problem})",
            source=source,
            fix="fix the YAML syntax (indentation, colons, quotes)",
            code="PROFILE_FILE_INVALID",
        ) from None
