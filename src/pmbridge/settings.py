"""Every configuration setting of a node and a hub, declared once: name, default and help.

Config files are TOML; docs/configuration.md documents each setting (a test keeps them in step).
The release tables a node and the hub also read ([policy], [privacy], [passports]) are declared
beside the code that reads them: pmbridge.policy.POLICY_SETTINGS and PASSPORT_SETTINGS,
pmbridge.privacy.DISCLOSURE_SETTINGS (documented in the same file, checked by tests/node).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HUB_SETTINGS", "NODE_SETTINGS", "Setting"]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its dotted TOML name, default (None = required) and what it does."""

    name: str
    default: object
    help: str


NODE_SETTINGS: tuple[Setting, ...] = (
    Setting("node.id", None, "Stable identifier of the node in the network, e.g. 'eu-rome'."),
    Setting("node.name", None, "Human-readable name of the institution or biobank."),
    Setting("node.jurisdiction", None, "Legal area of the node's data: 'EU' or 'CN'."),
    Setting("node.country", None, "ISO 3166-1 alpha-2 country code of the node, e.g. 'IT'."),
    Setting("node.store", "store.duckdb", "Path of the node's DuckDB file, relative to the config file."),
    Setting(
        "node.data_dir",
        None,
        "Reference-data directory (HPO release, Chinese labels); see docs/reference-data.md for the "
        "lookup order when unset.",
    ),
    Setting(
        "node.private_key",
        None,
        "Path of the node's Ed25519 private key (PEM, mode 600; `pmbridge keys generate`), relative "
        "to the config file. It signs every reply and every audit entry; required to serve.",
    ),
    Setting(
        "node.hub_public_key",
        None,
        "The hub's public key as `pmbridge keys show hub.pub` prints it ('ed25519:...'). Every "
        "request under /api must be signed with it; required to serve unless "
        "node.require_signatures = false.",
    ),
    Setting(
        "node.require_signatures",
        True,
        "Refuse requests under /api that the hub did not sign (HTTP 401). Set false only for local "
        "development: the node then answers anyone and does not check signatures at all.",
    ),
    Setting(
        "node.max_clock_skew_seconds",
        30.0,
        "How far a signed request's time may be from the node's clock, either way; older requests are "
        "refused as stale, and nonces are remembered this long to refuse replays.",
    ),
    Setting(
        "node.audit_log",
        "audit.jsonl",
        "The node's hash-chained, signed audit log (JSON lines), relative to the config file; one "
        "entry per request under /api and per release. Check it with `pmbridge audit verify`.",
    ),
    Setting(
        "node.match_index_wait_seconds",
        30.0,
        "How long a patient match waits for the node's matching index, which the node builds in the "
        "background when it starts (and after its store changes); past it the match is refused with "
        "match_index_not_ready (HTTP 503).",
    ),
    Setting(
        "node.max_in_flight",
        32,
        "Requests the node serves at once; past it, 503 with Retry-After at once, signed and audited "
        "(GET /health says 'overloaded' meanwhile).",
    ),
    Setting(
        "node.public_url",
        None,
        "The URL the node is reached at from outside, e.g. 'https://beacon.example.org' (its API is "
        "under it at /api); /api/map and /api/service-info name their URLs under it. Unset: the URL "
        "the request came in on (see node.trust_proxy_headers).",
    ),
    Setting(
        "node.trust_proxy_headers",
        False,
        "When node.public_url is unset, build the public URL from the X-Forwarded-Proto, "
        "X-Forwarded-Host and X-Forwarded-Prefix headers. Turn on only behind a reverse proxy that "
        "sets (overwrites) them: anyone can send them, and trusted blindly they would make /api/map "
        "point clients, and their passports, at a host of the sender's choosing.",
    ),
    Setting(
        "node.cors_origins",
        ["*"],
        "Web origins whose browser scripts may call /api (CORS: GET, POST, HEAD and preflight "
        "OPTIONS, never with credentials), e.g. ['https://portal.example.org']; ['*'] any origin, "
        "[] none.",
    ),
    Setting("datasets[].id", None, "Dataset identifier; records are ingested into a dataset."),
    Setting("datasets[].name", None, "Dataset name shown in catalogues."),
    Setting("datasets[].description", "", "Free-text description of the dataset."),
    Setting("datasets[].duo", ["DUO:0000042"], "Data-use conditions as GA4GH DUO term ids."),
    Setting("datasets[].release.public", "boolean", "Most a public (anonymous) requester gets."),
    Setting("datasets[].release.registered", "count", "Most a registered researcher gets."),
    Setting(
        "datasets[].release.controlled", "record", "Most a researcher with a controlled-access grant gets."
    ),
)

HUB_SETTINGS: tuple[Setting, ...] = (
    Setting("hub.id", "pmbridge-hub", "Identifier of the hub, used as the network Beacon's id."),
    Setting("hub.name", "PM Bridge network", "Human-readable name of the network."),
    Setting(
        "hub.deadline_seconds",
        5.0,
        "Deadline of a request that asks the nodes, counted from its arrival at the hub (time queued in "
        "the hub counts); nodes that have not replied by then are reported as 'timeout'.",
    ),
    Setting(
        "hub.max_in_flight",
        64,
        "Requests the hub serves at once; past it, 503 with Retry-After at once (GET /health says "
        "'overloaded' meanwhile) rather than a queue that outlives the deadline.",
    ),
    Setting(
        "hub.connections_per_node",
        8,
        "Requests the hub sends one node at once; more wait for a free connection within their deadline, "
        "so a frozen or slow node delays only requests to itself.",
    ),
    Setting(
        "hub.max_reply_bytes", 5_000_000, "Largest reply accepted from a node; larger ones are rejected."
    ),
    Setting(
        "hub.state_dir",
        "hub-state",
        "Folder of the hub's own state (audit log, ledgers, knowledge base), relative to the config file.",
    ),
    Setting(
        "hub.data_dir",
        None,
        "Reference-data directory (HPO release, Chinese labels) for the portal and ranking; see "
        "docs/reference-data.md for the lookup order when unset.",
    ),
    Setting(
        "hub.private_key",
        None,
        "Path of the hub's Ed25519 private key (PEM, mode 600; `pmbridge keys generate`), relative to "
        "the config file. It signs every request to a node and every entry of the hub's audit log "
        "(`audit.jsonl` in hub.state_dir); required to serve.",
    ),
    Setting(
        "hub.max_clock_skew_seconds",
        30.0,
        "How far a node's signed reply time may be from the hub's clock before the reply is refused.",
    ),
    Setting(
        "hub.public_url",
        None,
        "The URL the hub is reached at from outside, e.g. 'https://beacon.example.org' (its API is "
        "under it at /api); /api/map and /api/service-info name their URLs under it. Unset: the URL "
        "the request came in on (see hub.trust_proxy_headers).",
    ),
    Setting(
        "hub.trust_proxy_headers",
        False,
        "When hub.public_url is unset, build the public URL from the X-Forwarded-Proto, "
        "X-Forwarded-Host and X-Forwarded-Prefix headers. Turn on only behind a reverse proxy that "
        "sets (overwrites) them: anyone can send them, and trusted blindly they would make /api/map "
        "point clients, and their passports, at a host of the sender's choosing.",
    ),
    Setting(
        "hub.cors_origins",
        ["*"],
        "Web origins whose browser scripts may call /api (CORS: GET, POST, HEAD and preflight "
        "OPTIONS, never with credentials), e.g. ['https://portal.example.org']; ['*'] any origin, "
        "[] none.",
    ),
    Setting(
        "hub.rate_limits.sign_in_burst",
        10,
        "Sign-ins (POST /api/auth/token, the portal's sign-in form) one client address may make as one "
        "user at once; past it, rate_limited (HTTP 429) with Retry-After. 0 turns the limit off.",
    ),
    Setting(
        "hub.rate_limits.sign_in_per_minute",
        5.0,
        "How many more sign-ins per minute each address and user name get back after the burst.",
    ),
    Setting(
        "hub.rate_limits.contact_burst",
        5,
        "Contact requests (POST /api/match/contact) one account (passport issuer and subject) may "
        "send at once; past it, rate_limited (HTTP 429) with Retry-After. 0 turns the limit off.",
    ),
    Setting(
        "hub.rate_limits.contact_per_minute",
        1.0,
        "How many more contact requests per minute an account gets back after the burst.",
    ),
    Setting(
        "hub.rate_limits.contact_repeat_seconds",
        600.0,
        "For how long the same contact request (same match, same words) from the same account is "
        "refused as already sent (duplicate_request, HTTP 429). 0 turns the check off.",
    ),
    Setting(
        "knowledge.steward_token",
        "",
        "Bearer token of knowledge-base stewards who use the API, who may change a roadmap action's "
        "status (POST /api/kb/actions/{id}/status); at least 16 characters. Empty: only the stewards "
        "in knowledge.stewards may (none listed either: status changes are off).",
    ),
    Setting(
        "knowledge.stewards[].issuer",
        None,
        "A knowledge-base steward who signs in to the portal: the issuer (iss) of their GA4GH passport, "
        "one of the hub's trusted issuers. Status changes are recorded under the passport's identity.",
    ),
    Setting(
        "knowledge.stewards[].subject",
        None,
        "The steward's passport subject (sub), unique within its issuer, e.g. 'kb-steward' for the "
        "demo broker's knowledge-base steward.",
    ),
    Setting(
        "knowledge.seed",
        True,
        "Load the knowledge-base seed shipped with PM Bridge into a new hub's knowledge base "
        "(knowledge.sqlite in hub.state_dir), once.",
    ),
    Setting(
        "hub.demo_broker",
        False,
        "Demo mode: the hub is the passport broker of the demo users (GET /api/auth/users, POST "
        "/api/auth/token), signing with an ES256 key it keeps in hub.state_dir (broker-es256.pem; "
        "nodes trust broker-es256.pub.pem). Never on in a real network.",
    ),
    Setting("nodes[].id", None, "Node identifier, as in the node's own config."),
    Setting("nodes[].url", None, "Base URL of the node, e.g. 'http://127.0.0.1:8101'."),
    Setting("nodes[].jurisdiction", None, "The node's legal area: 'EU' or 'CN'."),
    Setting("nodes[].country", None, "ISO 3166-1 alpha-2 country code of the node."),
    Setting("nodes[].name", "", "Human-readable node name."),
    Setting(
        "nodes[].public_key",
        None,
        "The node's public key ('ed25519:...', as `pmbridge keys show NODE.pub` prints it). Only a "
        "reply signed with it counts; any other reply makes the node an error outcome.",
    ),
)
