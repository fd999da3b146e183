"""The stored mpmath references (tests/stored.py, tests/data/references.json): exactly the
points the tests need are stored, and (slow) mpmath recomputes every one of them to the digits
stored."""

from __future__ import annotations

import mpmath as mp
import pytest

from .stored import DIGITS, REGENERATE, TABLES, compute, load, needed


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_reference_a_test_needs_is_stored_and_no_other(table):
    """A function, formula or point added without regenerating the file fails here, by
    name (and the test reading it fails with the same advice)."""
    want = {(need.key, need.part, repr(float(x))) for need in needed(table) for x in need.xs}
    have = {(key, part, x) for key, parts in load().get(table, {}).items()
            for part, points in parts.items() for x in points}
    missing, stale = sorted(want - have), sorted(have - want)
    assert not missing, f"{len(missing)} missing, first {missing[:3]}: {REGENERATE}"
    assert not stale, f"{len(stale)} stored but not needed, first {stale[:3]}: {REGENERATE}"


def _agree(new: str, old: str) -> bool:
    """The same stored digits, or (a last digit rounded the other way) within 1e-18
    relatively, or both below 1e-300, where every test compares absolutely."""
    if new == old:
        return True
    with mp.workdps(DIGITS + 5):
        a, b = mp.mpf(new), mp.mpf(old)
        if abs(a) <= mp.mpf(1e-300) and abs(b) <= mp.mpf(1e-300):
            return True
        return bool(abs(a - b) <= mp.mpf(10) ** (2 - DIGITS) * abs(b))


@pytest.mark.slow
@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_stored_references_are_what_mpmath_computes_now(table):
    fresh, old = compute(table), load()[table]
    assert fresh.keys() == old.keys(), REGENERATE
    wrong = []
    for key, parts in fresh.items():
        assert parts.keys() == old[key].keys(), (key, REGENERATE)
        for part, points in parts.items():
            assert points.keys() == old[key][part].keys(), (key, part, REGENERATE)
            for x, value in points.items():
                before = old[key][part][x]
                if (value is None) != (before is None) or (
                        value is not None and before is not None and not all(
                            _agree(a, b) for a, b in zip(value, before, strict=True))):
                    wrong.append((key, part, float(x), value, before))
    assert not wrong, (f"{len(wrong)} stored references differ from mpmath's, first "
                       f"{wrong[:3]}: {REGENERATE}")
