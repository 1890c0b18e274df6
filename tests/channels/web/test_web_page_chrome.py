"""The pages share one top bar, banner and sign-in form (templates/_chrome.html): each page
shows them once, with its own brand, title and lead, in the page's language."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.i18n import translate

HTTP_LAYER_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# page: (brand key, sign-in area or None, the page's own links in the top bar)
PAGES = {
    "chat": ("web.chat.brand", "chat", ["/progress", "/manage", "/studio"]),
    "manage": ("web.manage.brand", "manage", ["/chat"]),
    "studio": ("web.studio.brand", "studio", ["/chat"]),
    "admin": ("web.admin.title", None, ["/manage"]),
    "progress": ("web.chat.brand", None, ["/chat"]),
}


@HTTP_LAYER_ONLY
@pytest.mark.parametrize("page", sorted(PAGES))
async def test_each_page_has_one_top_bar_banner_and_sign_in_form(
    client: httpx.AsyncClient, page: str
) -> None:
    html = (await client.get(f"/{page}")).text
    brand, area, links = PAGES[page]
    lang = re.search(r'<body[^>]* data-lang="(\w+)"', html)
    assert lang is not None
    assert html.count('class="topbar"') == html.count('id="banner"') == html.count('class="skip"') == 1
    assert html.count('class="langswitch"') == 1
    header = html[html.index('<header class="topbar">') : html.index("</header>")]
    assert f'data-i18n="{brand}">{translate(brand, lang.group(1))}</span>' in header
    assert re.findall(r'href="(/\w+)"', header) == links  # the page's own actions, in order
    if area is None:
        assert 'id="login-form"' not in html
        return
    assert html.count('id="login-form"') == 1 and html.count('id="login-submit"') == 1
    title = f"web.{area}.signInTitle"
    assert f'<h1 id="login-title" data-i18n="{title}">{translate(title, lang.group(1))}</h1>' in html
    # The chat page opens on the sign-in form; the others show it once they know nobody is signed in.
    section = re.search(r'<section id="view-login" class="([^"]+)"', html)
    assert section is not None and ("hidden" in section.group(1)) == (page != "chat")
