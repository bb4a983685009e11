"""A person at a browser, and what we check on every page they see.

Every navigation a `Visitor` makes goes through `goto`, `follow` or `press`, and each one
ends with `check()` on the page that arrived:

- axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) finds no violations;
- at 320 CSS px wide, and at 200% zoom of a 1280 px window (a 640 CSS px viewport, which is
  what browser zoom does), the page does not scroll sideways
  (document.documentElement.scrollWidth <= clientWidth), and anything that scrolls inside the
  page is a labelled, focusable region;
- a screenshot is saved (full page, 1280 px wide, JPEG);
- with `Tour.check_other_languages_too()`, the same page (if it came from a GET) is checked
  again (axe and reflow) in the site's other languages.

Pages of a visitor without JavaScript are measured where they are (measuring needs no page
scripts), but axe runs on a copy of the same HTML in a scripted page, because axe needs timers
that a script-less page never fires. A tour records every document the browser received and
`finish()` fails if any was not checked, or if any answered with a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT

from tests.helpers import PASSWORD

# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA ("wcag22a" has no rules in
# axe 4.12 yet; it is asked for so that any it gains are run).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
ZOOMED = {"width": 640, "height": 400}  # a 1280 x 800 window at 200%

_REFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const result = {scroll: root.scrollWidth, client: width, culprits: [], unlabelled: []};
  const all = Array.from(document.body.querySelectorAll('*'));
  const clipped = el => {
    if (/^(absolute|fixed)$/.test(getComputedStyle(el).position)) return false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  if (root.scrollWidth > width) {
    for (const el of all) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 1 && !clipped(el)
          && !Array.from(el.children).some(c => c.getBoundingClientRect().right > width + 1)) {
        result.culprits.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                             + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
        if (result.culprits.length >= 4) break;
      }
    }
  }
  for (const el of all) {
    if (/^(TEXTAREA|INPUT|SELECT)$/.test(el.tagName)) continue;
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (el.getAttribute('role') !== 'region' || !named || el.tabIndex < 0) {
        result.unlabelled.push(el.tagName.toLowerCase() + '.' + el.className);
      }
    }
  }
  return result;
}"""

# Whether the focused element shows it: an outline that is not transparent, or a box shadow.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const colour = s.outlineColor.replace(/\\s/g, '');
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
    && colour !== 'transparent' && !/rgba\\(\\d+,\\d+,\\d+,0\\)/.test(colour);
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {key: el.dataset.kbKey || null, visible: Boolean(outline || shadow),
          what: el.outerHTML.slice(0, 100)};
}"""

_MARK_CONTROLS = """root => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, '
                 + '[tabindex]:not([tabindex="-1"])';
  const keys = [];
  root.querySelectorAll(selector).forEach((el, i) => {
    if (el.disabled || !el.getClientRects().length) return;
    el.dataset.kbKey = el.type === 'radio' ? 'radio:' + el.name : 'control-' + i;
    keys.push({key: el.dataset.kbKey, what: el.outerHTML.slice(0, 100)});
  });
  return keys;
}"""


# What kinds of element a page holds (tag, class, type, role), not their words or numbers.
_SHAPE = """() => {
  const kinds = new Set();
  for (const el of document.querySelectorAll('body *')) {
    kinds.add([el.tagName, el.className, el.getAttribute('type'), el.getAttribute('role')].join('|'));
  }
  return Array.from(kinds).sort().join('\\n');
}"""


def _slug(url: str) -> str:
    path = urlsplit(url).path.strip("/") or "home"
    return re.sub(r"[^A-Za-z0-9]+", "-", path)[:60].strip("-")


class Tour:
    """One journey: its server, its people, and everything found wrong on the way."""

    def __init__(self, browser, base: str, app, folder: Path):
        self.browser, self.base, self.app, self.folder = browser, base, app, folder
        self.problems: list[str] = []
        self.visitors: list[Visitor] = []
        self.shots = 0
        self.checked_pages = 0
        self.also_in: tuple[str, ...] = ()
        self._twin = None
        self._language_twin = None

    # --- languages -----------------------------------------------------------------------
    def welsh_available(self) -> bool:
        return "babel" in self.app.extensions and "cy" in self.app.config.get("LANGUAGES", ())

    def translator(self, language: str) -> Callable[..., str]:
        """Words as the site shows them in `language` (its own catalogue), so one journey
        reads the same in English and Welsh. English text is the message id."""
        if language == "en" or not self.welsh_available():
            return lambda text, **values: text % values if values else text
        from flask_babel import force_locale, gettext

        def translate(text: str, **values) -> str:
            with self.app.test_request_context(), force_locale(language):
                return gettext(text, **values)

        return translate

    @staticmethod
    def link_words(translate: Callable[..., str], message: str, **values) -> str:
        """The words of the link inside a translated sentence ("...<a href>words</a>...")."""
        text = translate(message, **{"url": "#", **values})
        match = re.search(r"<a\b[^>]*>(.*?)</a>", text)
        assert match, f"no link in {text!r}"
        return match.group(1)

    def check_other_languages_too(self) -> None:
        """Check each page (reached by GET) in every other language the site offers."""
        if self.welsh_available():
            self.also_in = tuple(code for code in self.app.config["LANGUAGES"] if code != "en")

    # --- people --------------------------------------------------------------------------
    def visitor(self, name: str, *, javascript: bool = True, language: str = "en") -> Visitor:
        visitor = Visitor(self, name, javascript=javascript, language=language)
        self.visitors.append(visitor)
        return visitor

    def twin(self):
        """A scripted page for running axe on what a script-less visitor sees."""
        if self._twin is None:
            context = self.browser.new_context(viewport=DESKTOP)
            context.add_init_script(AXE_SCRIPT)
            context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
            self._twin = context.new_page()
        return self._twin

    def language_twin(self):
        """A scripted page in a window of its own (a background tab would be slowed down), for
        checking a visitor's page again in another language with the visitor's cookies."""
        if self._language_twin is None:
            context = self.browser.new_context(viewport=DESKTOP)
            context.add_init_script(AXE_SCRIPT)
            self._language_twin = context.new_page()
        return self._language_twin

    def problem(self, text: str) -> None:
        self.problems.append(text)
        with (self.folder / "problems.txt").open("a") as out:
            out.write(text + "\n")

    def screenshot(self, page, visitor: str, label: str) -> None:
        self.shots += 1
        page.screenshot(path=str(self.folder / f"{self.shots:02d}-{visitor}-{label}.jpeg"), full_page=True,
                        type="jpeg", quality=75)

    def finish(self) -> None:
        """Fail with everything found: violations, sideways scrolling, unchecked pages, 5xx."""
        for visitor in self.visitors:
            unchecked = [url for url in visitor.documents if url not in visitor.checked_urls]
            for url in dict.fromkeys(unchecked):
                self.problem(f"{visitor.name}: {url} was visited but never checked")
        assert self.checked_pages, "the journey checked no pages"
        assert not self.problems, "\n".join(self.problems)

    def close(self) -> None:
        for visitor in self.visitors:
            visitor.close()
        for twin in (self._twin, self._language_twin):
            if twin is not None:
                twin.context.close()


class Visitor:
    """One person in one browser context (their own cookies)."""

    def __init__(self, tour: Tour, name: str, *, javascript: bool, language: str):
        self.tour, self.name, self.javascript, self.language = tour, name, javascript, language
        self.t = tour.translator(language)
        self.documents: list[str] = []
        self.checked_urls: set[str] = set()
        self._seen: set[tuple[str, str]] = set()
        self._method: dict[str, str] = {}
        self.closed = False
        self._open()

    def _open(self) -> None:
        self.context = self.tour.browser.new_context(
            viewport=DESKTOP, java_script_enabled=self.javascript, base_url=self.tour.base,
            locale="en-GB")
        if self.javascript:
            self.context.add_init_script(AXE_SCRIPT)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.page.on("response", self._on_response)
        self.closed = False

    def _on_response(self, response) -> None:
        request = response.request
        if not request.is_navigation_request() or response.frame != self.page.main_frame:
            return
        if not response.url.startswith(self.tour.base):
            return
        if response.status >= 500:
            self.tour.problem(f"{self.name}: {request.method} {response.url} answered {response.status}")
        content_type = response.headers.get("content-type", "")
        if 300 <= response.status < 400 or "text/html" not in content_type:
            return
        self.documents.append(response.url)
        self._method[response.url] = request.method

    # --- moving about --------------------------------------------------------------------
    def goto(self, path: str):
        response = self.page.goto(path if path.startswith("http") else self.tour.base + path)
        self.check()
        return response

    def back(self) -> None:
        self.page.go_back()
        self.check()

    def click(self, locator) -> None:
        """Click something that loads a new page, then check that page."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def follow(self, name: str | re.Pattern, *, exact: bool = True, within=None) -> None:
        scope = within or self.page
        self.click(scope.get_by_role("link", name=name, exact=exact if isinstance(name, str) else None))

    def press(self, name: str | re.Pattern, *, exact: bool = True, within=None) -> None:
        scope = within or self.page
        self.click(scope.get_by_role("button", name=name, exact=exact if isinstance(name, str) else None))

    def field(self, label: str, *, exact: bool = True):
        return self.page.get_by_label(label, exact=exact)

    def fill(self, label: str, value: str, *, exact: bool = True) -> None:
        self.field(label, exact=exact).fill(value)

    def row(self, *texts: str):
        """The table row that holds every one of `texts`."""
        rows = self.page.get_by_role("row")
        for text in texts:
            rows = rows.filter(has_text=text)
        return rows

    def value_of(self, term: str) -> str:
        """The value beside `term` in a summary list (<dt>term</dt><dd>value</dd>)."""
        dt = self.page.locator("main dt").filter(has_text=re.compile(rf"^\s*{re.escape(term)}\s*$"))
        return dt.locator("xpath=following-sibling::dd[1]").inner_text().strip()

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        t = self.t
        self.follow(t("Sign in"), within=self.page.locator("header"))
        self.fill(t("Email address"), email)
        self.fill(t("Password"), password)
        self.press(t("Sign in"), within=self.page.locator("main"))
        assert "/login" not in self.page.url, f"{email} could not sign in: {self.text()[:300]}"

    def choose_language(self, name: str) -> None:
        """Through the site's language switcher (a link named in its own language)."""
        self.follow(name, within=self.page.locator("header"))

    def restart(self) -> None:
        """Close the browser and open a new one: no cookies, no session."""
        self.close()
        self._open()

    def close(self) -> None:
        if not self.closed:
            self.context.close()
            self.closed = True

    # --- checking ------------------------------------------------------------------------
    def check(self) -> None:
        page = self.page
        page.wait_for_load_state("load")
        url = page.url
        if not url.startswith(self.tour.base):
            return
        # A page seen again with nothing new in it is not checked twice (the same kind of page
        # for another application or batch counts as seen); with a new kind of element (a
        # message, an error, a new status tag) it is checked again.
        key = (re.sub(r"/\d+(?=/|$)", "/N", urlsplit(url).path), page.evaluate(_SHAPE))
        self.checked_urls.add(url)
        if key in self._seen:
            return
        self._seen.add(key)
        self.tour.checked_pages += 1
        language = page.evaluate("document.documentElement.lang") or "?"
        self._axe(page, url, language)
        self._reflow(page, url, language)
        self.tour.screenshot(page, self.name, f"{language}-{_slug(url)}")
        if self.tour.also_in and self.javascript and self._method.get(url) == "GET":
            for language in self.tour.also_in:
                if language != self.language:
                    self._check_in(language, url)

    def _axe(self, page, url: str, language: str) -> None:
        if self.javascript:
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.evaluate(AXE_SCRIPT)
            results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        else:
            html = page.content()
            twin = self.tour.twin()
            twin.context.add_cookies(self.context.cookies())

            def serve(route):
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

            twin.route(url, serve)
            try:
                twin.goto(url)
                results = twin.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
            finally:
                twin.unroute(url)
        for violation in results["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            self.tour.problem(f"{self.name} [{language}] {url}: axe {violation['id']}: "
                              f"{violation['help']} ({len(violation['nodes'])}x: {targets})")

    def _reflow(self, page, url: str, language: str) -> None:
        try:
            for size, what in ((NARROW, "320 px wide"), (ZOOMED, "200% zoom")):
                page.set_viewport_size(size)
                found = page.evaluate(_REFLOW)
                if found["scroll"] > found["client"]:
                    self.tour.problem(f"{self.name} [{language}] {url}: at {what} the page scrolls "
                                      f"sideways ({found['scroll']} > {found['client']} px): "
                                      f"{found['culprits']}")
                for region in found["unlabelled"]:
                    self.tour.problem(f"{self.name} [{language}] {url}: at {what}, {region} scrolls "
                                      "but is not a labelled, focusable region")
        finally:
            page.set_viewport_size(DESKTOP)

    def _check_in(self, language: str, url: str) -> None:
        from commonpot.i18n import LANGUAGE_COOKIE

        other = self.tour.language_twin()
        other.context.clear_cookies()
        other.context.add_cookies(self.context.cookies() + [
            {"name": LANGUAGE_COOKIE, "value": language, "url": self.tour.base}])
        other.goto(url)
        self._axe(other, url, language)
        self._reflow(other, url, language)

    # --- the keyboard --------------------------------------------------------------------
    def tab_to(self, locator, *, limit: int = 120) -> None:
        """Press Tab until `locator` has focus (checking each stop shows its focus)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            state = self.page.evaluate(_FOCUSED)
            if state and not state["visible"]:
                self.tour.problem(f"{self.name} {self.page.url}: focus not visible on {state['what']}")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{self.name}: Tab never reached {locator} on {self.page.url}")

    def keyboard_pass(self, scope: str = "main form") -> None:
        """Tab through the whole page from the top: every control in `scope` must take focus,
        and every element that takes focus must show it."""
        page = self.page
        wanted = {}
        for root in page.locator(scope).all():
            for control in root.evaluate(_MARK_CONTROLS):
                wanted.setdefault(control["key"], control["what"])
        assert wanted, f"no controls in {scope} on {page.url}"
        page.evaluate("() => { window.scrollTo(0, 0); const a = document.activeElement; "
                      "if (a && a.blur) a.blur(); }")
        reached, first = set(), None
        for _ in range(400):
            page.keyboard.press("Tab")
            state = page.evaluate(_FOCUSED)
            if state is None:
                continue
            if first is None:
                first = state["what"]
            elif state["what"] == first and state["key"] is None:
                break  # round the page and back to the start
            if not state["visible"]:
                self.tour.problem(f"{self.name} {page.url}: focus not visible on {state['what']}")
            if state["key"]:
                reached.add(state["key"])
            if reached >= set(wanted):
                break
        missing = [wanted[key] for key in wanted if key not in reached]
        for what in missing:
            self.tour.problem(f"{self.name} {page.url}: Tab never reaches {what}")
