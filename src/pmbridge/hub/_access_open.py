"""The access desk and its outbox as a hub's configuration sets them up."""

from __future__ import annotations

from pmbridge.audit import AuditLog
from pmbridge.hub._access_delivery import Delivery
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_settings import access_settings
from pmbridge.hub._access_steps import Channels
from pmbridge.hub._access_store import ACCESS_FILE, AccessStore
from pmbridge.hub._registry import HubConfig


def access_delivery(config: HubConfig) -> Delivery:
    """Mail and webhooks per ``[access]``; links in mail point at the hub's public URL."""
    table = config.access
    smtp = table.smtp if table.smtp is not None and table.smtp.enabled else None
    portal = config.public_api.public_url or ""  # without it, mail gives the page's path only
    return Delivery(smtp=smtp, webhooks=tuple(table.webhooks), portal_url=portal.rstrip("/"))


def open_access_desk(config: HubConfig, audit: AuditLog) -> AccessDesk:
    """The desk over ``access.sqlite`` in the hub's state folder, writing to the hub's audit log."""
    delivery = access_delivery(config)
    return AccessDesk(
        AccessStore(config.state_dir / ACCESS_FILE),
        audit=audit,
        desks={node.id: node.desk for node in config.nodes},
        channels=Channels(mail=delivery.smtp is not None, hooks=bool(delivery.webhooks)),
        settings=access_settings(config.access),
    )
