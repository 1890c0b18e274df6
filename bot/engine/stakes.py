"""Which problem a what-if is about when its own words name one problem's stakes.

A what-if asks what a problem leads to, so the stakes its words match say more about which problem
it means than the causes or views they share: "and if the carmaker kept sending defective lots
back, how would that play out for your business?" shares 'defect' and 'customer' with the audit's
paper records (its best single topic) but matches the returns' stakes, and none of the audit's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .listening import STAKE_LEAD, STAKE_MIN, Focus
from .scenario import Implication

# The other problem's family (the line's own words) must score at least this share of the chosen
# problem's: the stakes decide between two problems the line names about as well, not against a
# clear mention (tuned on probes_dev3.yaml).
STAKE_FAMILY_SHARE: Final = 0.8


def stake_leader(focus: Focus, chosen: str | None, owners: dict[str, str]) -> str | None:
    """Another problem than ``chosen`` whose stakes the line's own words match (>= STAKE_MIN and
    STAKE_LEAD times the best stake of ``chosen``), when its family is close to ``chosen``'s and
    the line is not heard as ``chosen`` itself."""
    if (
        chosen is None
        or focus.implication is not None
        or not focus.stakes
        or focus.key == f"problem:{chosen}"
    ):
        return None  # (a line naming the problem itself is about it, whatever stakes its words match)
    best: dict[str, float] = {}
    for stake, score in focus.stakes:
        problem = owners.get(stake)
        if problem is not None:
            best[problem] = max(best.get(problem, 0.0), score)
    leader = max((p for p in best if p != chosen), key=best.__getitem__, default=None)
    if leader is None or best[leader] < STAKE_MIN or best[leader] < STAKE_LEAD * best.get(chosen, 0.0):
        return None
    families = dict(focus.families)
    close = families.get(leader, 0.0) >= STAKE_FAMILY_SHARE * families.get(chosen, 0.0)
    return leader if close else None


def owners_of(implications: Iterable[Implication]) -> dict[str, str]:
    """Each implication id -> its problem id."""
    return {i.id: i.problem for i in implications}
