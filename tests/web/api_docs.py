"""Checks of a node's or the hub's interactive API pages, shared by the hub's and the node's tests:
every script, style and icon a page names is our own and answers."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

DOC_PAGES = ("/docs", "/redoc")


class _Assets(HTMLParser):
    """The URLs a page loads: ``<script src>``, ``<link href>``, ``<img src>``, and the OpenAPI
    document Swagger UI's start-up script reads from ``data-openapi-url``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.urls.append(str(found["src"]))
            else:
                self.inline_scripts += 1
        for name in ("href", "data-openapi-url", "spec-url") if tag != "script" else ():
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "img" and found.get("src"):
            self.urls.append(str(found["src"]))


async def check_offline_docs(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """Fetch each API page: it names only local URLs (a path on this server), each of which answers
    200, and runs no inline script. Returns the URLs per page."""
    seen: dict[str, list[str]] = {}
    for page in DOC_PAGES:
        reply = await client.get(page)
        assert reply.status_code == 200, page
        assert "http://" not in reply.text and "https://" not in reply.text and "//cdn" not in reply.text
        parsed = _Assets()
        parsed.feed(reply.text)
        assert parsed.inline_scripts == 0, f"{page} runs an inline script"
        assert parsed.urls, page
        for url in parsed.urls:
            assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url} from elsewhere"
            asset = await client.get(url)
            assert asset.status_code == 200, f"{page}: {url} answers {asset.status_code}"
            assert asset.content, url
        seen[page] = parsed.urls
    return seen
