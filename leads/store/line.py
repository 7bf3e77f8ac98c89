"""The line: any waiting lead's place, read from 16 small counters instead of counting the line.

Order: by score (lowest first; score = the confirmation's number less REFERRAL_BOOST a credited
referral), ties by earlier confirmation. Both fit in one 63-bit rank, the score above the
confirmation's number, so that ranks sort as places do. A lead's place is 1 + the number of
waiting leads of a lower rank.

Those are counted by a tree over the ranks' 16 hexadecimal digits: the node of a prefix holds,
for each next digit 0-f, how many waiting leads' ranks start with prefix + digit. A rank's path
is the 16 nodes of its prefixes (the root's prefix is empty), and the leads ahead of it are, at
each node of the path, the counts of the digits below its own: 16 nodes read, whatever the
length of the line (O(log n), below the O(sqrt n) the issue allows). Joining or leaving the line
moves one count in each of the 16 nodes of its path: a bounded write. The SQL store moves them
in the change's transaction, DynamoDB's stream tally from the table's stream, exactly once.
"""

from __future__ import annotations

from collections import defaultdict

SEQ_BITS = 32  # room for 4 billion confirmations
SCORE_OFFSET = 1 << 30  # scores from -2^30 (credits galore) to 2^31 - 2^30: never negative here
DIGITS = 16
NODE = "n"  # a node's id is NODE + its prefix: never empty (DynamoDB refuses an empty key)

Counts = list[int]  # a node's 16 counts, one per next digit
Moves = dict[str, dict[int, int]]  # node id -> digit -> change


class OutOfLine(ValueError):
    """A score or a confirmation number the rank cannot hold."""


def rank(score: int, seq: int) -> int:
    if not 0 < seq < 1 << SEQ_BITS or not 0 <= score + SCORE_OFFSET < 1 << (63 - SEQ_BITS):
        raise OutOfLine(f"score {score}, seq {seq}")
    return ((score + SCORE_OFFSET) << SEQ_BITS) | seq


def rank_text(value: int) -> str:
    """16 hexadecimal digits: strings that sort as the ranks do (DynamoDB's index sort key)."""
    return f"{value:016x}"


def path(value: int) -> list[tuple[str, int]]:
    """The nodes on a rank's path, root first, each with the rank's digit there."""
    text = rank_text(value)
    return [(NODE + text[:level], int(text[level], 16)) for level in range(DIGITS)]


def ahead(value: int, nodes: dict[str, Counts]) -> int:
    """How many waiting leads rank below `value`, from the nodes of its path (missing: empty)."""
    return sum(sum(nodes.get(node, [0] * 16)[:digit]) for node, digit in path(value))


def moves(old: int | None, new: int | None) -> Moves:
    """The counts that a lead leaving rank `old` and taking rank `new` (either None) moves."""
    moved: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for value, step in ((old, -1), (new, +1)):
        if value is not None:
            for node, digit in path(value):
                moved[node][digit] += step
    return {
        node: {digit: n for digit, n in digits.items() if n}
        for node, digits in moved.items()
        if any(digits.values())
    }
