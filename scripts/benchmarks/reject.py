"""Part 3: rejecting a ticket under an unknown key name, 1..1,000 keys.

Ours: ``TicketHandshake._decrypt`` on a ``KeyRing`` (the key-name lookup
misses, nothing is decrypted); stock: ``_tryDecrypt`` on a bare
``TLSConnection`` with N ``ticketKeys`` (it tries them all).
"""

import os
import time

from .common import (KEY_COUNTS, NO_CRYPTOGRAPHY, NoSwitch, PureAEAD,
                     has_cryptography, na, row, summarize, timed_batches)
from .crypto import bare_connection, stock_settings


def bench_reject(profile, ticket_lens):
    import tlslite_tickets as tt
    from tlslite.extensions import PskIdentity
    from tlslite_tickets._handshake import TicketHandshake
    rows = []
    for count in KEY_COUNTS:
        cells = {}
        # ours: the ring lookup misses, nothing is decrypted
        ring = tt.KeyRing([tt.TicketKey.generate() for _ in range(count)])
        settings = tt.TicketHandshakeSettings()
        settings.ticket_keys = ring
        handshake = TicketHandshake(None, settings.validate())
        handshake.version, handshake.tls13 = (3, 4), True
        garbage = os.urandom(ticket_lens["ours_ticket_len"])
        assert handshake._decrypt(garbage)[0] == tt.TicketStatus.NO_DECRYPT
        variants = [("ours_pure", PureAEAD)]
        if has_cryptography():
            variants.append(("ours_crypto", NoSwitch))
        else:
            cells["ours_crypto"] = na(NO_CRYPTOGRAPHY)
        for name, switch in variants:
            with switch():
                cells[name] = summarize(timed_batches(
                    lambda: handshake._decrypt(garbage),
                    profile["reject_samples"], profile["batch_s"]), 1e6)
        # stock: _tryDecrypt tries every key
        stock = stock_settings(count)
        conn = bare_connection((3, 4))
        identity = PskIdentity().create(
            bytearray(os.urandom(ticket_lens["stock_ticket_len"])), 0)
        start = time.thread_time()
        assert conn._tryDecrypt(stock, identity=identity) == (None, None)
        once = time.thread_time() - start
        samples = int(max(2, min(profile["reject_samples"],
                                 profile["reject_budget_s"] / once)))
        cells["base"] = summarize(timed_batches(
            lambda: conn._tryDecrypt(stock, identity=identity), samples,
            0), 1e6)
        rows.append(row("reject.{0}".format(count), 3,
                        "reject unknown key name, {0} key{1}".format(
                            count, "s" if count > 1 else ""),
                        "us", "lower", cells,
                        "stock: _tryDecrypt over {0} ticketKeys; ours: "
                        "TicketHandshake._decrypt, KeyRing".format(count)))
    return rows
