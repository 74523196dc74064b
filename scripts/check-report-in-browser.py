#!/usr/bin/env python3
"""Opens a HymbaLens report's index.html in headless Chromium and checks that every image loaded
and every relative link points at a file; saves a screenshot of the first screen.

Needs Debian's `chromium` and PyPI's `playwright` (its own browser download is not used):

    apt-get install -y chromium && pip install playwright
    scripts/check-report-in-browser.py figures/report/index.html /tmp/report.png

Exit status 1 when an image did not load, a request failed or a link is dangling.
"""
import pathlib
import sys

from playwright.sync_api import sync_playwright


def main(index: str, screenshot: str) -> int:
    page_path = pathlib.Path(index).resolve()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(page_path.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0])")
        broken = [src for src, loaded in images if not loaded]
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        dangling = [link for link in links
                    if not link.startswith(("http:", "https:", "#")) and not (page_path.parent / link).exists()]
        page.screenshot(path=screenshot)
        browser.close()
    print(f"{len(images)} images, {len(broken)} not loaded {broken}; {len(failed)} failed requests {failed}; "
          f"{len(links)} links, {len(dangling)} dangling {dangling}")
    return 1 if broken or failed or dangling else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
