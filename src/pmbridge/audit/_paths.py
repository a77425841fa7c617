"""Request paths as the audit log names them: the route template, each path parameter as a digest.

A path such as ``/api/individuals/rel-eu-5`` carries a patient's id, and the log must never hold
one; ``/api/individuals/{entry_id} entry_id=sha256:…`` still says which endpoint was asked, and
equal digests show the same entry was asked again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

DIGEST_HEX = 16
"""Hex digits of a path parameter's SHA-256 kept in the log: enough to tell ids apart."""

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?\}")


def parameter_digest(value: str) -> str:
    """How the log writes one path parameter.

    >>> parameter_digest("rel-eu-5")
    'sha256:053f2842c80ba306'
    """
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:DIGEST_HEX]


class RouteTemplates:
    """The route templates of an app (``/api/individuals/{entry_id}``); a path is named by the
    template it matches with the fewest parameters, so a literal route wins whatever the order.

    >>> routes = RouteTemplates(["/api/individuals/{entry_id}", "/api/individuals/filtering_terms"])
    >>> routes.audited("/api/individuals/filtering_terms")
    '/api/individuals/filtering_terms'
    >>> routes.audited("/api/individuals/rel-eu-5")
    '/api/individuals/{entry_id} entry_id=sha256:053f2842c80ba306'
    >>> routes.audited("/api/somewhere/rel-eu-5")
    '(no route) path=sha256:25e69130a93b1d62'
    """

    __slots__ = ("_routes",)

    def __init__(self, templates: Iterable[str]) -> None:
        self._routes = [(template, _pattern(template)) for template in dict.fromkeys(templates)]

    @classmethod
    def of_app(cls, app: object) -> RouteTemplates:
        """The templates of a FastAPI app: the paths of its OpenAPI document (its public list of
        routes, included routers and prefixes resolved), then those of its top-level routes."""
        openapi = getattr(app, "openapi", None)
        paths = openapi().get("paths", {}) if callable(openapi) else {}
        routes = getattr(app, "routes", ())
        tops = [path for route in routes if isinstance(path := getattr(route, "path", None), str)]
        return cls([*paths, *tops])

    def audited(self, path: str) -> str:
        """``path`` as the log writes it: its route's template and the digest of each parameter,
        or, when no route matches, only the digest of the whole path."""
        matched = [
            (t, found) for t, pattern in self._routes if (found := pattern.fullmatch(path)) is not None
        ]
        if not matched:
            return f"(no route) path={parameter_digest(path)}"
        template, found = min(matched, key=lambda m: len(m[1].groupdict()))
        digests = " ".join(f"{name}={parameter_digest(v)}" for name, v in found.groupdict().items())
        return f"{template} {digests}" if digests else template


def _pattern(template: str) -> re.Pattern[str]:
    """A template's regular expression: ``{name}`` one path segment, ``{name:path}`` the rest."""
    parts, last = [], 0
    for parameter in _PARAMETER.finditer(template):
        parts.append(re.escape(template[last : parameter.start()]))
        wide = parameter.group(2) == "path"
        parts.append(f"(?P<{parameter.group(1)}>{'.*' if wide else '[^/]+'})")
        last = parameter.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))
