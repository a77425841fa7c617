"""The hub's consensus desk: Delphi studies from draft to lock, each step one audited transaction.

Routes call it after checking the organiser's passport or the panellist's link; the panel's invitation,
rounds, the panellist's side and the views live beside it (_consensus_invite, _rounds, _panel, _view).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pmbridge.audit import AuditLog, read_audit_log
from pmbridge.consensus import (
    Item,
    ItemText,
    Protocol,
    bilingual,
    check_id,
    check_language,
    check_links,
    item_texts,
    locked_protocol,
    snapshot,
    snapshot_digest,
)
from pmbridge.errors import (
    ConsensusError,
    GroupTooSmall,
    LockBroken,
    RoundClosed,
    StudyLocked,
    StudyNotFound,
)
from pmbridge.hub._consensus_auth import Organiser
from pmbridge.hub._consensus_steps import new_id, record, text_time
from pmbridge.hub._consensus_store import (
    ConsensusStore,
    StudyRecord,
    groups_of,
    items_of,
    load_study,
    panellists_of,
    rounds_of,
)
from pmbridge.knowledge import EntityType, KnowledgeBase
from pmbridge.signing import VerifyingKey

LINKABLE = (EntityType.ACTION, EntityType.POLICY, EntityType.STANDARD)
MAX_PANEL = 500
_LOCKED_HINT = "the rules were fixed in advance; start a new study to change them"


def locked_error(what: str) -> StudyLocked:
    return StudyLocked(f"the study is locked: {what} can no longer change", hint=_LOCKED_HINT)


class ConsensusDesk:
    """Delphi studies over the hub's consensus store, writing every step to the hub's audit log.

    ``mail``: whether ``[access.smtp]`` is set (invitations need it); ``public_url``: the base of
    the personal links in mail; ``kb``: the knowledge base items link to (set by the router).
    """

    def __init__(
        self,
        store: ConsensusStore,
        *,
        audit: AuditLog,
        audit_key: VerifyingKey,
        organisers: Sequence[Organiser] = (),
        mail: bool = False,
        public_url: str = "",
        reminder_days: Sequence[int] = (3, 1),
        kb: KnowledgeBase | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.audit_key = audit_key
        self.organisers = tuple(organisers)
        self.mail = mail
        self.public_url = public_url.rstrip("/")
        self.reminder_days = tuple(sorted(reminder_days, reverse=True))
        self.kb = kb
        self._lock_digests: dict[int, tuple[str, str]] = {}  # audit seq → (study, digest)

    # --- the lock ------------------------------------------------------------------------------

    def protocol(self, con: sqlite3.Connection, study: StudyRecord) -> Protocol:
        """The protocol that decides: the lock's snapshot, once its digest is checked; else the draft's."""
        if study.lock_snapshot is None:
            return study.protocol
        ok, reason = self._snapshot_holds(con, study)
        if not ok:
            raise LockBroken(
                f"study {study.id} no longer matches its lock: {reason}",
                hint="restore consensus.sqlite from a backup; `GET …/verify` shows the recorded digest",
            )
        return locked_protocol(study.lock_snapshot)

    def _snapshot_holds(
        self, con: sqlite3.Connection, study: StudyRecord, *, fresh: bool = False
    ) -> tuple[bool, str]:
        """Whether the stored snapshot has the audited digest, and the tables still give that snapshot."""
        if study.lock_snapshot is None or study.lock_audit_seq is None:
            return False, "the study is not locked"
        recorded = self._audited_digest(study.lock_audit_seq, study.id, fresh=fresh)
        actual = snapshot_digest(study.lock_snapshot)
        if recorded is None:
            return False, (
                f"audit entry {study.lock_audit_seq} is not the lock of study {study.id}, sealed by this "
                "hub's key and chained to the next entry"
            )
        if actual != recorded or study.lock_digest != recorded:
            return False, f"the stored snapshot's digest {actual} is not the audited {recorded}"
        rebuilt = snapshot(
            protocol=study.protocol,
            title=study.title,
            description=study.description,
            groups=groups_of(con, study.id),
            items=items_of(con, study.id),
        )
        if rebuilt != study.lock_snapshot:
            return False, "the study's protocol, texts, groups or round-1 items changed after the lock"
        return True, ""

    def _audited_digest(self, seq: int, study_id: str, *, fresh: bool = False) -> str | None:
        """The digest the lock's audit entry recorded, if that entry is sealed by the hub's key and
        chained to the entry after it (read once; ``fresh`` reads the log again)."""
        if fresh or seq not in self._lock_digests:
            self._lock_digests.pop(seq, None)
            lines = read_audit_log(Path(self.audit.path))
            for at, line in enumerate(lines):
                entry = line.entry
                if entry is None or entry.seq != seq:
                    continue
                after = lines[at + 1].entry if at + 1 < len(lines) else None
                sealed = entry.expected_hash() == entry.hash and entry.signature_valid(self.audit_key)
                chained = after is None or after.prev_hash == entry.hash
                if sealed and chained and entry.rule == "consensus.lock":
                    self._lock_digests[seq] = (entry.query, str(entry.released.get("digest")))
                break
        found = self._lock_digests.get(seq)
        return found[1] if found is not None and found[0] == study_id else None

    def verify(self, study_id: str, now: datetime) -> dict[str, object]:
        """``{ok, digest, audit_seq, checked_at}``: whether the stored snapshot is what was locked."""
        with self.store.connect() as con:
            study = load_study(con, study_id)
            ok, reason = self._snapshot_holds(con, study, fresh=True)
        reply: dict[str, object] = {
            "ok": ok,
            "digest": study.lock_digest,
            "audit_seq": study.lock_audit_seq,
            "checked_at": text_time(now),
        }
        return reply if ok else reply | {"reason": reason}

    # --- drafting ------------------------------------------------------------------------------

    def create(self, who: Organiser, body: Mapping[str, object], now: datetime) -> str:
        """A new draft study; its id (``st-<hex>``)."""
        if "rule" not in body:
            raise ConsensusError(
                "a study needs its consensus rule", hint='send "rule": "comet" or a rule object'
            )
        protocol = Protocol.parse(body)
        title = bilingual(body.get("title"), what="title", required=False)
        description = bilingual(body.get("description", {}), what="description", required=False)
        study_id = new_id("st")
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO studies (id, state, title, description, protocol, created, created_by) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    study_id,
                    "draft",
                    _dump(title),
                    _dump(description),
                    _dump(protocol.to_json()),
                    text_time(now),
                    who.label,
                ),
            )
            record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="create",
                released={"rule": protocol.rule.name},
                now=now,
            )
        return study_id

    def _draft(self, con: sqlite3.Connection, study_id: str, what: str) -> StudyRecord:
        con.execute("BEGIN IMMEDIATE")
        study = load_study(con, study_id)
        if study.state != "draft":
            raise locked_error(what)
        return study

    def edit(self, who: Organiser, study_id: str, body: Mapping[str, object], now: datetime) -> None:
        """Change a draft's texts or protocol (``PUT …/rule`` sends only ``rule``)."""
        with self.store.connect() as con:
            study = self._draft(con, study_id, "its protocol and rule")
            protocol = Protocol.parse(body, base=study.protocol)
            title = bilingual(body.get("title", study.title), what="title", required=False)
            description = bilingual(
                body.get("description", study.description), what="description", required=False
            )
            con.execute(
                "UPDATE studies SET protocol = ?, title = ?, description = ? WHERE id = ?",
                (_dump(protocol.to_json()), _dump(title), _dump(description), study_id),
            )
            record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="edit",
                released={"rule": protocol.rule.name},
                now=now,
            )

    def add_group(self, who: Organiser, study_id: str, body: Mapping[str, object], now: datetime) -> str:
        group_id = check_id(body.get("id"), what="group")
        name = bilingual(body.get("name"), what="name")
        with self.store.connect() as con:
            self._draft(con, study_id, "its stakeholder groups")
            if con.execute(
                "SELECT 1 FROM groups WHERE study = ? AND id = ?", (study_id, group_id)
            ).fetchone():
                raise ConsensusError(f"group {group_id!r} exists already", hint="give every group its own id")
            con.execute(
                "INSERT INTO groups (study, id, name) VALUES (?,?,?)", (study_id, group_id, _dump(name))
            )
            record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="group",
                released={"group": group_id},
                now=now,
            )
        return group_id

    def check_links(self, links: Sequence[str]) -> None:
        """Every link is a roadmap action, policy or standard of the knowledge base."""
        found = self.kb.find(list(links)) if self.kb is not None and links else {}
        bad = [link for link in links if link not in found or found[link].type not in LINKABLE]
        if bad:
            raise ConsensusError(
                f"links {', '.join(bad)} are not roadmap actions, policies or standards "
                "of the knowledge base",
                hint="find ids with GET /api/kb/search?type=Policy&type=Standard&type=RoadmapAction",
            )

    def new_item(self, body: Mapping[str, object], *, added_in_round: int, source: str) -> Item:
        item_id = check_id(body["id"], what="item") if body.get("id") is not None else new_id("it")
        links = check_links(body.get("links"))
        self.check_links(links)
        return Item(item_id, item_texts(body.get("texts")), links, added_in_round, source)

    def insert_item(self, con: sqlite3.Connection, study_id: str, item: Item) -> None:
        if con.execute("SELECT 1 FROM items WHERE study = ? AND id = ?", (study_id, item.id)).fetchone():
            raise ConsensusError(f"item {item.id!r} exists already", hint="give every item its own id")
        position = con.execute("SELECT COUNT(*) FROM items WHERE study = ?", (study_id,)).fetchone()[0]
        doc = item.to_json()
        con.execute(
            "INSERT INTO items (study, id, texts, links, added_in_round, source, position) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                study_id,
                item.id,
                _dump(doc["texts"]),
                _dump(doc["links"]),
                item.added_in_round,
                item.source,
                position,
            ),
        )

    def add_item(self, who: Organiser, study_id: str, body: Mapping[str, object], now: datetime) -> str:
        item = self.new_item(body, added_in_round=1, source="organiser")
        with self.store.connect() as con:
            self._draft(con, study_id, "its round-1 items")
            self.insert_item(con, study_id, item)
            record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="item",
                released={"item": item.id},
                now=now,
            )
        return item.id

    def set_item_text(
        self,
        who: Organiser,
        study_id: str,
        item_id: str,
        lang: str,
        body: Mapping[str, object],
        *,
        now: datetime,
    ) -> None:
        """One language's text of an item: in a draft, or of an adopted item before its round opens."""
        language = check_language(lang)
        text = ItemText.parse(body, what="text")
        with self.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            study = load_study(con, study_id)
            item = next((i for i in items_of(con, study_id) if i.id == item_id), None)
            if item is None:
                raise StudyNotFound(
                    f"study {study_id} has no item {item_id!r}", hint="GET the study to see its items"
                )
            started = any(
                r.round >= item.added_in_round and r.state != "scheduled" for r in rounds_of(con, study_id)
            )
            if study.state != "draft" and (item.added_in_round == 1 or started):
                raise locked_error(f"the text of item {item_id}")
            texts = {k: v.to_json() for k, v in item.texts.items()} | {language: text.to_json()}
            con.execute(
                "UPDATE items SET texts = ? WHERE study = ? AND id = ?", (_dump(texts), study_id, item_id)
            )
            record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="item_text",
                released={"item": item_id, "language": language},
                now=now,
            )

    # --- lock ----------------------------------------------------------------------------------

    def lock(self, who: Organiser, study_id: str, now: datetime) -> tuple[str, int]:
        """Fix the protocol, texts, groups and round-1 items; the digest goes to the audit log."""
        with self.store.connect() as con:
            study = self._draft(con, study_id, "its lock")
            groups = groups_of(con, study_id)
            items = [i for i in items_of(con, study_id) if i.added_in_round == 1]
            for what, texts in (("title", study.title), ("description", study.description)):
                missing = [lang for lang, text in texts.items() if not text]
                if missing:
                    raise ConsensusError(
                        f"the study's {what} has no {' or '.join(missing)} text",
                        hint=f"PUT /api/consensus/studies/{study_id}/rule with both {what} texts, then lock",
                    )
            if not groups or not items:
                raise ConsensusError(
                    "a study needs at least one group and one item", hint="add them, then lock"
                )
            k = study.protocol.k
            sizes = {str(g["id"]): 0 for g in groups}
            for panellist in panellists_of(con, study_id):
                sizes[panellist.group] += 1
            small = sorted(g for g, n in sizes.items() if n < k)
            if small:
                raise GroupTooSmall(
                    f"group{'s' if len(small) > 1 else ''} {', '.join(f'{g} ({sizes[g]})' for g in small)} "
                    f"{'have' if len(small) > 1 else 'has'} fewer than k = {k} panellists; a smaller group "
                    "would expose its members' ratings",
                    hint="invite more panellists, merge the group with another, or lower k before locking",
                )
            text = snapshot(
                protocol=study.protocol,
                title=study.title,
                description=study.description,
                groups=groups,
                items=items,
            )
            digest = snapshot_digest(text)
            entry = record(
                con,
                self.audit,
                actor=who.label,
                study=study_id,
                step="lock",
                released={"digest": digest, "items": len(items), "groups": len(groups), "k": k},
                now=now,
            )
            con.execute(
                "UPDATE studies SET state = 'locked', lock_snapshot = ?, lock_digest = ?, "
                "lock_audit_seq = ?, "
                "locked_at = ? WHERE id = ?",
                (text, digest, entry.seq, text_time(now), study_id),
            )
            self._lock_digests[entry.seq] = (study_id, digest)
        return digest, entry.seq

    def running(self, con: sqlite3.Connection, study_id: str) -> tuple[StudyRecord, Protocol]:
        """A locked study and its locked protocol (checked), for a round step."""
        study = load_study(con, study_id)
        if study.state == "draft":
            raise RoundClosed(
                f"study {study_id} is not locked yet",
                hint=f"POST /api/consensus/studies/{study_id}/lock first",
            )
        return study, self.protocol(con, study)


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
