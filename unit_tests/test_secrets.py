"""No secret ever shows: not in repr/str, log lines or error messages."""

import base64
import logging
import os
import ssl

import pytest

import tlslite_tickets as tt
from tlslite_tickets import _ticket
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


def test_aead_tag_check_is_constant_time():
    # both paths compare tags in constant time: cryptography in C, the pure
    # path through tlslite-ng's ct_compare_digest
    import inspect
    from tlslite.utils import aesgcm
    assert "ct_compare_digest" in inspect.getsource(aesgcm.AESGCM.open)
    assert _ticket.AEAD_BACKEND in ("cryptography",
                                    "tlslite-ng (pure Python)")
