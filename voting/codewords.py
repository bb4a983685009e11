"""The characters of voting codes and ballot receipts, and how a typed one is read back."""

from __future__ import annotations

import re

# Letters and digits that cannot be misread for one another on paper (no 0/O, 1/I/L, U).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


def normalise_code(text: str, receipt: bool = False) -> str:
    compact = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if receipt and len(compact) == CODE_LENGTH:
        return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"
    return compact
