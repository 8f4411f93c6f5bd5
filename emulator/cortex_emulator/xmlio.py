"""Safe XML parsing of requests and fast serialisation of responses.

Responses are built as light tuples ``(tag, attrs, content)``: ``attrs`` is ``None`` or a tuple of
``(name, value)`` pairs, ``content`` is ``None`` (written ``<tag />``), a ``str`` (text) or a list of nodes.
The writer emits the CortexAPI conventions: XML declaration first, two-space indentation, ``<x />`` for empty.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
EMPTY_RESPONSE = (DECLARATION + '<response version="1.0" />\n').encode()
_INDENTS = ["  " * depth for depth in range(64)]


class XmlRejected(ValueError):
    """The request body is not acceptable XML; the message is safe to show to the caller."""


class _Limited(TreeBuilder):
    """Builds the tree while counting: past ``max_depth`` levels, ``max_elements`` elements, ``max_attributes``
    attributes or ``max_element_attributes`` attributes on one element the parse stops at once (before the rest of
    the document costs memory or time)."""

    def __init__(self, max_depth: int, max_elements: int, max_attributes: int, max_element_attributes: int):
        super().__init__()
        self.max_depth, self.max_elements = max_depth, max_elements
        self.max_attributes, self.max_element_attributes = max_attributes, max_element_attributes
        self.depth = self.count = self.attributes = 0

    def start(self, tag, attrs):
        self.depth += 1
        self.count += 1
        if self.depth > self.max_depth:
            raise XmlRejected(f"The XML is nested deeper than {self.max_depth} levels.")
        if self.count > self.max_elements:
            raise XmlRejected(f"The XML holds more than {self.max_elements} elements.")
        if attrs:
            _count_attributes(len(attrs), self.attributes, self.max_attributes, self.max_element_attributes)
            self.attributes += len(attrs)
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def _count_attributes(found: int, before: int, max_attributes: int, max_element_attributes: int) -> None:
    if found > max_element_attributes:
        raise XmlRejected(f"The XML holds an element with more than {max_element_attributes} attributes.")
    if before + found > max_attributes:
        raise XmlRejected(f"The XML holds more than {max_attributes} attributes.")


# Where a start tag with attributes begins ("<name attr="), and then, within it, an attribute value or what ends
# the tag. Attribute values cannot hold "<", and each part can match in one way only: one pass over the body,
# whatever it holds. Comments and CDATA sections are not told apart (a start tag written inside one is counted too:
# never fewer attributes than the parser will see).
_TAG_WITH_ATTRIBUTES = re.compile(rb"<[^\s<>!?/=\"']+\s+[^\s<>=\"'/]+\s*=")
_VALUE_OR_END = re.compile(rb"=\s*(?:\"[^\"<]*\"|'[^'<]*')|[<>=]")


def _scannable(body: bytes) -> bytes:
    """The body as bytes where markup is ASCII: UTF-16 (the only other encoding the parser reads) as UTF-8."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body.decode("utf-16", "replace").encode()
    if body[:1] == b"\x00":
        return body.decode("utf-16-be", "replace").encode()
    if body[1:2] == b"\x00":
        return body.decode("utf-16-le", "replace").encode()
    return body


def check_attributes(body: bytes, max_attributes: int, max_element_attributes: int) -> None:
    """Refuse (XmlRejected) a body with too many attributes before it is parsed: the parser hands over all the
    attributes of an element at once, as Python objects (a million of them cost hundreds of MB before any count
    could stop them). Every attribute is written with a "=", so a body with few of them needs no closer look; else
    the start tags are scanned, counting no further than a limit."""
    if body.count(b"=") <= min(max_attributes, max_element_attributes):
        return
    text = _scannable(body)
    total = 0
    for tag in _TAG_WITH_ATTRIBUTES.finditer(text):
        stop = min(max_element_attributes, max_attributes - total) + 1
        found = 0
        for token in _VALUE_OR_END.finditer(text, tag.end() - 1):
            if token.end() - token.start() == 1:  # "<" or ">": the tag ended ("=" without a value: malformed)
                break
            found += 1
            if found >= stop:
                break
        found = max(found, 1)  # one even when its value is unreadable: a malformed body is not scanned for longer
        _count_attributes(found, total, max_attributes, max_element_attributes)
        total += found


def parse(body: bytes, max_depth: int = 32, max_elements: int = 200_000, max_attributes: int = 200_000,
          max_element_attributes: int = 64) -> Element:
    """Parse an untrusted body: DTDs, entity declarations and external references are refused, and so are
    documents nested deeper than ``max_depth``, holding more than ``max_elements`` elements or ``max_attributes``
    attributes, or an element with more than ``max_element_attributes`` attributes."""
    if not body.strip():
        raise XmlRejected("The request body is empty.")
    check_attributes(body, max_attributes, max_element_attributes)
    parser = DefusedXMLParser(target=_Limited(max_depth, max_elements, max_attributes, max_element_attributes),
                              forbid_dtd=True, forbid_entities=True, forbid_external=True)
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
