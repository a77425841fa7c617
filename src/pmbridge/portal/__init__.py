"""The web portal: server-rendered pages in English and Chinese, mounted at ``/`` of the hub's app
by the composition root (``pmbridge.network_app``)."""

from pmbridge.portal._counts import ShownCount, add_counts
from pmbridge.portal._i18n import Lang
from pmbridge.portal._install import install_portal
from pmbridge.portal._refusals import Refusal, node_state, refusal_in, refusal_of_rule
from pmbridge.portal._terms import TermIndex, TermMatch

__all__ = [
    "Lang",
    "Refusal",
    "ShownCount",
    "TermIndex",
    "TermMatch",
    "add_counts",
    "install_portal",
    "node_state",
    "refusal_in",
    "refusal_of_rule",
]
