"""Safe XML parsing of requests and fast serialisation of responses.

Responses are built as light tuples ``(tag, attrs, content)``: ``attrs`` is ``None`` or a tuple of
``(name, value)`` pairs, ``content`` is ``None`` (written ``<tag />``), a ``str`` (text) or a list of nodes.
The writer emits the CortexAPI conventions: XML declaration first, two-space indentation, ``<x />`` for empty.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
EMPTY_RESPONSE = (DECLARATION + '<response version="1.0" />\n').encode()
_INDENTS = ["  " * depth for depth in range(64)]


class XmlRejected(ValueError):
    """The request body is not acceptable XML; the message is safe to show to the caller."""


class _Limited(TreeBuilder):
    """Builds the tree while counting: past ``max_depth`` levels or ``max_elements`` elements the parse stops at
    once (before the rest of the document costs memory or time)."""

    def __init__(self, max_depth: int, max_elements: int):
        super().__init__()
        self.max_depth, self.max_elements = max_depth, max_elements
        self.depth = self.count = 0

    def start(self, tag, attrs):
        self.depth += 1
        self.count += 1
        if self.depth > self.max_depth:
            raise XmlRejected(f"The XML is nested deeper than {self.max_depth} levels.")
        if self.count > self.max_elements:
            raise XmlRejected(f"The XML holds more than {self.max_elements} elements.")
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def parse(body: bytes, max_depth: int = 32, max_elements: int = 200_000) -> Element:
    """Parse an untrusted body: DTDs, entity declarations and external references are refused, and so are
    documents nested deeper than ``max_depth`` or holding more than ``max_elements`` elements."""
    if not body.strip():
        raise XmlRejected("The request body is empty.")
    parser = DefusedXMLParser(target=_Limited(max_depth, max_elements), forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    try:
        parser.feed(body)
        return parser.close()
    except XmlRejected:
        raise
    except DefusedXmlException as exc:
        raise XmlRejected(f"Forbidden XML construct: {type(exc).__name__}.") from None
    except ParseError as exc:
        raise XmlRejected(f"Malformed XML: {exc}.") from None
    except (ValueError, UnicodeError, RecursionError) as exc:  # odd encodings
        raise XmlRejected(f"Unreadable XML: {type(exc).__name__}.") from None


def local(tag) -> str:
    """Lower-case element name without namespace (comments and PIs have non-str tags)."""
    if not isinstance(tag, str):
        return ""
    if tag[0] == "{":
        tag = tag.rpartition("}")[2]
    return tag.lower()


def children(el: Element, name: str) -> list[Element]:
    return [c for c in el if local(c.tag) == name]


def child(el: Element, name: str) -> Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def text(el: Element | None, name: str | None = None) -> str | None:
    """Stripped text of ``el`` (or of its first child ``name``); None when the element is absent."""
    if name is not None:
        el = child(el, name) if el is not None else None
    if el is None:
        return None
    return (el.text or "").strip()


def _esc(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def _esc_attr(value: str) -> str:
    return _esc(value).replace('"', "&quot;")


def _write(node, depth: int, out: list) -> None:
    tag, attrs, content = node
    indent = _INDENTS[depth] if depth < 64 else "  " * depth
    if attrs:
        head = tag + "".join(f' {k}="{_esc_attr(str(v))}"' for k, v in attrs)
    else:
        head = tag
    if not content:
        out.append(f"{indent}<{head} />\n")
    elif content.__class__ is str:
        out.append(f"{indent}<{head}>{_esc(content)}</{tag}>\n")
    else:
        out.append(f"{indent}<{head}>\n")
        for sub in content:
            _write(sub, depth + 1, out)
        out.append(f"{indent}</{tag}>\n")


def response(nodes: list) -> bytes:
    """A complete ``<response version="1.0">`` document holding ``nodes``."""
    if not nodes:
        return EMPTY_RESPONSE
    out = [DECLARATION, '<response version="1.0">\n']
    for node in nodes:
        _write(node, 1, out)
    out.append("</response>\n")
    return "".join(out).encode()


def error_response(errors: list[tuple[str, str]]) -> bytes:
    return response([("error", None, [("id", None, code), ("message", None, message)]) for code, message in errors])


def boolstr(value) -> str:
    return "True" if value else "False"
