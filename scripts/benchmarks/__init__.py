"""The benchmarks behind ``scripts/bench.py``, one module per concern.

- ``common``: constants and profiles, statistics, timed batches, the
  Python ``ssl`` client, the AEAD backend switch, the table row;
- ``crypto``: part 1, ticket seal / open alone;
- ``handshakes``: part 2, server CPU per handshake;
- ``reject``: part 3, a ticket under an unknown key name;
- ``hostile``: part 6, ClientHellos stuffed with PSK identities;
- ``processes`` and ``rates``: parts 4 and 5, resumptions per second
  against server processes (ours, ``openssl s_server``);
- ``report`` and ``chart``: the table, the targets, ``bench.json`` and
  ``bench.png``.

Only the standard library is imported at module level, here and in
``bench.py``: the client processes of parts 4 and 5 (a ``spawn`` pool)
import them and need nothing else. tlslite-ng and tlslite_tickets are
imported inside the functions that use them.
"""
