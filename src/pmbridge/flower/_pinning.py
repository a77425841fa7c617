"""The node's allow-list of Flower apps: a run whose FAB hash is not on it is refused before any
of its content is read, and the refusal says which hash came, what the node allows and how to fix it.

By default a node allows exactly the app installed with its own pmbridge; an operator may add the
hash of another pmbridge release's app while the network upgrades (``allow``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pmbridge.errors import ConfigError, PolicyRefused
from pmbridge.flower._fab import fab_sha256, pmbridge_bundle

APP_PIN_RULE: Final = "app_pin"
"""The rule named in a refusal (and in the audit log) when a node will not run an app."""
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class AppAllowList:
    """The sha256 hashes of the Flower apps this node runs (never empty)."""

    hashes: frozenset[str]

    @classmethod
    def default(cls) -> AppAllowList:
        """Only the app installed with this pmbridge."""
        return cls(frozenset({pmbridge_bundle().sha256}))

    @classmethod
    def of(cls, hashes: Iterable[str], *, include_installed: bool = True) -> AppAllowList:
        """An allow-list from configured hashes (checked: 64 lower-case hex digits each)."""
        wanted = {h.strip().lower() for h in hashes}
        bad = sorted(h for h in wanted if not _HEX64.fullmatch(h))
        if bad:
            raise ConfigError(
                f"allowed Flower app hash(es) {', '.join(map(repr, bad))} are not sha256 hex digests",
                hint="write each as the 64 hex digits `pmbridge node learn --app-hash` prints",
            )
        if include_installed:
            wanted.add(pmbridge_bundle().sha256)
        if not wanted:
            raise ConfigError(
                "the node allows no Flower app at all",
                hint="leave the allow-list out to run the app installed with pmbridge",
            )
        return cls(frozenset(wanted))

    def check_hash(self, fab_hash: str) -> None:
        """Refuse (PolicyRefused, rule ``app_pin``) unless ``fab_hash`` is allowed."""
        if fab_hash in self.hashes:
            return
        raise PolicyRefused(
            APP_PIN_RULE,
            f"this node runs only PM Bridge's own pinned Flower app; the run's app has sha256 "
            f"{fab_hash or '(none)'}, and the node allows {', '.join(sorted(self.hashes))}",
            hint="start the training from a PM Bridge hub of the same release (it sends the app "
            "installed with pmbridge); if the node should accept another release's app, its operator "
            "adds that hash to the node's allowed Flower apps",
        )

    def check_fab(self, fab_hash: str, content: bytes) -> None:
        """Refuse an app not on the list, or whose bytes do not have the hash it claims."""
        actual = fab_sha256(content)
        if actual != fab_hash:
            raise PolicyRefused(
                APP_PIN_RULE,
                f"the run's app claims sha256 {fab_hash} but its bytes hash to {actual}",
                hint="the SuperLink or the connection altered the app; restart the training from the hub",
            )
        self.check_hash(actual)
