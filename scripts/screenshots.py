"""Take the README's sidebar screenshots from a running server with the bundled library.

Drives Debian's /usr/bin/chromium (headless, never a downloaded browser) through
Playwright: opens the demo chat (`/widget/demo`), connects with the key, sends one
customer message per language and saves the page (demo + sidebar) and the sidebar alone.
The window is 860 px tall, a laptop's, so the pictures show how many cards an agent sees.

    make run                                    # serves the bundled playbooks, prints a key
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000 \
        --key "$(cat .assist-demo-key)" --out docs/screenshots

Writes widget-english.png, widget-persian.png (page) and sidebar-english.png,
sidebar-persian.png (the sidebar's frame), and prints how many cards each one shows.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Shot:
    name: str  # file stem: widget-<name>.png, sidebar-<name>.png
    tab: str  # the demo conversation's tab label
    ui: str  # the sidebar's own language
    message: str  # what the customer writes
    human_text: str  # typed into the first card's first [[human]] slot ("" = none)


SHOTS = [
    Shot(
        "english",
        "Sara · English",
        "en",
        "My order A-1042 is a week late. Where is it?",
        "the courier scanned it in Leeds last night",
    ),
    Shot(
        "persian",
        "مریم · فارسی",
        "fa",
        "یک ساعته تتر خریدم هنوز به ولتم نرسیده، سومین باره پیام میدم",
        "",
    ),
]


def take(page: Any, url: str, key: str, shot: Shot, out: Path) -> dict[str, int]:
    # The key goes in the fragment, which the demo reads and drops (never sent anywhere).
    page.goto(f"{url.rstrip('/')}/widget/demo#key={key}")
    page.select_option("#ui", shot.ui)
    page.click(f"text={shot.tab}")
    page.click("#connect button")
    sidebar = page.frame_locator("#sidebar")
    sidebar.locator("#status[data-kind=ok]").wait_for(timeout=15_000)
    page.fill("#customer-text", shot.message)
    page.click("#customer-form button")
    cards = sidebar.locator(".card")
    cards.first.wait_for(timeout=30_000)
    if shot.human_text and cards.first.locator("input.slot-human").count():
        cards.first.locator("input.slot-human").first.fill(shot.human_text)
    page.wait_for_timeout(400)  # the skeleton's fade and the mood chip
    page.screenshot(path=str(out / f"widget-{shot.name}.png"))
    page.locator("#sidebar").screenshot(path=str(out / f"sidebar-{shot.name}.png"))
    frame = page.locator("#sidebar").element_handle().content_frame()
    return frame.evaluate(
        """() => {
            const height = window.innerHeight;
            const cards = [...document.querySelectorAll('.card')];
            const boxes = cards.map((c) => c.getBoundingClientRect());
            return {
                cards: boxes.length,
                tops_in_view: boxes.filter((b) => b.top < height).length,
                whole_in_view: boxes.filter((b) => b.bottom <= height).length,
                frame_height: height,
            };
        }"""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument(
        "--key",
        default=os.environ.get("ASSIST_API_KEY"),
        help="an agent (or admin) key [env: ASSIST_API_KEY; else .assist-demo-key]",
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=860)
    args = parser.parse_args(argv)
    key = args.key
    if not key and Path(".assist-demo-key").is_file():
        key = Path(".assist-demo-key").read_text().strip()
    if not key:
        parser.error("no key: pass --key, set ASSIST_API_KEY or run `make run` once")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-core")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            for shot in SHOTS:
                context = browser.new_context(
                    viewport={"width": args.width, "height": args.height}, locale="en-US"
                )
                try:
                    seen = take(context.new_page(), args.url, key, shot, args.out)
                finally:
                    context.close()
                print(
                    f"{shot.name}: {seen['cards']} cards, {seen['tops_in_view']} start and "
                    f"{seen['whole_in_view']} fit whole in the {seen['frame_height']} px sidebar"
                    f" -> {args.out}/widget-{shot.name}.png, sidebar-{shot.name}.png"
                )
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
