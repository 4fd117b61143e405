"""The words of the pages themselves (not the data's), in each language the site speaks.

They live in `server/locales/<language>.json`, one file per language, so a translator edits data, not
code. Templates read them as `ui.key`; a key missing in one language falls back to English.
"""

from __future__ import annotations

import json
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
FALLBACK = "en"


def read_ui_text() -> dict[str, dict[str, str]]:
    english = json.loads((LOCALES / f"{FALLBACK}.json").read_text(encoding="utf-8"))
    return {path.stem: {**english, **json.loads(path.read_text(encoding="utf-8"))}
            for path in sorted(LOCALES.glob("*.json"))}


UI_TEXT = read_ui_text()
