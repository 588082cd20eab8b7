"""HTML from helpdesk exports to the plain text a reply holds, keeping its line breaks.

The stdlib parser only tokenises: nothing is evaluated, fetched or rendered. Paragraphs
and list items become lines, links keep their address (a `{{ticket.url}}` placeholder in
an `href` survives as text), scripts and styles are dropped with their content.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    "address article aside blockquote center dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section summary table tbody "
    "thead tfoot tr ul".split()
)
_HIDDEN = frozenset("head script style template title noscript".split())
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:", "{{")
# A tag the way helpdesk editors write them; "a < b" in plain text is not one.
_LOOKS_LIKE_HTML = re.compile(
    r"<(?:p|div|br|span|a|b|i|u|em|strong|ul|ol|li|h[1-6]|table|tr|td|font|img)\b[^>]*>|</\w+>|&nbsp;",
    re.IGNORECASE,
)
_PARAGRAPH = "\x00P\x00"  # a marker no text contains (NUL is removed from input first)
_LINE = "\x00L\x00"


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.links: list[tuple[str, int]] = []  # (href, index of the first part inside)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append(_LINE)
        elif tag == "li":
            self.parts += [_LINE, "- "]
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK:
            self.parts.append(_PARAGRAPH)
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href.strip(), len(self.parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":  # <a/> has no text to keep
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append(_PARAGRAPH)
        elif tag == "a" and self.links:
            href, first = self.links.pop()
            shown = "".join(self.parts[first:]).strip()
            if href.startswith(_LINK_SCHEMES) and href not in shown:
                self.parts.append(f" ({href})" if shown else href)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))  # HTML collapses white space


def html_to_text(html: str) -> str:
    """Readable text of `html`: one line per <br>, a blank line between paragraphs."""
    parser = _Text()
    parser.feed(html.replace("\x00", ""))
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(rf"(?:\s*{re.escape(_PARAGRAPH)}\s*)+", "\n\n", text)
    text = text.replace(_LINE, "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(text: str) -> str:
    """Line endings unified, trailing spaces and runs of blank lines removed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
