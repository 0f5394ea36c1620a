"""Small-cell suppression for published figures.

A count under the threshold is withheld (primary suppression). A withheld cell could still be
worked out from a published total, so while the withheld cells of a table add up to less
than the threshold — one withheld cell alone is always exactly "total minus the rest" — the
smallest published cell is withheld too (complementary suppression). A total under the
threshold withholds the whole table.
"""

from dataclasses import dataclass

THRESHOLD = 10


@dataclass(frozen=True)
class Cell:
    label: str
    value: int | None  # None: withheld

    @property
    def suppressed(self) -> bool:
        return self.value is None


def suppress(counts: dict, threshold: int = THRESHOLD) -> tuple[list[Cell], int | None]:
    """The cells (in the given order) and the total, with what must be withheld as None."""
    total = sum(counts.values())
    if total < threshold:
        return [Cell(label, None) for label in counts], None
    withheld = {label for label, value in counts.items() if value < threshold}
    published = sorted((value, label) for label, value in counts.items() if label not in withheld)
    while withheld and published and (len(withheld) < 2 or sum(counts[label] for label in withheld) < threshold):
        _value, label = published.pop(0)
        withheld.add(label)
    return [Cell(label, None if label in withheld else value) for label, value in counts.items()], total


def figure(value, count: int, threshold: int = THRESHOLD):
    """A figure computed over `count` complaints (an average, a median, a share): withheld
    when it rests on fewer than the threshold."""
    return value if count >= threshold else None
