"""Tests of the client. The async ones are the source; ``tests/_sync`` is generated."""
