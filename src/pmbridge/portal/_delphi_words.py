"""The words of Delphi studies in the portal: states, statuses, provenance, presets and notices.

Every code the hub sends (``running``, ``no_consensus``, ``machine``) is shown through one of these
tables, so both languages read it as words; an unknown code is shown as itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pmbridge.portal._i18n import N_

STUDY_STATES: Final = {
    "draft": N_("draft"),
    "locked": N_("locked"),
    "running": N_("running"),
    "closed": N_("closed"),
}
ROUND_STATES: Final = {
    "scheduled": N_("scheduled"),
    "open": N_("open"),
    "closed": N_("closed"),
}
STATUSES: Final = {
    "in": N_("consensus in"),
    "out": N_("consensus out"),
    "important": N_("important"),
    "no_consensus": N_("no consensus"),
    "not_rated": N_("not rated"),
}
PROVENANCE: Final = {
    "author": N_("written by the author"),
    "machine": N_("machine translation, not yet reviewed"),
    "reviewed": N_("reviewed translation"),
}
PRESET_NAMES: Final = {
    "comet": N_("COMET: in every stakeholder group, ≥ 70 %% rate 7–9 and < 15 %% rate 1–3"),
    "panel_70": N_("Whole panel 70 %%: COMET's thresholds over the whole panel"),
    "grade_bands": N_("GRADE bands: ≥ 70 %% in one band decides (7–9, 4–6 or 1–3)"),
}
OUTCOMES: Final = {
    "in": N_("Consensus in (keep the item)"),
    "out": N_("Consensus out (drop the item)"),
    "important": N_("Important, not critical"),
}
CLAUSE_AT_LEAST: Final = N_("at least %(percent)s of scorers rate %(band)s")
CLAUSE_BELOW: Final = N_("fewer than %(percent)s of scorers rate %(band)s")
SCOPES: Final = {
    "every_group": N_(
        "The rule is applied within every stakeholder group: an item reaches an outcome only when "
        "every group does."
    ),
    "whole_panel": N_("The rule is applied once, over the whole panel."),
}
MIN_SCORERS: Final = N_("A group (or the panel) needs at least %(n)s scorers to reach consensus.")
DROPS: Final = N_("Items that reach consensus, in or out, leave the next round.")
KEEPS: Final = N_("Every item stays in every round, whether or not it reached consensus.")
UNABLE_RULE: Final = N_("“Unable to score” answers count in no band and in no denominator.")
DONE: Final = {
    "created": N_("The study was created."),
    "edited": N_("The draft was changed."),
    "group": N_("The group was added."),
    "item": N_("The item was added."),
    "text": N_("The text was changed."),
    "panellists": N_("The invitations were queued; each panellist gets a personal link by mail."),
    "locked": N_("The study is locked: its protocol and rule are recorded and cannot change."),
    "round": N_("The round was scheduled."),
    "closed": N_("The round was closed and its results computed."),
    "reminded": N_("Reminders were queued to the panellists who have not answered."),
    "adopted": N_("The proposal was adopted: it joins the next round as a new item."),
    "comment": N_("The comment's translation was saved."),
    "saved": N_("Your answers were saved. You can change them until the round closes."),
    "submitted": N_(
        "Thank you: your answers were submitted. You can still change them until the round closes."
    ),
}
WORDS: Final[Mapping[str, object]] = {
    "study_states": STUDY_STATES,
    "round_states": ROUND_STATES,
    "statuses": STATUSES,
    "provenance_words": PROVENANCE,
    "preset_names": PRESET_NAMES,
    "done_words": DONE,
}
