"""``coach wecom link``: an admin maps a WeCom member to an account."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from bot.storage import Database, WeComLinkRepository, store


def test_link_maps_a_member_to_an_account(db: Database) -> None:
    with store(db, write=True) as s:
        rep_id = s.users.create("周婷", login="zhouting").id
    runner = CliRunner()
    linked = runner.invoke(main, ["wecom", "link", "ZhouTing", "zhouting", "--database-url", db.url])
    missing = runner.invoke(main, ["wecom", "link", "Nobody", "nobody", "--database-url", db.url])
    assert linked.exit_code == 0, linked.output
    assert missing.exit_code != 0 and "no user" in missing.output
    with store(db) as s:
        user = WeComLinkRepository(s.session).user("ZhouTing")
        assert user is not None and user.id == rep_id
        assert WeComLinkRepository(s.session).user("Nobody") is None
