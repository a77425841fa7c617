"""The portal's navigation: one entry per page, in the order the header lists them.

A new page adds its entry here and its router in ``_install.py``; the base template does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pmbridge.portal._i18n import N_


@dataclass(frozen=True, slots=True)
class NavItem:
    """A header link: the page's path and its catalogue label; a ``section`` owns the paths below it."""

    path: str
    label: str
    section: bool = False

    def current(self, path: str) -> bool:
        """Whether ``path`` is this page (``/`` is the network page too) or in this section."""
        below = self.section and path.startswith(self.path + "/")
        return path == self.path or below or (self.path == "/network" and path == "/")


NAV: Final = (
    NavItem("/network", N_("Network")),
    NavItem("/explore", N_("Cohort explorer")),
    NavItem("/analyse", N_("Analyse")),
    NavItem("/learning", N_("Learning"), section=True),
    NavItem("/datasets", N_("Datasets")),
    NavItem("/match", N_("Patient match")),
    NavItem("/requests", N_("Requests"), section=True),
    NavItem("/knowledge", N_("Knowledge hub"), section=True),
    NavItem("/delphi", N_("Delphi studies"), section=True),
)
