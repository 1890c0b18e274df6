"""axe-core in the browser tests: inject the vendored axe.min.js into a page and list the serious
and critical violations (tests/channels/web/vendor/README.md says where the file comes from)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, *, include: str | None = None) -> list[str]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules and best practices) on the page as it is now;
    returns "rule: target" for every serious or critical violation."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated through the debugging protocol: the page's CSP (script-src 'self') stays on.
        page.evaluate(_axe_source())
    result = page.evaluate(
        r"""async (include) => {
            const context = include ? { include: [include] } : document;
            const found = await axe.run(context, {
              runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
              resultTypes: ["violations"],
            });
            return found.violations.map((v) => ({ id: v.id, impact: v.impact,
              targets: v.nodes.map((n) =>
                `${n.target.join(" ")} [${(n.failureSummary || "").replace(/\s+/g, " ")}]`) }));
        }""",
        include,
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}" for v in result if v["impact"] in BLOCKING
    ]
