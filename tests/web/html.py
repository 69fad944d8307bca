"""A small HTML tree for page tests (stdlib ``html.parser``): find elements, read their text."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Element | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list["Element | str"] = []

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        """The text content, as a browser's ``textContent`` (entities already decoded)."""
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def elements(self) -> list["Element"]:
        """Direct child elements."""
        return [c for c in self.children if isinstance(c, Element)]

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Element"]:
        """Descendants with this tag, class and attribute values (``aria_current`` → ``aria-current``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [e for e in self.iter()
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(k) == v for k, v in wanted.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Element":
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]

    def tags_inside(self) -> set[str]:
        return {e.tag for e in self.iter()}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        assert node is not self.root, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(markup: str | bytes) -> Element:
    """The document tree; fails on a closing tag that closes nothing."""
    if isinstance(markup, bytes):
        markup = markup.decode("utf-8")
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


def squash(text: str) -> str:
    """Runs of white space as one space, trimmed: text as a reader sees it."""
    return " ".join(text.split())
