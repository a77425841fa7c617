"""How route handlers reach the node's context (set on the app by the factory)."""

from __future__ import annotations

from fastapi import Request

from pmbridge.node._context import NodeContext


def context_of(request: Request) -> NodeContext:
    ctx = request.app.state.node
    assert isinstance(ctx, NodeContext)
    return ctx
