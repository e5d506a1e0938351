"""Part 1: ticket seal / open alone.

Ours (``_ticket.seal``/``open_ticket``) with the pure-Python AEAD forced
and with ``cryptography``, vs stock tlslite-ng's ticket crypto: seal is the
sequence of stock functions that ``TLSConnection._serverSendTickets`` runs
(``SessionTicketPayload``, ``_derive_key_iv``, ``createAESGCM(...).seal``);
open is stock's own ``TLSConnection._tryDecrypt`` in its TLS 1.2 form
(derive, createAESGCM, open, parse: its TLS 1.3 form only adds the PSK
derivation, which is not ticket crypto). Each sample is a batch timed with
``time.thread_time`` (see ``common.timed_batches``).
"""

import os
import time

from .common import (NO_CRYPTOGRAPHY, NoSwitch, PureAEAD, has_cryptography,
                     na, row, summarize, timed_batches)

SECRET = bytes(range(32))
SNI = b"localhost"


def stock_settings(keys=1):
    """Stock tlslite-ng settings, validated, with ``keys`` ticket keys."""
    from tlslite.handshakesettings import HandshakeSettings
    settings = HandshakeSettings()
    settings.ticketKeys = [bytearray(os.urandom(32)) for _ in range(keys)]
    return settings.validate()


def stock_seal(settings):
    """What ``TLSConnection._serverSendTickets`` does for one TLS 1.3
    ticket, with stock's own functions, in its order."""
    from tlslite.messages import SessionTicketPayload
    from tlslite.tlsconnection import TLSConnection
    from tlslite.utils.cipherfactory import createAESGCM
    from tlslite.utils.cryptomath import getRandomBytes
    ticket = SessionTicketPayload()
    ticket.create(bytearray(SECRET), (3, 4), 0x1301, int(time.time()),
                  getRandomBytes(len(settings.ticketKeys[0])),
                  client_cert_chain=None, encrypt_then_mac=False,
                  extended_master_secret=True, server_name=bytearray(SNI))
    nonce = getRandomBytes(32)
    key, iv = TLSConnection._derive_key_iv(nonce, settings.ticketKeys[0],
                                           settings)
    cipher = createAESGCM(key, settings.cipherImplementations)
    return nonce + cipher.seal(iv, ticket.write(), b'')


def bare_connection(version):
    """A TLSConnection without a socket, enough for ``_tryDecrypt``."""
    from tlslite.tlsconnection import TLSConnection
    conn = TLSConnection(None)
    conn.version = version
    return conn


def ours_contents():
    from tlslite_tickets import TicketContents
    return TicketContents((3, 4), 0x1301, SECRET, int(time.time() * 1000),
                          24 * 3600, age_add=0x12345678, server_name=SNI)


def bench_crypto(profile):
    from tlslite_tickets import TicketKey, _ticket
    samples, batch_s = profile["crypto_samples"], profile["batch_s"]
    settings = stock_settings()
    stock_ticket = stock_seal(settings)
    conn = bare_connection((3, 3))
    opened = conn._tryDecrypt(settings, ticket=stock_ticket)[1]
    assert opened is not None and bytes(opened.master_secret) == SECRET

    key = TicketKey.generate()
    contents = ours_contents()
    ours_ticket = _ticket.seal(key, contents)
    assert _ticket.open_ticket(key, ours_ticket).secret == SECRET

    seal, open_ = {}, {}
    seal["base"] = summarize(timed_batches(
        lambda: stock_seal(settings), samples, batch_s), 1e6,
        bytes=len(stock_ticket))
    open_["base"] = summarize(timed_batches(
        lambda: conn._tryDecrypt(settings, ticket=stock_ticket), samples,
        batch_s), 1e6)
    variants = [("ours_pure", PureAEAD)]
    if has_cryptography():
        variants.append(("ours_crypto", NoSwitch))
    else:
        seal["ours_crypto"] = open_["ours_crypto"] = na(NO_CRYPTOGRAPHY)
    for name, switch in variants:
        with switch():
            seal[name] = summarize(timed_batches(
                lambda: _ticket.seal(key, contents), samples, batch_s), 1e6,
                bytes=len(ours_ticket))
            open_[name] = summarize(timed_batches(
                lambda: _ticket.open_ticket(key, ours_ticket), samples,
                batch_s), 1e6)
    return [
        row("seal", 1, "ticket seal (TLS 1.3 session state)", "us", "lower",
            seal, "baseline: stock _serverSendTickets steps "
            "(_derive_key_iv + createAESGCM.seal)"),
        row("open", 1, "ticket open (decrypt + parse)", "us", "lower", open_,
            "baseline: stock _tryDecrypt, 1 key"),
    ], {"stock_ticket_len": len(stock_ticket),
        "ours_ticket_len": len(ours_ticket)}
