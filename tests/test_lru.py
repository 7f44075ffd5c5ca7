"""catalogue/lru.py: the byte-bounded LRU shared by the page, result, card and bitset caches."""
from catalogue.lru import ByteLRU


def test_least_recently_used_goes_first_within_bytes_and_entries():
    lru = ByteLRU(max_bytes=10, max_entries=3)
    for key in "abc":
        assert lru.put(key, "xxx")
    assert lru.get("a") == "xxx"  # a is now the most recently used
    lru.put("d", "xxx")  # 12 bytes: b goes
    assert "b" not in lru and list(lru) == ["c", "a", "d"] and lru.nbytes == 9
    lru.put("e", "x")  # four entries: c goes
    assert list(lru) == ["a", "d", "e"] and lru.nbytes == 7


def test_replacing_counts_the_new_cost_and_an_oversized_value_changes_nothing():
    lru = ByteLRU(max_bytes=10, cost=lambda v: v[0])
    lru.put("a", (4,))
    lru.put("a", (2,))
    assert lru.nbytes == 2 and len(lru) == 1
    assert lru.put("big", (11,)) is False and list(lru) == ["a"] and lru.nbytes == 2
    assert lru.put("given", "ignored", cost=8) and lru.nbytes == 10


def test_pop_drop_where_and_clear_keep_the_byte_count():
    lru = ByteLRU(max_bytes=100)
    for n in range(5):
        lru.put((n, n % 2), "xx")
    assert lru.pop((0, 0)) == "xx" and lru.pop("missing", "none") == "none" and lru.nbytes == 8
    lru.drop_where(lambda key: key[1] == 1)
    assert list(lru) == [(2, 0), (4, 0)] and lru.nbytes == 4 and list(lru.values()) == ["xx", "xx"]
    lru.clear()
    assert len(lru) == 0 and lru.nbytes == 0 and lru.get((2, 0)) is None
