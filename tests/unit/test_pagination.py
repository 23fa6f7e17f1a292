"""Where a server's rows go on after a page, and how a listing is cut into ranges."""

from __future__ import annotations

import pickle

import pytest

from onepin._exceptions import APIResponseValidationError
from onepin._pagination import KeyRange, Page, next_offset, split_offsets


def page(offset: int, n: int, total: int | None, nxt: str | None) -> Page[int]:
    return Page(items=list(range(n)), offset=offset, limit=10, total=total, next=nxt)


def test_next_link_parsing() -> None:
    link = "https://h/api/v1/api-keys?offset=10&limit=10"
    assert next_offset(page(0, 10, 30, link)) == next_offset(page(0, 10, None, link)) == 10
    assert next_offset(page(20, 10, 30, None)) is None
    assert next_offset(page(0, 10, 30, None)) == 10  # no link: the count says more follow
    assert next_offset(page(0, 10, None, None)) is None
    assert next_offset(page(0, 10, 30, "https://h/x")) == 10  # a link without an offset
    assert next_offset(page(0, 0, 30, link)) is None  # an empty page ends a listing


def test_a_next_link_beyond_a_stale_total_goes_on() -> None:
    assert next_offset(page(8, 2, 10, "https://h/x?offset=10&limit=2")) == 10


def test_a_link_that_does_not_move_forward_is_a_typed_error() -> None:
    with pytest.raises(APIResponseValidationError, match="does not move past"):
        next_offset(page(20, 10, 30, "https://h/x?offset=20"))


def test_ranges_cover_the_listing_once() -> None:
    assert split_offsets(10, 3) == [0, 4, 8]
    assert split_offsets(0, 2) == [0, 0]
    with pytest.raises(ValueError, match="shards"):
        split_offsets(10, 0)
    shard = KeyRange(4, 8, "all", after="k3", until="k7")
    assert pickle.loads(pickle.dumps(shard)) == shard  # noqa: S301 - our own bytes
    assert not shard.empty
    assert KeyRange(4, 4, "all", after="k3", until="k3").empty
    assert not KeyRange(4, None, "all", after="k3").empty
