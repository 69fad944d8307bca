"""Save docs/screenshot.png: the results page of a realistic query over the sample corpus.

    .venv/bin/python -m tests.browser.screenshot [--query 介護] [--out docs/screenshot.png]
    .venv/bin/python -m tests.browser.screenshot --type かいごほ --out docs/screenshot-suggest.png

Indexes ``corpus/`` into a temporary directory, serves it with ``policy-search serve``, and has
headless Chromium photograph ``/search?q=…`` at 1280×900 (device scale 1, so the PNG stays small).
Japanese glyphs need a CJK font on the machine (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from search import Settings

from tests.browser.server import launch_chromium, running_server

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="介護")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--type", default="", help="type this into the home page's box and "
                        "photograph the suggestions instead of a results page")
    args = parser.parse_args(argv)

    from indexer.build import rebuild
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        rebuild(Settings(index_dir=index_dir, corpus_dir=args.corpus))
        with running_server(index_dir) as base, sync_playwright() as p:
            browser = launch_chromium(p)
            try:
                context = browser.new_context(viewport={"width": args.width, "height": args.height},
                                              locale="ja-JP", color_scheme="light")
                page = context.new_page()
                url = f"{base}/search?{urlencode({'q': args.query})}"
                page.goto(url)  # the first query loads the dictionary; show a warm one
                page.goto(url)
                page.wait_for_load_state("networkidle")
                if args.type:
                    page.goto(base + "/")
                    page.locator("#q").press_sequentially(args.type, delay=50)
                    page.locator("#q-suggestions").wait_for(state="visible")
                    page.locator("#q").press("ArrowDown")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
                context.close()
            finally:
                browser.close()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
