"""PM Bridge's profile of RFC 9421: one signature labelled ``pmbridge``, Ed25519, tagged by direction.

The tag (``pmbridge-request`` / ``pmbridge-response``) keeps a signature made for one direction
from ever being accepted for the other.
"""

from __future__ import annotations

from pmbridge.signing._base import Message, signature_base
from pmbridge.signing._keys import SigningKey
from pmbridge.signing._structured import InnerList, Item, Params, serialize_bare, serialize_inner_list

LABEL = "pmbridge"
ALGORITHM = "ed25519"
DEFAULT_MAX_SKEW = 30.0
REQUEST_TAG = "pmbridge-request"
RESPONSE_TAG = "pmbridge-response"


def add_signature(
    headers: dict[str, str],
    components: tuple[Item, ...],
    params: Params,
    *,
    key: SigningKey,
    message: Message,
    request: Message | None = None,
) -> dict[str, str]:
    """Sign ``message`` over ``components`` and add ``Signature-Input`` and ``Signature`` to ``headers``."""
    base = signature_base(components, params, message, request)
    headers["Signature-Input"] = f"{LABEL}={serialize_inner_list(InnerList(components, params))}"
    headers["Signature"] = f"{LABEL}={serialize_bare(key.sign(base))}"
    return headers
