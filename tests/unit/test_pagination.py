"""Where a listing goes after a page: the server's ``next`` link against arithmetic."""

from __future__ import annotations

import pickle
from urllib.parse import parse_qs, urlsplit

import pytest

from onepin._pagination import KeyRange, Page, next_offset, split_ranges


def test_next_link_parsing() -> None:
    def page(offset: int, n: int, total: int | None, nxt: str | None) -> Page[int]:
        return Page(items=list(range(n)), offset=offset, limit=10, total=total, next=nxt)

    link = "https://h/api/v1/api-keys?offset=10&limit=10"
    assert next_offset(page(0, 10, 30, link)) == next_offset(page(0, 10, None, link))
    assert next_offset(page(0, 10, 30, link)).offset == 10
    assert not next_offset(page(0, 10, 30, link)).mismatch
    assert next_offset(page(20, 10, 30, None)).offset is None
    assert next_offset(page(0, 10, 30, "https://h/x?offset=12")).mismatch
    assert next_offset(page(0, 10, 30, "https://h/x")).mismatch
    assert next_offset(page(0, 0, 30, link)).offset is None
    assert parse_qs(urlsplit(link).query)["offset"] == ["10"]


def test_a_next_link_beyond_a_stale_total_goes_on() -> None:
    page = Page(items=[1, 2], offset=8, limit=2, total=10, next="https://h/x?offset=10&limit=2")
    following = next_offset(page)
    assert following.offset == 10
    assert following.mismatch  # pages computed from the total no longer hold


def test_ranges_cover_the_listing_once() -> None:
    ranges = split_ranges(10, 3, "all")
    assert ranges == [KeyRange(0, 4, "all"), KeyRange(4, 8, "all"), KeyRange(8, None, "all")]
    assert split_ranges(0, 2, "active") == [KeyRange(0, 0, "active"), KeyRange(0, None, "active")]
    assert pickle.loads(pickle.dumps(ranges[1])) == ranges[1]  # noqa: S301 - our own bytes
    with pytest.raises(ValueError, match="shards"):
        split_ranges(10, 0, "all")
