"""The client's tests ask a hub over the portal tests' in-process network (two real nodes, one down)."""

from tests.portal.conftest import contexts, hpo, network_root, portal, terms

__all__ = ["contexts", "hpo", "network_root", "portal", "terms"]
