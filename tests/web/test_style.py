"""The stylesheet: enough contrast (WCAG 2.x, 4.5:1 for text) in the light and the dark scheme,
a visible focus outline, system fonts only."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "web" / "static" / "style.css").read_text("utf-8")


def variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))


LIGHT = variables(CSS.split(":root {", 1)[1].split("}", 1)[0])
DARK = {**LIGHT, **variables(CSS.split("prefers-color-scheme: dark", 1)[1].split("}", 1)[0])}


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# (foreground, background) pairs that carry text on the pages.
PAIRS = [("text", "bg"), ("muted", "bg"), ("link", "bg"), ("visited", "bg"), ("text", "panel"),
         ("muted", "panel"), ("link", "panel"), ("text", "mark"), ("text", "chip"), ("muted", "chip")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("fg, bg", PAIRS)
def test_text_contrast_is_at_least_4_5(scheme, fg, bg):
    colours = LIGHT if scheme == "light" else DARK
    assert contrast(colours[fg], colours[bg]) >= 4.5


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_white_on_the_accent_and_the_focus_ring_against_the_page(scheme):
    colours = LIGHT if scheme == "light" else DARK
    assert contrast("#ffffff", colours["accent"]) >= 4.5      # buttons, current sort, current page
    assert contrast(colours["focus"], colours["bg"]) >= 3.0   # non-text contrast of the outline


def test_the_contrast_function_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


def test_focus_is_visible_and_fonts_are_local():
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", CSS)
    assert "outline: none" not in CSS and "outline:none" not in CSS
    assert "@font-face" not in CSS and "@import" not in CSS
    assert re.search(r"font-family:\s*system-ui", CSS)
