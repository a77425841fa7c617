"""How the audit log names a request path: the route template and digests, never a path parameter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmbridge.audit import RouteTemplates, describe_request, parameter_digest

ROUTES = RouteTemplates(
    [
        "/api/individuals/{entry_id}",
        "/api/individuals/filtering_terms",
        "/api/individuals/{entry_id}/g_variants",
        "/api/individuals",
        "/static/{path:path}",
    ]
)
ids = st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(entry_id=ids.filter(lambda i: i != "filtering_terms"), lookup=st.booleans())
def test_an_entry_id_is_written_only_as_its_digest(entry_id: str, lookup: bool) -> None:
    suffix = "/g_variants" if lookup else ""
    shown = ROUTES.audited(f"/api/individuals/{entry_id}{suffix}")
    assert shown == f"/api/individuals/{{entry_id}}{suffix} entry_id={parameter_digest(entry_id)}"


@given(path=st.text(min_size=1, max_size=80).map(lambda p: "/api/nowhere/" + p))
def test_a_path_no_route_knows_is_written_only_as_its_digest(path: str) -> None:
    assert (
        describe_request("GET", path, b"", b"", routes=ROUTES)
        == f"GET (no route) path={parameter_digest(path)}"
    )


def test_a_literal_route_wins_over_a_template_and_a_path_parameter_may_span_segments() -> None:
    assert ROUTES.audited("/api/individuals/filtering_terms") == "/api/individuals/filtering_terms"
    assert (
        ROUTES.audited("/static/css/a.css") == f"/static/{{path:path}} path={parameter_digest('css/a.css')}"
    )
