"""nginx's session id context, computed from its certificate files.

nginx (``ngx_ssl_session_id_context`` in ``ngx_event_openssl.c``) gives
every server block a session id context: SHA-1 over the module's name
(``HTTP`` for ``http``), then the SHA-1 of each ``ssl_certificate``'s leaf
certificate (DER), the last configured first, then the SHA-1 of each
client CA name (the subject DER of every certificate in
``ssl_client_certificate``, in file order, duplicates once, when client
certificates are verified). Chain certificates do not count. OpenSSL
resumes a ticket only if its context matches byte for byte, so a server
sharing tickets with nginx must use the same value
(``settings.openssl_sid_ctx``).
"""

import hashlib

from . import _der

#: What nginx's http module hashes first.
HTTP_CONTEXT = b"HTTP"


def _certificates(path):
    """The DER certificates of a PEM file, in file order."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(1024 * 1024).decode("ascii", "replace")
    except OSError as exc:
        raise ValueError("cannot read {0!r}: {1}".format(
            path, exc.strerror or type(exc).__name__)) from None
    try:
        certs = [der for label, der in _der.pem_blocks(text)
                 if label in ("CERTIFICATE", "TRUSTED CERTIFICATE")]
    except _der.DERError as exc:
        raise ValueError("{0!r}: {1}".format(path, exc)) from None
    if not certs:
        raise ValueError("{0!r} holds no PEM certificate".format(path))
    return certs


def nginx_sid_ctx(certificate_files, client_ca_files=(),
                  context=HTTP_CONTEXT):
    """The session id context nginx sets for a server block.

    ``certificate_files``: the ``ssl_certificate`` paths in configuration
    order (one path is fine); ``client_ca_files``: the
    ``ssl_client_certificate`` path(s), only when ``ssl_verify_client`` is
    on or optional. Mirrors nginx's ``ngx_ssl_session_id_context`` (its
    ``SSL_CTX_set_session_id_context`` call). Raises ``ValueError`` for a
    file that cannot be read or holds no certificate.
    """
    if isinstance(certificate_files, (str, bytes)):
        certificate_files = [certificate_files]
    if isinstance(client_ca_files, (str, bytes)):
        client_ca_files = [client_ca_files]
    digest = hashlib.sha1(context)
    for path in reversed(list(certificate_files)):
        digest.update(hashlib.sha1(_certificates(path)[0]).digest())
    seen = set()
    for path in client_ca_files:
        for cert in _certificates(path):
            try:
                name = _der.certificate_subject_der(cert)
            except _der.DERError as exc:
                raise ValueError("{0!r}: {1}".format(path, exc)) from None
            if name not in seen:
                seen.add(name)
                digest.update(hashlib.sha1(name).digest())
    return digest.digest()
