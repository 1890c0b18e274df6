"""The labelled development parts the classifier tests may read (importable as ``classifier_data``).

Found by name, so a new development round is covered without listing it again. Hold-out and blind
parts are never read here: only the benchmark scores them, in aggregate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "questionbank" / "data"
DEVELOPMENT_PARTS: list[str] = sorted(
    path.stem for path in DATA.glob("*.jsonl") if path.stem.split("_")[0] in ("dev", "extra")
)


def rows(part: str) -> list[dict[str, Any]]:
    path: Path = DATA / f"{part}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
