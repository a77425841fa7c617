"""Posting the portal's account forms as its own page does: with the browser's form token."""

from __future__ import annotations

import re

import httpx


async def account_token(client: httpx.AsyncClient) -> str:
    """The form token on this browser's account page (loading it sets the form cookie)."""
    page = (await client.get("/account")).text
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None, "the account page has no form token"
    return found.group(1)


async def post_account_form(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """Post ``fields`` to ``/account/sign-in`` or ``/account/sign-out`` with the token."""
    return await client.post(path, data={**fields, "token": await account_token(client)})
