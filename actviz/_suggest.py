"""Did-you-mean suggestions for mistyped names."""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    two neighbouring characters each cost 1 (so ``rleu`` is 1 away from ``relu``)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def nearest(word: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The candidates closest to ``word``, closest first, at most ``limit`` of them.

    A candidate qualifies when it is at most a third of the word's length away (at least 1,
    at most 3 edits), or when one of the two starts with the other (``leaky`` -> ``leaky_relu``).
    """
    word = word.lower()
    budget = min(3, max(1, len(word) // 3))
    scored = []
    for cand in set(candidates):
        dist = edit_distance(word, cand)
        if dist <= budget:
            scored.append((dist, 0, cand))
        elif len(word) >= 3 and (cand.startswith(word) or word.startswith(cand)):
            scored.append((budget + 1, abs(len(cand) - len(word)), cand))
    scored.sort()
    return [cand for _, _, cand in scored[:limit]]


def suggestion(word: str, candidates: Iterable[str]) -> str:
    """The nearest candidates quoted, ``'x'`` or ``'x', 'y' or 'z'``; '' when none is near."""
    quoted = [f"'{c}'" for c in nearest(word, candidates)]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` (or ``'x' or 'y'``), or an empty string when nothing is near."""
    found = suggestion(word, candidates)
    return f" Did you mean {found}?" if found else ""
