"""Where a listing goes after a page: the server's ``next`` link against arithmetic."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from onepin._pagination import Page, next_offset


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
