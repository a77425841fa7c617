"""Fixtures for portal tests: two real in-process nodes (and one down) behind a hub with the portal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from pmbridge.node import NodeContext
from pmbridge.portal import TermIndex
from pmbridge.vocab import Hpo, locate_data_dir
from tests.portal import network


@pytest.fixture(scope="session")
def hpo() -> Hpo:
    return Hpo.load(locate_data_dir())


@pytest.fixture(scope="session")
def terms(hpo: Hpo) -> TermIndex:
    return TermIndex.from_hpo(hpo)


@pytest.fixture(scope="module")
def network_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("portal-network")


@pytest.fixture(scope="module")
def contexts(network_root: Path, hpo: Hpo) -> Iterator[dict[str, NodeContext]]:
    opened = network.build(network_root, hpo)
    yield opened
    for context in opened.values():
        context.close()
        context.release.close()


@pytest.fixture
async def portal(contexts: dict[str, NodeContext], network_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with network.portal_client(contexts, network_root) as client:
        yield client
