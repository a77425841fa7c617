"""The words of access requests in the portal: states, steps, verdicts, purposes and data uses.

Every value the hub sends as a code (``under_review``, ``approve``, ``DENY``) is shown through one of
these tables, so both languages read it as words; an unknown code is shown as itself.
"""

from __future__ import annotations

from typing import Final

from pmbridge.portal._i18n import N_

REQUEST_STATES: Final = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "approved": N_("approved"),
    "declined": N_("declined"),
    "in_progress": N_("in progress"),
    "paused": N_("paused"),
    "concluded": N_("concluded"),
    "abandoned": N_("abandoned"),
}
RESOURCE_STATES: Final = {
    "not_sent": N_("not sent"),
    "submitted": N_("submitted"),
    "under_review": N_("under review"),
    "returned": N_("returned to the researcher"),
    "conditions_indicated": N_("conditions indicated"),
    "conditions_met": N_("conditions accepted"),
    "approved": N_("approved"),
    "declined": N_("declined"),
    "revoked": N_("revoked"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
    "abandoned": N_("abandoned"),
}
STEPS: Final = {
    "submit": N_("Submit"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "conclude": N_("Conclude"),
    "abandon": N_("Abandon"),
    "acknowledge": N_("Acknowledge"),
    "return": N_("Return to the researcher"),
    "resubmit": N_("Resubmit"),
    "indicate_conditions": N_("Indicate conditions"),
    "accept_conditions": N_("Accept the conditions"),
    "approve": N_("Approve"),
    "decline": N_("Decline"),
    "revoke": N_("Revoke"),
    "withdraw": N_("Withdraw"),
    "start": N_("Started by a steward"),
    "expire": N_("Expired"),
    "abandon_idle": N_("Abandoned after no activity"),
}
STEP_NEEDS: Final = {
    "approve": "until",
    "decline": "reason",
    "return": "reason",
    "revoke": "reason",
    "indicate_conditions": "conditions",
}
"""The one field a step's form asks for (the hub refuses the step without it)."""
VERDICTS: Final = {
    "APPROVE": N_("approved by the data-use conditions"),
    "DENY": N_("refused by the data-use conditions"),
    "ABSTAIN": N_("left to the data access committee"),
}
GRANT_STATES: Final = {"active": N_("active"), "revoked": N_("revoked"), "expired": N_("expired")}
KINDS: Final = {"access": N_("access request"), "contact": N_("contact request")}
PURPOSES: Final = {
    "research": N_("scientific research"),
    "public_health": N_("public interest in public or occupational health"),
    "policy": N_("policy making and regulation"),
    "statistics": N_("official statistics"),
    "education": N_("education or teaching"),
    "ai_development": N_("research: training, testing or evaluating algorithms and AI systems"),
    "care_improvement": N_("improving the delivery of care or treatment"),
}
USES: Final = {
    "GRU": N_("General research use"),
    "HMB": N_("Health or medical or biomedical research"),
    "DS": N_("Disease-specific research"),
    "POA": N_("Population origins or ancestry research"),
}
COMMITMENTS: Final = {
    "PUB": N_("Publish the results"),
    "COL": N_("Collaborate with the primary study investigators"),
    "RTN": N_("Return derived or enriched data to the database"),
}
ORGANISATIONS: Final = {"non_profit": N_("non-profit"), "for_profit": N_("for-profit")}
GRANULARITY_WORDS: Final = {
    "record": N_("individual records"),
    "count": N_("counts of matching individuals"),
    "boolean": N_("yes or no: whether matching individuals exist"),
}
WAITING_ON_STEWARD: Final = ("submitted", "under_review", "conditions_met")
"""Sub-negotiation states in which the steward acts next: the queue lists them first."""
