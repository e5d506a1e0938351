"""No secret ever shows: not in repr/str, log lines or error messages."""

import base64
import logging
import os
import ssl

import pytest

import tlslite_tickets as tt
from tlslite_tickets import _aead, _ticket
from support import CallbackLog, PythonSSLClient, ticket_settings


def forms(secret):
    """The ways a secret could leak into text."""
    secret = bytes(secret)
    return {secret.hex(), repr(secret)[2:-1][:40],
            base64.b64encode(secret).decode()[:24]}


def assert_clean(text, secrets):
    for secret in secrets:
        for form in forms(secret):
            assert form not in text, "secret leaked"


def test_nothing_secret_in_logs_reprs_or_errors(make_server, tmp_path,
                                                caplog):
    seed = os.urandom(32)
    key_file_bytes = os.urandom(80)
    key_path = tmp_path / "ticket.key"
    key_path.write_bytes(key_file_bytes)
    secrets = [seed, key_file_bytes[16:48], key_file_bytes[48:]]
    texts = []

    def keep_session_secrets(conn):
        for value in (conn.session.masterSecret,
                      conn.session.resumptionMasterSecret):
            if value:
                secrets.append(bytes(value))
        texts.append(repr(conn.session))

    def boom(status):
        if status in (tt.SSL_TICKET_EMPTY, tt.SSL_TICKET_NO_DECRYPT):
            return tt.SSL_TICKET_RETURN_IGNORE_RENEW
        raise RuntimeError("callback failed")

    with caplog.at_level(logging.DEBUG):
        for fields in ({"ticket_seed": seed},
                       {"ticket_key_files": [str(key_path)]}):
            settings = ticket_settings(CallbackLog(ret=boom), **fields)
            server = make_server(settings)
            server.after_handshake = keep_session_secrets
            ring = settings.validate().ticket_key_ring
            key = ring.encryption_key(0)
            secrets.append(key.aead_key)
            texts += [repr(settings), str(settings), repr(ring), repr(key)]
            for version in ("1.2", "1.3"):
                client = PythonSSLClient(version)
                first = client.connect(server)
                with pytest.raises(ssl.SSLError):
                    client.connect(server, session=first.session)
                error = server.last().error
                texts += [str(error), repr(error), str(error.__cause__)]
        # a bad key file reload and a bad seed: their errors too
        key_path.write_bytes(b"\x01" * 79)
        with pytest.raises(ValueError) as info:
            ticket_settings(ticket_key_files=[str(key_path)]).validate()
        texts.append(str(info.value))
        with pytest.raises(ValueError) as info:
            ticket_settings(ticket_seed=seed[:8]).validate()
        texts.append(str(info.value))
        secrets.append(seed[:8])
    texts += [r.getMessage() for r in caplog.records]
    contents = tt.TicketContents((3, 4), 0x1301, os.urandom(32), 0, 60)
    secrets.append(contents.secret)
    texts += [repr(contents), str(contents)]
    assert_clean("\n".join(texts), secrets)
    assert len(secrets) >= 10


def test_ticket_key_objects_keep_no_raw_secret():
    secret = os.urandom(32)
    key = tt.TicketKey(b"n" * 16, secret)
    assert not any(bytes(getattr(key, slot)) == secret
                   for slot in key.__slots__)
    ring = tt.RotatingKeyRing(seed=secret)
    assert_clean(repr(ring) + str(ring), [secret])


def test_pure_aead_compares_tags_in_constant_time(monkeypatch):
    # the pure path must send every tag comparison through tlslite-ng's
    # constant-time compare: watch that function while tickets open
    from tlslite.utils import aesgcm
    calls = []
    real_compare = aesgcm.ct_compare_digest

    def watched(a, b):
        result = real_compare(a, b)
        calls.append((bytes(a), bytes(b), result))
        return result

    monkeypatch.setattr(aesgcm, "ct_compare_digest", watched)
    monkeypatch.setattr(_aead, "_AESGCM", None)
    key = tt.TicketKey(os.urandom(16), os.urandom(32))
    contents = tt.TicketContents((3, 4), 0x1301, os.urandom(32), 0, 60)
    ticket = _ticket.seal(key, contents)
    tampered = ticket[:-1] + bytes([ticket[-1] ^ 1])
    assert _ticket.open_ticket(key, ticket).secret == contents.secret
    with pytest.raises(_ticket.TicketDecodeError):
        _ticket.open_ticket(key, tampered)
    # one comparison per ticket, of the received tag with the computed one
    assert [(c[0], c[2]) for c in calls] == [(ticket[-16:], True),
                                             (tampered[-16:], False)]
    assert calls[1][1] == ticket[-16:]


def test_active_aead_rejects_every_wrong_tag_byte():
    # whichever backend is active (cryptography compares in C), a tag
    # wrong in any one byte does not authenticate
    key = tt.TicketKey(os.urandom(16), os.urandom(32))
    contents = tt.TicketContents((3, 4), 0x1301, os.urandom(32), 0, 60)
    ticket = _ticket.seal(key, contents)
    for index in range(len(ticket) - 16, len(ticket)):
        bad = bytearray(ticket)
        bad[index] ^= 0x80
        with pytest.raises(_ticket.TicketDecodeError):
            _ticket.open_ticket(key, bytes(bad))
    assert _ticket.AEAD_BACKEND in ("cryptography",
                                    "tlslite-ng (pure Python)")
