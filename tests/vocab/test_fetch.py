"""``vocab fetch`` against a real HTTP server on 127.0.0.1: all files or none, and a MANIFEST."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.errors import UpstreamError
from pmbridge.vocab import (
    BASE_URL_ENV_VAR,
    ChineseLabels,
    DataDir,
    FetchedFile,
    fetch_reference_data,
    locate_data_dir,
    reference_base_url,
)

from ._upstream import HPO_PREFIX, RAW_ZH_PATH, RELEASE, ZH_PATH, ZH_REF, Upstream, serve, upstream_files


@pytest.fixture
def upstream(shared_data: Path) -> Iterator[Upstream]:
    state = Upstream(files=upstream_files(shared_data))
    server = serve(state)
    yield state
    server.shutdown()
    server.server_close()


def _fetch(upstream: Upstream, dest: Path | None, *, release: str = RELEASE) -> list[FetchedFile]:
    return fetch_reference_data(dest=dest, release=release, base_url=upstream.url, zh_ref=ZH_REF, timeout=10)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fetch_places_every_file_with_a_manifest(
    upstream: Upstream, tmp_path: Path, shared_data: Path
) -> None:
    seen: dict[str, tuple[int, int | None]] = {}
    fetched = fetch_reference_data(
        dest=tmp_path,
        release=RELEASE,
        base_url=upstream.url,
        zh_ref=ZH_REF,
        progress=lambda name, done, total: seen.__setitem__(name, (done, total)),
    )
    assert [f.file for f in fetched] == [
        "hpo/hp.obo",
        "hpo/phenotype.hpoa",
        "hpo/genes_to_phenotype.txt",
        "hpo-zh/hpo_zh.tsv",
    ]
    for name in ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt"):
        served = upstream.files[HPO_PREFIX + name]
        assert (tmp_path / "hpo" / name).read_bytes() == served
        assert seen[name] == (len(served), len(served))
    # the Babelon table came through GitHub's redirect and was converted back to the shared rows
    assert upstream.requests[-2:] == [ZH_PATH, RAW_ZH_PATH]
    expected_zh = (shared_data / "hpo-zh" / "hpo_zh.tsv").read_text(encoding="utf-8")
    assert (tmp_path / "hpo-zh" / "hpo_zh.tsv").read_text(encoding="utf-8") == "".join(
        expected_zh.splitlines(True)[:61]
    )
    assert len(ChineseLabels.load(tmp_path / "hpo-zh" / "hpo_zh.tsv")) == 60

    manifest = (tmp_path / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    assert manifest[0] == "file\tsha256\turl\trelease\tfetched_at"
    rows = [line.split("\t") for line in manifest[1:]]
    for (file, sha256, url, release, fetched_at), item in zip(rows, fetched, strict=True):
        assert hashlib.sha256((tmp_path / file).read_bytes()).hexdigest() == sha256
        assert (file, sha256, url, release, fetched_at) == (
            item.file,
            item.sha256,
            item.url,
            item.release,
            item.fetched_at,
        )
        assert url.startswith(upstream.url)
    assert rows[0][3] == RELEASE
    assert rows[3][3] == f"hpo-translations@{ZH_REF}"
    assert not list(tmp_path.glob(".fetch-*"))
    assert DataDir(tmp_path, "config").missing() == ()


def test_default_destination_is_the_user_data_dir(upstream: Upstream, isolated_lookup: Path) -> None:
    _fetch(upstream, None)
    assert (isolated_lookup / "hpo" / "hp.obo").is_file()
    assert locate_data_dir() == DataDir(isolated_lookup, "user")


def test_a_failure_midway_leaves_the_destination_as_it_was(upstream: Upstream, tmp_path: Path) -> None:
    _fetch(upstream, tmp_path)
    before = _snapshot(tmp_path)
    upstream.files[HPO_PREFIX + "hp.obo"] += b"! a newer build of the same release\n"
    upstream.truncate.add(HPO_PREFIX + "genes_to_phenotype.txt")
    with pytest.raises(UpstreamError, match=r"genes_to_phenotype\.txt") as caught:
        _fetch(upstream, tmp_path)
    assert "nothing was changed" in caught.value.message
    assert _snapshot(tmp_path) == before
    assert not list(tmp_path.glob(".fetch-*"))


def test_a_failure_into_an_empty_destination_leaves_it_empty(upstream: Upstream, tmp_path: Path) -> None:
    upstream.truncate.add(RAW_ZH_PATH)  # the very last download
    with pytest.raises(UpstreamError):
        _fetch(upstream, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []  # neither the destination nor its staging folder


def test_a_new_destination_appears_whole_in_one_rename(upstream: Upstream, tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def look(name: str, received: int, total: int | None) -> None:
        seen.append(sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")))

    fetch_reference_data(
        dest=tmp_path / "new", release=RELEASE, base_url=upstream.url, zh_ref=ZH_REF, progress=look
    )
    assert seen and all(names == [] for names in seen)  # nothing visible while downloading
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]
    assert DataDir(tmp_path / "new", "config").missing() == ()
    assert not (tmp_path / "new" / "hp-zh.babelon.tsv").exists()  # the raw download is not kept


def test_an_interrupted_fetch_leaves_nothing(upstream: Upstream, tmp_path: Path) -> None:
    def interrupt(name: str, received: int, total: int | None) -> None:
        if name == "phenotype.hpoa":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_reference_data(
            dest=tmp_path / "new", release=RELEASE, base_url=upstream.url, zh_ref=ZH_REF, progress=interrupt
        )
    assert list(tmp_path.iterdir()) == []


def test_a_stale_staging_folder_of_a_killed_fetch_is_removed(upstream: Upstream, tmp_path: Path) -> None:
    stale = tmp_path / ".new.fetch-killed"
    (stale / "hpo").mkdir(parents=True)
    os.utime(stale, (1_000_000, 1_000_000))
    recent = tmp_path / ".new.fetch-running"  # perhaps another fetch, still running
    recent.mkdir()
    _fetch(upstream, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".new.fetch-running", "new"]


def test_the_base_url_comes_from_the_environment(
    upstream: Upstream, isolated_lookup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASE_URL_ENV_VAR, upstream.url)
    assert reference_base_url() == upstream.url
    fetched = fetch_reference_data(release=RELEASE, zh_ref=ZH_REF)
    assert all(item.url.startswith(upstream.url) for item in fetched)
    monkeypatch.setenv(BASE_URL_ENV_VAR, " ")
    assert reference_base_url() == "https://github.com"


def test_an_unknown_release_is_reported_with_its_status(upstream: Upstream, tmp_path: Path) -> None:
    with pytest.raises(UpstreamError, match="HTTP 404") as caught:
        _fetch(upstream, tmp_path, release="1999-01-01")
    assert "--release" in caught.value.hint
    assert list(tmp_path.iterdir()) == []


def test_a_file_of_another_release_is_refused(upstream: Upstream, tmp_path: Path) -> None:
    mislabeled = HPO_PREFIX.replace(RELEASE, "2025-03-03")
    for path, body in list(upstream.files.items()):
        if path.startswith(HPO_PREFIX):
            upstream.files[path.replace(HPO_PREFIX, mislabeled)] = body
    with pytest.raises(UpstreamError, match="is release 2025-01-16, not 2025-03-03"):
        _fetch(upstream, tmp_path, release="2025-03-03")
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_is_an_upstream_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UpstreamError, match="ConnectError"):
        fetch_reference_data(dest=tmp_path, base_url=f"http://127.0.0.1:{port}", timeout=5)
    assert list(tmp_path.iterdir()) == []
