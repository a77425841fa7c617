"""The demo network's federated learning: a Flower SuperLink beside the hub, serving TLS with the
demo's local CA and admitting only the SuperNodes whose keys the hub registered, and each node's
SuperNode with its pinned runner, as on a real network (docs/learning.md), all on loopback."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from pmbridge.demo._keys import ensure_learning_keys
from pmbridge.demo._layout import DEMO_NODES, DemoPaths
from pmbridge.flower import ControlLink, Service, SuperLink, register_nodes, start_superlink, stop_all
from pmbridge.flower._processes import flower_env
from pmbridge.node import start_node_learning
from pmbridge.signing import local_certificates, parse_supernode_key, supernode_public_line


class DemoLearning:
    """Starts the SuperLink on entry, the nodes' SuperNodes on :meth:`join`, and stops them all on exit."""

    def __init__(self, paths: DemoPaths) -> None:
        self.paths = paths
        self.services: list[Service] = []
        self.superlink: SuperLink | None = None

    @property
    def work(self) -> Path:
        return self.paths.run_dir / "flower"

    def __enter__(self) -> DemoLearning:
        self.work.mkdir(parents=True, exist_ok=True)
        ensure_learning_keys(self.paths)
        tls = local_certificates(self.paths.superlink_tls)  # HTTPS, and only registered SuperNodes
        self.superlink = start_superlink(self.work, env=flower_env(self.work / "home"), tls=tls)
        self.services.append(self.superlink.service)
        return self

    @property
    def control(self) -> str:
        assert self.superlink is not None, "enter the DemoLearning first"
        return self.superlink.control

    def join(self) -> None:
        """Each demo node connects out to the SuperLink, as `pmbridge node learn` does."""
        assert self.superlink is not None, "enter the DemoLearning first"
        # As an operator does before the nodes join (the hub registers them again per training).
        keys = {n.id: parse_supernode_key(supernode_public_line(self.paths.supernode_key(n.id)), where=n.id)
                for n in DEMO_NODES}  # fmt: skip
        register_nodes(ControlLink(self.superlink.control, self.superlink.ca), keys)
        for node in DEMO_NODES:
            self.services += start_node_learning(self.paths.node_config(node), superlink=self.superlink.fleet)

    def failed(self) -> list[Service]:
        return [s for s in self.services if s.process.poll() is not None]

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        stop_all(self.services)
