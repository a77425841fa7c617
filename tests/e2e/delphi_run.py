"""Runs the scripted Delphi panel (tests/e2e/delphi_script.py) against a hub over HTTP: the organiser
with a demo passport, each panellist with the link token from their own mail, checking as it goes.

It records what every organiser and panellist could fetch (``outputs``), so the anonymity test can
run the study twice, with two panellists' histories swapped, and compare the two records.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from tests.consensus import recompute
from tests.e2e import delphi_script as script
from tests.e2e.delphi_script import Panellist

TIMEOUT = 60.0
LINK = re.compile(r"/delphi/p/([A-Za-z0-9_-]{16,128})")
ORGANISER = "eu-researcher"
"""The demo user the hub lists in ``[consensus] organisers``."""
LOCKED_ROUTES = ("rule", "groups", "items", "item-text")
"""The organiser routes that change what the lock fixed: each must answer 409 study_locked."""
HTML_SAMPLE = (f"{script.EU}-01", f"{script.CN}-02", f"{script.PAT}-05", f"{script.REG}-06")
"""Third panellists (neither of the swapped pair) whose portal pages are recorded as HTML too."""


class Mailbox(Protocol):
    def messages(self) -> list[EmailMessage]: ...


Answerer = Callable[["StudyRun", Panellist, int], None]
"""Answers one panellist's round some other way (in Chromium); the rest go through the API."""


def mails_to(mailbox: Mailbox, address: str) -> list[str]:
    found = []
    for message in mailbox.messages():
        if address in str(message["To"]):
            body = message.get_body(("plain",))
            found.append(f"{message['Subject']}\n{body.get_content() if body else ''}")
    return found


def wait_for(check: Callable[[], bool], *, what: str, seconds: float = 60.0, every: float = 0.25) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:g} s")


def body_of(panellist: Panellist, round_: int, *, swap: bool, submit: bool = True) -> dict[str, Any]:
    """The panellist's scripted answers for ``round_`` as the API's body."""
    answers: list[dict[str, Any]] = []
    for item in script.round_items(round_):
        entry: dict[str, Any] = {"item": item.id, "score": script.answer(panellist, item, round_, swap=swap)}
        text = script.comment(panellist, item, round_, swap=swap)
        if text is not None:
            entry["comment"] = {
                "text": text,
                "language": "zh" if re.search("[\u4e00-\u9fff]", text) else "en",
            }
        answers.append(entry)
    body: dict[str, Any] = {"answers": answers, "submit": submit}
    proposal = script.proposal(panellist, swap=swap) if round_ == 1 else None
    if proposal is not None:
        body["proposals"] = [{"text": proposal[1], "language": proposal[0]}]
    return body


@dataclass
class StudyRun:
    """One run of the scripted study on the hub at ``url``; ``swap`` trades the SWAP pair's histories."""

    url: str
    mailbox: Mailbox
    swap: bool = False
    browser: Answerer | None = None
    client: httpx.Client = field(init=False)
    passport: str = field(init=False, default="")
    sid: str = field(init=False, default="")
    tokens: dict[str, str] = field(init=False, default_factory=dict)
    """Panellist key → the token of the latest link mailed to them."""
    ids: dict[str, str] = field(init=False, default_factory=dict)
    """Panellist key → the hub's panellist id (from participation)."""
    outputs: dict[str, str] = field(init=False, default_factory=dict)
    """What an organiser or a panellist could fetch, by a name saying who and when."""
    panel_views: dict[tuple[str, int], dict[str, Any]] = field(init=False, default_factory=dict)
    _tallies: dict[tuple[int, str, str], dict[str, object]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=TIMEOUT)
        reply = self.client.post("/api/auth/token", json={"user": ORGANISER})
        reply.raise_for_status()
        self.passport = str(reply.json()["passport"])

    # -- HTTP -------------------------------------------------------------------------------------

    def organiser(self, method: str, path: str, body: object = None, *, expect: int = 200) -> Any:
        reply = self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.passport}"}
        )
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text[:800]}"
        return reply.json() if reply.headers.get("content-type", "").startswith("application/json") else reply

    def refused(self, method: str, path: str, body: object, *, status: int, code: str) -> dict[str, Any]:
        """The organiser's call is refused with ``status`` and the error ``code``; the error document."""
        found = self.organiser(method, path, body, expect=status)
        assert code in str(found), f"{method} {path}: {found}"
        return dict(found)

    def text(self, path: str) -> str:
        reply = self.client.get(path, headers={"Authorization": f"Bearer {self.passport}"})
        assert reply.status_code == 200, f"GET {path}: {reply.status_code} {reply.text[:500]}"
        return reply.text

    def panel(self, key: str, method: str = "GET", body: object = None, *, expect: int = 200) -> Any:
        reply = self.client.request(
            method,
            "/api/consensus/panel" + ("/answers" if method == "PUT" else ""),
            json=body,
            headers={"X-Panel-Token": self.tokens[key]},
        )
        assert reply.status_code == expect, f"{key} {method} panel: {reply.status_code} {reply.text[:800]}"
        return reply.json()

    def normalised(self, name: str) -> str:
        """The output ``name`` as :func:`normalised` leaves it."""
        people = {panellist_id: key for key, panellist_id in self.ids.items()}
        return normalised(self.outputs[name], study=self.sid, people=people, name=name)

    def study_path(self, tail: str = "") -> str:
        return f"/api/consensus/studies/{self.sid}{tail}"

    # -- the organiser's set-up --------------------------------------------------------------------

    def create(self) -> None:
        found = self.organiser("POST", "/api/consensus/studies", dict(script.STUDY), expect=201)
        self.sid = str(found["study"]["id"])
        for group in script.GROUPS:
            self.organiser(
                "POST", self.study_path("/groups"), {"id": group.id, "name": group.name}, expect=201
            )
        for n, item in enumerate(script.ITEMS):
            # half the Chinese texts are reviewed translations, half machine ones: both are shown
            zh = "reviewed" if n % 2 == 0 else "machine"
            texts = {
                "en": {"text": item.en, "provenance": "author"},
                "zh": {"text": item.zh, "provenance": zh},
            }
            body = {"id": item.id, "texts": texts, "links": list(item.links)}
            self.organiser("POST", self.study_path("/items"), body, expect=201)
        # allowed while the study is a draft: the rule may still change (and change back)
        self.organiser("PUT", self.study_path("/rule"), {"rule": "panel_70"})
        self.organiser("PUT", self.study_path("/rule"), {"rule": "comet"})

    def invite(self) -> None:
        people = [
            {"name": p.name, "email": p.email, "group": p.group, "language": p.language}
            for p in script.PANELLISTS
        ]
        found = self.organiser("POST", self.study_path("/panellists"), {"panellists": people})
        assert found["invited"] == len(script.PANELLISTS), found
        participation = self.organiser("GET", self.study_path("/participation"))
        by_email = {p.email: p.key for p in script.PANELLISTS}
        self.ids = {by_email[entry["email"]]: str(entry["id"]) for entry in participation["panellists"]}
        assert set(self.ids) == set(script.BY_KEY)

    def lock(self) -> dict[str, Any]:
        found = self.organiser("POST", self.study_path("/lock"))
        assert str(found["digest"]).startswith("sha256:") and int(found["audit_seq"]) > 0, found
        return dict(found)

    def assert_locked(self) -> None:
        """Every route that changes what the lock fixed answers 409 study_locked."""
        item = script.ITEMS[0]
        attempts = {
            "rule": ("PUT", "/rule", {"rule": "panel_70"}),
            "groups": ("POST", "/groups", {"id": "late-group", "name": {"en": "Late", "zh": "迟到"}}),
            "items": (
                "POST",
                "/items",
                {
                    "id": "late-item",
                    "texts": {
                        "en": {"text": "A late statement.", "provenance": "author"},
                        "zh": {"text": "迟到的陈述。", "provenance": "author"},
                    },
                    "links": ["policy:gdpr"],
                },
            ),
            "item-text": (
                "PUT",
                f"/items/{item.id}/texts/en",
                {"text": "Moved goalposts.", "provenance": "author"},
            ),
        }
        assert set(attempts) == set(LOCKED_ROUTES)
        for method, tail, body in attempts.values():
            self.refused(method, self.study_path(tail), body, status=409, code="study_locked")

    # -- mail ------------------------------------------------------------------------------------

    def read_links(self, keys: list[str], *, kind: str, count: int = 1) -> None:
        """Wait for ``count`` mails with a link to each of ``keys``; keep each one's latest token."""

        def arrived() -> bool:
            return all(
                len([m for m in mails_to(self.mailbox, script.BY_KEY[key].email) if LINK.search(m)]) >= count
                for key in keys
            )

        wait_for(arrived, what=f"{kind} mails with a link for {len(keys)} panellists")
        for key in keys:
            links = [LINK.findall(m) for m in mails_to(self.mailbox, script.BY_KEY[key].email)]
            self.tokens[key] = [t for found in links for t in found][-1]

    # -- rounds ----------------------------------------------------------------------------------

    def open_round(self, round_: int) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        body = {
            "opens": (now - timedelta(minutes=1)).isoformat(),
            "closes": (now + timedelta(days=7)).isoformat(),
        }
        self.organiser("POST", self.study_path("/rounds"), body, expect=201)
        study = self.organiser("GET", self.study_path())["study"]
        current = {r["round"]: r for r in study["rounds"]}[round_]
        assert current["state"] == "open", current
        assert current["items"] == [item.id for item in script.round_items(round_)], current
        assert current["invited"] == script.INVITED[round_], current

    def answer_round(self, round_: int) -> None:
        late = script.LATE.get(round_)
        for panellist in script.respondents(round_):
            if panellist.key == late:
                continue
            if self.browser is not None and panellist.key in script.BROWSER:
                self.browser(self, panellist, round_)
                self.check_stored(panellist, round_)
            else:
                self.answer_by_api(panellist, round_)
        if late is not None:
            self.remind_and_answer_late(round_, late)
        self.check_dropouts(round_)

    def answer_by_api(self, panellist: Panellist, round_: int) -> None:
        key = panellist.key
        view = self.panel(key)
        self.check_view(panellist, round_, view)
        if key == f"{script.EU}-03":  # saves a first thought, then changes it before submitting
            first = body_of(panellist, round_, swap=self.swap, submit=False)
            first["answers"][0]["score"] = 1 if first["answers"][0]["score"] != 1 else 9
            saved = self.panel(key, "PUT", first)
            assert (
                saved["submitted"] is False
                and saved["items"][0]["answer"]["score"] == first["answers"][0]["score"]
            )
        found = self.panel(key, "PUT", body_of(panellist, round_, swap=self.swap))
        if key == f"{script.CN}-04":  # submits, changes their mind, submits again
            wrong = body_of(panellist, round_, swap=self.swap)
            wrong["answers"][-1]["score"] = "unable"
            self.panel(key, "PUT", wrong)
            found = self.panel(key, "PUT", body_of(panellist, round_, swap=self.swap))
        self.check_stored(panellist, round_, found)

    def check_stored(self, panellist: Panellist, round_: int, view: Mapping[str, Any] | None = None) -> None:
        """The hub holds the panellist's scripted answers for the round, submitted."""
        found = view if view is not None else self.panel(panellist.key)
        assert found["submitted"] is True, found
        got = {entry["id"]: (entry["answer"] or {}).get("score") for entry in found["items"]}
        want = {
            item.id: script.answer(panellist, item, round_, swap=self.swap)
            for item in script.round_items(round_)
        }
        assert got == want, f"{panellist.key} round {round_}: stored {got}, sent {want}"

    def check_view(self, panellist: Panellist, round_: int, view: Mapping[str, Any]) -> None:
        """A panellist's view: their group and round, the round's items, and from round 2 their own
        previous score (only theirs) beside the previous round's blocks."""
        assert view["round"]["round"] == round_ and view["round"]["state"] == "open", view["round"]
        assert view["panellist"]["group"] == panellist.group
        assert [entry["id"] for entry in view["items"]] == [item.id for item in script.round_items(round_)]
        for entry in view["items"]:
            item = next(i for i in script.ALL_ITEMS if i.id == entry["id"])
            previous = entry.get("previous")
            if round_ - 1 not in item.rounds:
                assert previous is None, entry
                continue
            assert previous["round"] == round_ - 1
            assert previous["own_score"] == script.answer(panellist, item, round_ - 1, swap=self.swap)
            # every group answered with at least k people, so each block is one group's own tally
            tallies = self.tallies()
            for block in previous["blocks"]:
                mine = tallies[round_ - 1, item.id, block["label"]]
                assert (block["counts"], block["unable"], block["respondents"]) == (
                    mine["counts"],
                    mine["unable"],
                    mine["respondents"],
                ), (item.id, block["label"])
            assert {b["label"] for b in previous["blocks"]} == set(script.SIZES)
            # the previous round's comments on the item, every one and nothing else, without authors,
            # in the order of a hash of their text (never of who wrote them or when)
            written = [text for (n, _, i), text in script.COMMENTS.items() if (n, i) == (round_ - 1, item.id)]
            shown = [c["texts"][c["original_language"]]["text"] for c in previous["comments"]]
            assert shown == sorted(written, key=lambda text: hashlib.sha256(text.encode()).hexdigest())
            for n, _, i, language, translation in script.TRANSLATED:
                if (n, i) == (round_ - 1, item.id):
                    given = [c["texts"].get(language) for c in previous["comments"]]
                    assert {"text": translation, "provenance": "machine"} in given

    def tallies(self) -> dict[tuple[int, str, str], dict[str, object]]:
        """The scripted ratings' tallies per round, item and group, counted in SQL (tests/consensus)."""
        if not self._tallies:
            self._tallies = recompute.group_tallies(recompute.connect(script.ratings(swap=self.swap)))
        return self._tallies

    def remind_and_answer_late(self, round_: int, key: str) -> None:
        before = len(mails_to(self.mailbox, script.BY_KEY[key].email))
        self.organiser("POST", self.study_path("/remind"))
        wait_for(
            lambda: len(mails_to(self.mailbox, script.BY_KEY[key].email)) > before,
            what=f"the round-{round_} reminder to {key}",
        )
        old = self.tokens[key]
        self.read_links([key], kind="reminder")
        assert self.tokens[key] != old, "a reminder carries a new link"
        reply = self.client.get("/api/consensus/panel", headers={"X-Panel-Token": old})
        assert reply.status_code == 200, "the link of the invitation keeps working"
        self.answer_by_api(script.BY_KEY[key], round_)

    def check_dropouts(self, round_: int) -> None:
        """Round n - 1's non-responders are not invited to round n: they cannot answer (409)."""
        if round_ == 1:
            return
        for panellist in [p for p in script.PANELLISTS if p not in script.respondents(round_ - 1)][:3]:
            refused = self.panel(panellist.key, "PUT", body_of(panellist, round_, swap=self.swap), expect=409)
            assert refused["error"]["code"] == "round_closed", refused

    def close_round(self, round_: int) -> dict[str, Any]:
        self.organiser("POST", self.study_path(f"/rounds/{round_}/close"))
        results = self.organiser("GET", self.study_path("/results"))
        found = {r["round"]: r for r in results["rounds"]}[round_]
        statuses = {entry["item"]: entry["status"] for entry in found["items"]}
        assert statuses == script.EXPECTED_ROUNDS[round_], f"round {round_}: {statuses}"
        assert (found["invited"], found["responded"]) == (script.INVITED[round_], script.RESPONDED[round_])
        return dict(found)

    # -- between rounds --------------------------------------------------------------------------

    def adopt_and_translate(self) -> None:
        proposals = self.organiser("GET", self.study_path("/proposals"))["proposals"]
        language, text = script.PROPOSALS[script.ADOPTED_FROM]
        chosen = next(p for p in proposals if p["text"] == text)
        assert {p["text"] for p in proposals} == {t for _, t in script.PROPOSALS.values()}
        item = script.ADOPTED
        texts = {
            "en": {"text": item.en, "provenance": "reviewed"},
            "zh": {"text": item.zh, "provenance": "author"},
        }
        self.organiser(
            "POST",
            self.study_path(f"/proposals/{chosen['id']}/adopt"),
            {"id": item.id, "texts": texts, "links": list(item.links)},
            expect=201,
        )
        for round_, key, item_id, language, translation in script.TRANSLATED:
            comments = self.organiser("GET", self.study_path(f"/comments?round={round_}"))["comments"]
            original = script.COMMENTS[round_, key, item_id]
            found = next(c for c in comments if original in str(c["texts"]))
            self.organiser(
                "PUT",
                self.study_path(f"/comments/{found['id']}/texts/{language}"),
                {"text": translation, "provenance": "machine"},
            )

    # -- what everyone can see -------------------------------------------------------------------

    def record_panellists(self, round_: int) -> None:
        """Every panellist's view of the open round, after all have answered (API JSON), and the
        portal page of a few (HTML)."""
        for panellist in script.respondents(round_):
            view = self.panel(panellist.key)
            self.panel_views[panellist.key, round_] = view
            self.outputs[f"panel-api/{panellist.key}/round-{round_}"] = _json_text(view)
        for key in HTML_SAMPLE:
            if script.BY_KEY[key] in script.respondents(round_):
                self.outputs[f"panel-page/{key}/round-{round_}"] = self.panel_page(key)

    def panel_page(self, key: str) -> str:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT, follow_redirects=True) as browser:
            reply = browser.get(f"/delphi/p/{self.tokens[key]}")
            assert reply.status_code == 200 and "/delphi/panel" in str(reply.url), reply.status_code
            return reply.text

    def record_organiser(self, when: str) -> None:
        for name, path in (
            ("study", ""),
            ("participation", "/participation"),
            ("results", "/results"),
            ("proposals", "/proposals"),
            ("verify", "/verify"),
            *((f"comments-{n}", f"/comments?round={n}") for n in range(1, script.ROUNDS + 1)),
        ):
            self.outputs[f"organiser/{when}/{name}"] = _json_text(
                self.organiser("GET", self.study_path(path))
            )
        with httpx.Client(base_url=self.url, timeout=TIMEOUT, follow_redirects=True) as browser:
            form = browser.get("/account?lang=en").text
            token = re.search(r'name="token" value="([^"]+)"', form)
            assert token is not None, "the sign-in form has no token"
            browser.post("/account/sign-in", data={"token": token.group(1), "user": ORGANISER})
            for lang in ("en", "zh"):
                page = browser.get(f"/delphi/{self.sid}?lang={lang}")
                assert page.status_code == 200 and self.sid in page.text, page.status_code
                self.outputs[f"organiser/{when}/portal-study-{lang}"] = page.text
        for name, path in (
            ("export.csv", "/export.csv"),
            ("report-en", "/report?format=html&lang=en"),
            ("report-zh", "/report?format=html&lang=zh"),
        ):
            self.outputs[f"organiser/{when}/{name}"] = self.text(self.study_path(path))
        if shutil.which("pdftotext"):  # the printed report, read back as text (.ci/run installs poppler)
            reply = self.client.get(
                self.study_path("/report?format=pdf&lang=zh"),
                headers={"Authorization": f"Bearer {self.passport}"},
            )
            assert reply.status_code == 200 and reply.content.startswith(b"%PDF"), reply.status_code
            read = subprocess.run(
                ["pdftotext", "-layout", "-", "-"],
                input=reply.content,
                capture_output=True,
                timeout=60,
                check=True,
            )
            text = read.stdout.decode("utf-8")
            assert script.STUDY["title"]["zh"] in text.replace("\n", ""), text[:300]  # type: ignore[index]
            self.outputs[f"organiser/{when}/report-zh.pdf.txt"] = text


def _json_text(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1)


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_SHOWN_TIME = re.compile(
    r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}|\d{4}年\d{1,2}月\d{1,2}日|\b\d{1,2}:\d{2}(:\d{2})?([\s\u202f]?[AP]M)?"
)
_ROW = re.compile(r'\s*<tr data-panellist="[^"]*">.*?</tr>', re.S)
_PARTICIPATION_ROWS = re.compile(r'(?:\s*<tr data-panellist="[^"]*">.*?</tr>)+', re.S)
_MAIL_STATE = re.compile(r'<td data-mail-state="[^"]*">.*?</td>', re.S)
_RANDOM_ID = re.compile(r"\b(?:st|pn|cm|pr|ml|ru|it)-[0-9a-f]{16}\b")


def normalised(
    text: str, *, study: str, people: Mapping[str, str], name: str = "", audit_seq: int | None = None
) -> str:
    """``text`` (the output ``name``) without what differs between two runs of one study for reasons
    other than who rated what, so that two runs can be compared byte for byte:

    - the study's id; each panellist's id, replaced by ``people[id]`` (the same person in both runs:
      the organiser legitimately knows who was invited);
    - other random ids (comments, proposals, mails), numbered in order of first appearance: their
      lists are ordered by content (comments by a hash of their text), so the numbering is stable
      unless the order itself depends on who wrote them, which the comparison then catches;
    - times (when the run happened: ISO 8601, or dates and clock times as the portal shows them)
      and the portal form's token (one per browser);
    - participation's rows (JSON, and the portal's table), sorted: the hub lists a batch invited
      together in the order of their random ids, which tells nothing but differs between runs;
    - the state of each panellist's latest mail (only its kind is kept): whether the hub's outbox
      has sent it yet depends on when its loop ran, not on anyone's answers;
    - with ``audit_seq``, the lock's place in the hub's audit log, where it is shown (JSON and the
      report's table): it counts every entry of the hub, other studies' too.
    """
    if name.endswith("participation"):
        doc = json.loads(text)
        doc["panellists"] = sorted(doc["panellists"], key=lambda entry: str(entry["email"]))
        for entry in doc["panellists"]:
            if isinstance(entry.get("mail"), dict):
                entry["mail"] = {"kind": entry["mail"].get("kind")}
        text = _json_text(doc)
    text = text.replace(study, "<study>")
    if audit_seq is not None:
        text = text.replace(f'"audit_seq": {audit_seq}', '"audit_seq": "<seq>"')
        text = re.sub(rf"(<td[^>]*audit-seq[^>]*>|<td>){audit_seq}</td>", r"\1<seq></td>", text)
    for panellist_id, label in people.items():
        text = text.replace(panellist_id, f"<panellist {label}>")
    text = _MAIL_STATE.sub('<td data-mail-state="<state>"></td>', text)
    text = _PARTICIPATION_ROWS.sub(lambda m: "".join(sorted(_ROW.findall(m.group(0)))), text)
    text = re.sub(r'name="token" value="[^"]*"', 'name="token" value="<form token>"', text)
    text = _SHOWN_TIME.sub("<time>", _TIME.sub("<time>", text))
    labels: dict[str, str] = {}
    return _RANDOM_ID.sub(lambda m: labels.setdefault(m.group(0), f"<id {len(labels) + 1}>"), text)


def run_study(run: StudyRun, *, on_round_open: Callable[[StudyRun, int], None] | None = None) -> None:
    """The whole scripted study, checking each round's statuses and participation on the way."""
    run.create()
    run.invite()
    run.lock()
    run.assert_locked()
    run.read_links([p.key for p in script.PANELLISTS], kind="invitation")
    for round_ in range(1, script.ROUNDS + 1):
        run.open_round(round_)
        if round_ == 1:
            run.assert_locked()
        if on_round_open is not None:
            on_round_open(run, round_)
        run.answer_round(round_)
        run.record_panellists(round_)
        run.close_round(round_)
        if round_ == 1:
            run.adopt_and_translate()
    run.record_organiser("end")
