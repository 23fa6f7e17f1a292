"""Row: decode one page of 100 keys (about 45 KB) into typed models.

The SDK's cached decoder and ``Page`` against the same envelope as pydantic v2
models (``model_validate_json``), plain ``json.loads``, and a bare msgspec
decode into structs with the SDK's own options (the floor: like with like).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import msgspec

from benchmarks._harness import Line, Row, Target, seconds_per_call
from benchmarks._payloads import bare_envelope, page_bytes, pydantic_envelope


def bench(quick: bool) -> Row:
    """Median microseconds per page of each decoder, interleaved."""
    from onepin._pagination import page_from_envelope
    from onepin._wire import Decoders

    raw = page_bytes(0, 100, 1000)
    ours = Decoders.api_key_list
    bare = msgspec.json.Decoder(bare_envelope(listing=True))
    model = pydantic_envelope(listing=True)

    def onepin_page() -> object:
        return page_from_envelope(ours.decode(raw), offset=0, limit=100)

    fns: dict[str, Callable[[], object]] = {
        "onepin": onepin_page,
        "msgspec floor": lambda: bare.decode(raw),
        "pydantic v2": lambda: model.model_validate_json(raw),
        "json.loads": lambda: json.loads(raw),
    }
    t = seconds_per_call(fns, number=50 if quick else 300, rounds=5 if quick else 15)
    return Row(
        "decode a page of 100 keys (medians of interleaved rounds)",
        [
            Line("pydantic v2 / onepin", t["pydantic v2"] / t["onepin"], target=Target(">=", 2.5)),
            Line("json.loads / onepin", t["json.loads"] / t["onepin"]),
            Line(
                "onepin / msgspec floor (same struct options)",
                t["onepin"] / t["msgspec floor"],
                target=Target("<=", 1.15),
            ),
            Line("onepin", t["onepin"] * 1e6, "us"),
        ],
        raw={"us": {name: v * 1e6 for name, v in t.items()}},
    )
