"""The web portal: server-rendered pages in English and Chinese, mounted on the hub at ``/``."""

from pmbridge.portal._i18n import Lang
from pmbridge.portal._install import install_portal
from pmbridge.portal._terms import TermIndex, TermMatch

__all__ = ["Lang", "TermIndex", "TermMatch", "install_portal"]
