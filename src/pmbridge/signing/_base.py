"""The RFC 9421 signature base: the exact bytes that are signed, built from a message's components.

Both sides build it from what they see on the wire, so one function serves signer and verifier.
Supported components: ``@method``, ``@path``, ``@query``, ``@authority``, ``@status`` and header
fields, each optionally with ``;req`` (the request a response answers) or ``;key`` (one member of a
dictionary header, used to cover the request's ``Signature``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pmbridge.signing._structured import (
    InnerList,
    Item,
    Params,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def normalise_headers(headers: Headers) -> dict[str, str]:
    """Lower-case names, trimmed values, repeated fields joined by ``", "`` (RFC 9421 section 2.1).

    >>> normalise_headers([("Accept", " a "), ("accept", "b"), ("X-One", "1")])
    {'accept': 'a, b', 'x-one': '1'}
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value.strip()}" if key in out else value.strip()
    return out


@dataclass(frozen=True, slots=True)
class Message:
    """An HTTP request (method and target) or response (status), with normalised headers."""

    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    target: str | None = None  # path and query exactly as sent, percent-encoding kept
    authority: str | None = None
    status: int | None = None

    @classmethod
    def request(cls, method: str, target: str, headers: Headers, *, authority: str | None = None) -> Message:
        return cls(normalise_headers(headers), method=method.upper(), target=target, authority=authority)

    @classmethod
    def response(cls, status: int, headers: Headers) -> Message:
        return cls(normalise_headers(headers), status=status)


class ComponentMissing(ValueError):
    """A covered component the message does not have (or that this implementation cannot build)."""


def component_value(component: Item, message: Message, request: Message | None = None) -> str:
    """The value of one covered component.

    >>> m = Message.request("POST", "/api/individuals?skip=0", {})
    >>> component_value(Item("@path"), m), component_value(Item("@query"), m)
    ('/api/individuals', '?skip=0')
    """
    name = component.value
    if not isinstance(name, str):
        raise ComponentMissing(f"component {name!r} is not a string")
    unknown = set(component.params) - {"req", "key"}
    if unknown:
        raise ComponentMissing(f"component parameters {sorted(unknown)} are not supported")
    source = message
    if component.params.get("req") is True:
        if request is None:
            raise ComponentMissing(f"{name!r};req needs the request this response answers")
        source = request
    if name.startswith("@"):
        return _derived(name, source)
    if name not in source.headers:
        raise ComponentMissing(f"header {name!r} is covered but not present")
    value = source.headers[name]
    if "key" in component.params:
        member_name = component.params["key"]
        try:
            members = parse_dictionary(value)
        except ValueError as exc:
            raise ComponentMissing(f"header {name!r} is not a dictionary: {exc}") from None
        if not isinstance(member_name, str) or member_name not in members:
            raise ComponentMissing(f"header {name!r} has no member {member_name!r}")
        member = members[member_name]
        return serialize_inner_list(member) if isinstance(member, InnerList) else serialize_item(member)
    return value


def _derived(name: str, message: Message) -> str:
    target = message.target
    if name == "@method" and message.method is not None:
        return message.method
    if name == "@path" and target is not None:
        return target.split("?", 1)[0] or "/"
    if name == "@query" and target is not None:
        return "?" + target.split("?", 1)[1] if "?" in target else "?"
    if name == "@authority" and message.authority is not None:
        return message.authority.lower()
    if name == "@status" and message.status is not None:
        return f"{message.status:03d}"
    raise ComponentMissing(f"derived component {name!r} is not available for this message")


def signature_base(
    components: Iterable[Item], params: Params, message: Message, request: Message | None = None
) -> bytes:
    """The bytes to sign: one ``"name": value`` line per component, then ``"@signature-params"``.

    >>> base = signature_base([Item("@method")], {"created": 1}, Message.request("GET", "/", {}))
    >>> print(base.decode())
    "@method": GET
    "@signature-params": ("@method");created=1
    """
    covered = tuple(components)
    if len({serialize_item(c) for c in covered}) != len(covered):
        raise ValueError("a component is covered twice")
    lines = []
    for component in covered:
        value = component_value(component, message, request)
        if "\n" in value or "\r" in value:
            raise ComponentMissing(f"component {serialize_item(component)} contains a line break")
        lines.append(f"{serialize_item(component)}: {value}")
    lines.append(f'"@signature-params": {serialize_inner_list(InnerList(covered, params))}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError:
        raise ComponentMissing("a covered component is not ASCII") from None
