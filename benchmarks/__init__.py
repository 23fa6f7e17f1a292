"""Side-by-side benchmarks of the OnePin SDK: ``python -m benchmarks`` (or ``nox -s bench``).

One module per row (``decode``, ``per_call``, ``startup``, ``listing``,
``scaling``, ``sharding``, ``load``, ``rate``, ``memory``, ``audit``) and the
shared machinery: ``_harness`` (how rows measure), ``_emulator`` (the server in
its own process), ``_listers`` (ways to list, run in fresh interpreters),
``_floor`` (the measured floor of a listing), ``_payloads`` (canned pages and
the competitors' models), ``_report`` (the table and the JSON).
"""
