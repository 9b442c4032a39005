"""Whether a meeting place looks like a resident's home address.

The place an accepted order names is what the team's volunteers read on the event;
the resident's address stays with the leader (志愿服务条例 art. 21). A leader who types
the address there by habit is warned, never refused: the check reads text, and a
meeting place may well lie in the same street.
"""

from __future__ import annotations

import re
import unicodedata

# A street and a house number: 人民路12号, 西街1号, 幸福里3号.
STREET_NUMBER = re.compile(r"([^\d]{1,20}?(?:大道|大街|胡同|路|街|道|巷|弄|里))(\d+)号")
# A building and what follows it: 3栋2单元101, 5号楼1单元, 2幢.
BUILDING = re.compile(r"(\d+)(?:栋|幢|号楼|座)(?:(\d+)单元)?(?:(\d+)(?:室|号)?)?")


def normalize(text: str) -> str:
    """Full-width forms folded (１２号 → 12号), spaces and punctuation dropped, lower case."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(char for char in folded if char.isalnum())


def _street_numbers(text: str) -> list[tuple[str, str]]:
    return [(street, number) for street, number in STREET_NUMBER.findall(text)]


def _same_street(a: str, b: str) -> bool:
    # "东门社区人民路" and "人民路" name one street: the shorter ends the longer.
    return a.endswith(b) or b.endswith(a)


def _door(match: re.Match) -> tuple[str, ...] | None:
    """A building with its unit or room: enough to name one home, unlike a bare 3栋."""
    building, unit, room = match.groups()
    if unit is None and room is None:
        return None
    return building, unit or "", room or ""


def looks_like_home(place: str, address: str) -> bool:
    """Whether ``place`` equals or contains ``address``, names a numbered part of it (3栋2单元101),
    or shares its street and house number (人民路12号)."""
    place, address = normalize(place), normalize(address)
    if not place or not address:
        return False
    if address in place or (place in address and any(char.isdigit() for char in place)):
        return True
    for street, number in _street_numbers(place):
        if any(number == n and _same_street(street, s) for s, n in _street_numbers(address)):
            return True
    doors = {door for match in BUILDING.finditer(address) if (door := _door(match))}
    return any(_door(match) in doors for match in BUILDING.finditer(place))
