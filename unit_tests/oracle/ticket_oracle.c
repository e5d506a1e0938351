/*
 * ticket_oracle: OpenSSL's own server and client, driven by scenarios, as
 * the reference for tlslite-tickets' differential tests
 * (unit_tests/test_differential.py). Built by `make test` into build/oracle:
 *
 *     cc -O1 -o build/oracle/ticket_oracle unit_tests/oracle/ticket_oracle.c \
 *        -lssl -lcrypto
 *
 * Command line (every socket is on 127.0.0.1):
 *
 *   ticket_oracle oracle CERT KEY [--keyfile FILE] [--sid-ctx HEX]
 *       Reads one SCENARIO a line from stdin. Runs its connections between
 *       an OpenSSL server configured from it and the OpenSSL client below,
 *       both in this process over a loopback TCP connection, and writes one
 *       JSON line per scenario: a list with one object per connection
 *       holding the client's and the server's observables.
 *
 *   ticket_oracle client
 *       Reads lines "PORT SCENARIO" from stdin; runs the scenario's client
 *       side against 127.0.0.1:PORT (the server under test) and writes one
 *       JSON line per scenario with the client's observables only.
 *
 *   ticket_oracle serve CERT KEY [--keyfile FILE] [--sid-ctx HEX] SCENARIO
 *       Listens on a free port, writes "port N", then serves the
 *       scenario's connections (conns=...) one after the other for any
 *       client, writing one JSON line of server observables per connection;
 *       "dec_app" is the appdata (hex) dec_cb saw for each ticket.
 *
 *   --keyfile FILE: an 80-byte ticket key file (nginx ssl_session_ticket_key
 *       format: name 16, HMAC secret 32, AES key 32) given to OpenSSL with
 *       SSL_CTX_set_tlsext_ticket_keys instead of its random keys. A file of
 *       2 to 4 such keys (as nginx's several ssl_session_ticket_key files)
 *       needs a key callback, since OpenSSL holds only one key: the first
 *       key seals, every key opens, a ticket under a non-first key is
 *       renewed (the callback answers 2, as nginx's). Not with key=...
 *
 *   --sid-ctx HEX: the server's session id context
 *       (SSL_CTX_set_session_id_context); none by default.
 *
 * SCENARIO: words "name=value", all optional:
 *   v=12|13      protocol version (default 13)
 *   n=N          SSL_CTX_set_num_tickets (default: OpenSSL's 2)
 *   opt=notix    SSL_CTX_set_options(SSL_OP_NO_TICKET)
 *   dec=ENSW     dec_cb answers for the statuses EMPTY, NO_DECRYPT, SUCCESS,
 *                SUCCESS_RENEW: one character each, 0-4 (SSL_TICKET_RETURN_*)
 *                or x (7, out of range); "-" or absent: no callbacks at all
 *   gen=ok|0@K   gen_cb returns 1, or 0 on connection K (1-based); gen_cb
 *                sets appdata "cK.G" (connection K, its G-th gen_cb call)
 *   key=none|ok|renew|nokey|noenc|err|errenc
 *                ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb):
 *                encrypt/decrypt answers 1/1, 1/2, 1/0, 0/1, 1/-1, -1/1
 *   hrr=1        server groups P-256 only, so the client's X25519 key share
 *                is refused with a HelloRetryRequest (TLS 1.3)
 *   suites=shift the client offers only a SHA-384 cipher suite on the first
 *                connection and only a SHA-256 one after it
 *   timeout=S    SSL_CTX_set_timeout (ticket lifetime), seconds
 *   conns=O:K,.. one item per connection: what the client offers (none;
 *                prev: the last ticket it received; flip: that ticket with
 *                its last byte flipped) and how many times the server calls
 *                SSL_new_session_ticket after the handshake
 *
 * Observables per connection: "hs" (client handshake ok/fail), "alert"
 * (first alert the client received, or -1), "resumed", "nst" (one
 * string per NewSessionTicket: E/T for an empty/non-empty ticket, 0/+ for a
 * zero/non-zero lifetime hint), "data" (the server's reply arrived); server
 * side: "gen" (gen_cb calls), "dec" ("status/keyname_length" per dec_cb
 * call), "dec_ch" (which ClientHello each call came from), "dec_app" (the
 * appdata dec_cb saw, hex, "-" for none), "sess_app" (appdata on the server's
 * session at the end), "shs" (server handshake ok/fail).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define MAX_CONNS 4
#define MAX_CALLS 16
#define REPLY "done"

struct scenario {
    int version;            /* TLS1_2_VERSION or TLS1_3_VERSION */
    int num_tickets;        /* -1: OpenSSL's default */
    int no_ticket;
    int have_cb;
    int dec_ret[7];         /* indexed by SSL_TICKET_STATUS */
    int gen_fail_conn;      /* 0: never */
    char key[8];
    int hrr;
    int shift;              /* suites=shift */
    long timeout;
    int nconns;
    char offer[MAX_CONNS][8];
    int extra[MAX_CONNS];
};

/* what the server side saw on one connection */
struct server_obs {
    int conn;               /* 1-based, for gen_cb's appdata and gen=0@K */
    int gen;
    int hellos;
    int ndec;
    int dec_status[MAX_CALLS];
    int dec_keylen[MAX_CALLS];
    int dec_ch[MAX_CALLS];
    char dec_app[MAX_CALLS][80];
    char sess_app[80];
    int handshake_ok;
};

struct client_obs {
    int handshake_ok;
    int alert;
    int resumed;
    int nnst;
    char nst[MAX_CALLS][3];
    int data;
};

static const struct scenario *cur_scn;
static struct server_obs *cur_srv;
static unsigned char key_name[16] = "oracle-key-name!";
static unsigned char key_aes[32], key_hmac[32];
/* --keyfile with several keys: name 16 | HMAC 32 | AES 32 each */
#define MAX_FILE_KEYS 4
static unsigned char file_keys[MAX_FILE_KEYS * 80];
static int nfile_keys;

static void die(const char *what)
{
    fprintf(stderr, "ticket_oracle: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

/* ---- scenario parsing --------------------------------------------------- */

static int parse_scenario(char *line, struct scenario *s)
{
    char *save = NULL, *word;

    memset(s, 0, sizeof(*s));
    s->version = TLS1_3_VERSION;
    s->num_tickets = -1;
    strcpy(s->key, "none");
    s->nconns = 1;
    strcpy(s->offer[0], "none");
    for (word = strtok_r(line, " \t\r\n", &save); word != NULL;
         word = strtok_r(NULL, " \t\r\n", &save)) {
        char *value = strchr(word, '=');

        if (value == NULL)
            return 0;
        *value++ = '\0';
        if (strcmp(word, "v") == 0) {
            s->version = strcmp(value, "12") == 0 ? TLS1_2_VERSION
                                                  : TLS1_3_VERSION;
        } else if (strcmp(word, "n") == 0) {
            s->num_tickets = atoi(value);
        } else if (strcmp(word, "opt") == 0) {
            s->no_ticket = strcmp(value, "notix") == 0;
        } else if (strcmp(word, "dec") == 0) {
            int i;

            if (strcmp(value, "-") == 0)
                continue;
            if (strlen(value) != 4)
                return 0;
            s->have_cb = 1;
            for (i = 0; i < 4; i++)
                s->dec_ret[SSL_TICKET_EMPTY + i] =
                    value[i] == 'x' ? 7 : value[i] - '0';
        } else if (strcmp(word, "gen") == 0) {
            if (strncmp(value, "0@", 2) == 0)
                s->gen_fail_conn = atoi(value + 2);
        } else if (strcmp(word, "key") == 0) {
            snprintf(s->key, sizeof(s->key), "%s", value);
        } else if (strcmp(word, "hrr") == 0) {
            s->hrr = atoi(value);
        } else if (strcmp(word, "suites") == 0) {
            s->shift = strcmp(value, "shift") == 0;
        } else if (strcmp(word, "timeout") == 0) {
            s->timeout = atol(value);
        } else if (strcmp(word, "conns") == 0) {
            char *save2 = NULL, *item;

            s->nconns = 0;
            for (item = strtok_r(value, ",", &save2); item != NULL;
                 item = strtok_r(NULL, ",", &save2)) {
                char *colon = strchr(item, ':');

                if (s->nconns == MAX_CONNS)
                    return 0;
                if (colon != NULL) {
                    *colon = '\0';
                    s->extra[s->nconns] = atoi(colon + 1);
                }
                snprintf(s->offer[s->nconns], sizeof(s->offer[0]), "%s",
                         item);
                s->nconns++;
            }
        } else {
            return 0;
        }
    }
    return 1;
}

/* ---- server callbacks --------------------------------------------------- */

static void hex_appdata(SSL_SESSION *sess, char *out, size_t outlen)
{
    void *data = NULL;
    size_t len = 0, i;

    strcpy(out, "-");
    if (sess == NULL || !SSL_SESSION_get0_ticket_appdata(sess, &data, &len)
            || data == NULL || len == 0)
        return;
    for (i = 0; i < len && 2 * i + 2 < outlen; i++)
        sprintf(out + 2 * i, "%02x", ((unsigned char *)data)[i]);
}

static int gen_cb(SSL *s, void *arg)
{
    char appdata[32];
    int len;

    (void)arg;
    cur_srv->gen++;
    len = snprintf(appdata, sizeof(appdata), "c%d.%d", cur_srv->conn,
                   cur_srv->gen);
    if (!SSL_SESSION_set1_ticket_appdata(SSL_get_session(s), appdata, len))
        return 0;
    return cur_scn->gen_fail_conn == cur_srv->conn ? 0 : 1;
}

static SSL_TICKET_RETURN dec_cb(SSL *s, SSL_SESSION *ss,
                                const unsigned char *keyname,
                                size_t keyname_length,
                                SSL_TICKET_STATUS status, void *arg)
{
    int i = cur_srv->ndec;

    (void)s; (void)keyname; (void)arg;
    if (i < MAX_CALLS) {
        cur_srv->dec_status[i] = (int)status;
        cur_srv->dec_keylen[i] = (int)keyname_length;
        cur_srv->dec_ch[i] = cur_srv->hellos;
        hex_appdata(ss, cur_srv->dec_app[i], sizeof(cur_srv->dec_app[i]));
        cur_srv->ndec++;
    }
    if (status < SSL_TICKET_EMPTY || status > SSL_TICKET_SUCCESS_RENEW)
        return SSL_TICKET_RETURN_ABORT;
    return (SSL_TICKET_RETURN)cur_scn->dec_ret[status];
}

static int set_keys(const unsigned char *aes, const unsigned char *mac,
                    unsigned char *iv, EVP_CIPHER_CTX *ctx,
                    EVP_MAC_CTX *hctx, int enc)
{
    OSSL_PARAM params[3];

    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                                  (void *)mac, 32);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 "SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    if (!EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, aes, iv, enc)
            || !EVP_MAC_CTX_set_params(hctx, params))
        return -1;
    return 1;
}

/* key=...: the encrypt/decrypt answers listed at the top */
static int key_cb(SSL *s, unsigned char *name, unsigned char *iv,
                  EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    const char *mode = cur_scn->key;

    (void)s;
    if (enc) {
        if (strcmp(mode, "noenc") == 0)
            return 0;
        if (strcmp(mode, "errenc") == 0)
            return -1;
        memcpy(name, key_name, sizeof(key_name));
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) <= 0)
            return -1;
        return set_keys(key_aes, key_hmac, iv, ctx, hctx, 1);
    }
    if (strcmp(mode, "err") == 0)
        return -1;
    if (strcmp(mode, "nokey") == 0 || memcmp(name, key_name, 16) != 0)
        return 0;
    if (set_keys(key_aes, key_hmac, iv, ctx, hctx, 0) < 0)
        return -1;
    return strcmp(mode, "renew") == 0 ? 2 : 1;
}

/* --keyfile with several keys: the first seals, any opens, a non-first
 * key's ticket is renewed */
static int file_key_cb(SSL *s, unsigned char *name, unsigned char *iv,
                       EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    int i;

    (void)s;
    if (enc) {
        memcpy(name, file_keys, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) <= 0)
            return -1;
        return set_keys(file_keys + 48, file_keys + 16, iv, ctx, hctx, 1);
    }
    for (i = 0; i < nfile_keys; i++) {
        const unsigned char *k = file_keys + 80 * i;

        if (memcmp(name, k, 16) == 0)
            return set_keys(k + 48, k + 16, iv, ctx, hctx, 0) < 0 ? -1
                   : i == 0 ? 1 : 2;
    }
    return 0;
}

static void server_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *ssl, void *arg)
{
    (void)version; (void)ssl; (void)arg;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0
            && ((const unsigned char *)buf)[0] == SSL3_MT_CLIENT_HELLO)
        cur_srv->hellos++;
}

static const char *sid_ctx_hex;     /* --sid-ctx */

static void set_sid_ctx(SSL_CTX *ctx)
{
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    size_t len = strlen(sid_ctx_hex) / 2, i;

    if (strlen(sid_ctx_hex) % 2 != 0 || len > sizeof(sid_ctx)
            || strspn(sid_ctx_hex, "0123456789abcdefABCDEF")
               != strlen(sid_ctx_hex))
        die("--sid-ctx: at most 32 bytes in hex");
    for (i = 0; i < len; i++)
        if (sscanf(sid_ctx_hex + 2 * i, "%2hhx", &sid_ctx[i]) != 1)
            die("--sid-ctx: not hex");
    if (!SSL_CTX_set_session_id_context(ctx, sid_ctx, (unsigned int)len))
        die("SSL_CTX_set_session_id_context");
}

static SSL_CTX *server_ctx(const struct scenario *s, const char *cert,
                           const char *key, const unsigned char *keyfile)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL
            || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1
            || !SSL_CTX_set_min_proto_version(ctx, s->version)
            || !SSL_CTX_set_max_proto_version(ctx, s->version))
        die("server context");
    /* tickets only: no session-ID resumption behind the scenes */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (s->num_tickets >= 0)
        SSL_CTX_set_num_tickets(ctx, (size_t)s->num_tickets);
    if (s->no_ticket)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (s->have_cb)
        SSL_CTX_set_session_ticket_cb(ctx, gen_cb, dec_cb, NULL);
    if (strcmp(s->key, "none") != 0)
        SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, key_cb);
    if (keyfile != NULL && nfile_keys > 1) {
        if (strcmp(s->key, "none") != 0)
            die("key=... and a key file of several keys");
        SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, file_key_cb);
    } else if (keyfile != NULL
            && SSL_CTX_set_tlsext_ticket_keys(ctx, (void *)keyfile, 80) != 1) {
        die("SSL_CTX_set_tlsext_ticket_keys");
    }
    if (sid_ctx_hex != NULL)
        set_sid_ctx(ctx);
    if (s->hrr && !SSL_CTX_set1_groups_list(ctx, "P-256"))
        die("groups");
    if (s->timeout > 0)
        SSL_CTX_set_timeout(ctx, s->timeout);
    SSL_CTX_set_msg_callback(ctx, server_msg_cb);
    return ctx;
}

/* ---- the client --------------------------------------------------------- */

static struct client_obs *cur_cli;
static SSL_SESSION *last_session;   /* the last session with a ticket */

static void client_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *ssl, void *arg)
{
    const unsigned char *p = buf;

    (void)arg;
    if (write_p || cur_cli == NULL)
        return;
    if (content_type == SSL3_RT_ALERT && len >= 2 && cur_cli->alert < 0)
        cur_cli->alert = p[1];
    if (content_type == SSL3_RT_HANDSHAKE && len >= 10
            && p[0] == SSL3_MT_NEWSESSION_TICKET
            && cur_cli->nnst < MAX_CALLS) {
        unsigned long lifetime = ((unsigned long)p[4] << 24) | (p[5] << 16)
                                 | (p[6] << 8) | p[7];
        size_t at = 8, ticket_len;

        if (SSL_version(ssl) >= TLS1_3_VERSION) {
            at = 12;
            if (len < at + 1)
                return;
            at += 1 + p[at];            /* nonce */
        }
        if (len < at + 2)
            return;
        ticket_len = ((size_t)p[at] << 8) | p[at + 1];
        cur_cli->nst[cur_cli->nnst][0] = ticket_len ? 'T' : 'E';
        cur_cli->nst[cur_cli->nnst][1] = lifetime ? '+' : '0';
        cur_cli->nst[cur_cli->nnst][2] = '\0';
        cur_cli->nnst++;
        (void)version;
    }
}

/* After a connection: its session becomes the one to offer next if it
 * holds a resumable ticket (after a TLS 1.3 handshake, the last
 * NewSessionTicket's; after a TLS 1.2 renewal, the new ticket's). */
static void keep_session(SSL *ssl)
{
    SSL_SESSION *sess = SSL_get1_session(ssl);

    if (sess != NULL && SSL_SESSION_has_ticket(sess)
            && SSL_SESSION_is_resumable(sess)) {
        SSL_SESSION_free(last_session);
        last_session = sess;
    } else {
        SSL_SESSION_free(sess);
    }
}

static SSL_CTX *client_ctx(const struct scenario *s)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, s->version)
            || !SSL_CTX_set_max_proto_version(ctx, s->version))
        die("client context");
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT
                                   | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_set_msg_callback(ctx, client_msg_cb);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

/* The session to offer: none, the last ticket, or it with a flipped byte. */
static SSL_SESSION *session_to_offer(const char *offer)
{
    const unsigned char *ticket, *p;
    unsigned char *der, *q, *hit = NULL;
    size_t ticket_len;
    int der_len, i;
    SSL_SESSION *copy;

    if (strcmp(offer, "none") == 0 || last_session == NULL)
        return NULL;
    if (strcmp(offer, "prev") == 0) {
        SSL_SESSION_up_ref(last_session);
        return last_session;
    }
    /* flip: re-encode the session with the ticket's last byte flipped */
    SSL_SESSION_get0_ticket(last_session, &ticket, &ticket_len);
    der_len = i2d_SSL_SESSION(last_session, NULL);
    if (der_len <= 0 || ticket_len == 0
            || (der = OPENSSL_malloc(der_len)) == NULL)
        die("i2d_SSL_SESSION");
    q = der;
    i2d_SSL_SESSION(last_session, &q);
    for (i = 0; i + (int)ticket_len <= der_len; i++)
        if (memcmp(der + i, ticket, ticket_len) == 0) {
            hit = der + i;
            break;
        }
    if (hit == NULL)
        die("ticket not found in the session's encoding");
    hit[ticket_len - 1] ^= 0x01;
    p = der;
    copy = d2i_SSL_SESSION(NULL, &p, der_len);
    OPENSSL_free(der);
    if (copy == NULL)
        die("d2i_SSL_SESSION");
    return copy;
}

/* ---- sockets and one connection ----------------------------------------- */

static void nonblocking(int fd)
{
    int one = 1;

    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int listen_loopback(int *port)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)*port);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0
            || listen(fd, 8) != 0
            || getsockname(fd, (struct sockaddr *)&addr, &alen) != 0)
        die("listen");
    *port = ntohs(addr.sin_port);
    return fd;
}

static int connect_loopback(int port)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        die("connect");
    return fd;
}

enum { ST_HANDSHAKE, ST_AFTER, ST_DONE };

struct side {
    SSL *ssl;
    int state;
    int extra_left;
};

/* One step of the client: handshake, then read the reply. */
static void client_step(struct side *c)
{
    char buf[256];
    int r;

    if (c->state == ST_HANDSHAKE) {
        r = SSL_connect(c->ssl);
        if (r == 1) {
            cur_cli->handshake_ok = 1;
            c->state = ST_AFTER;
        } else {
            int err = SSL_get_error(c->ssl, r);

            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                c->state = ST_DONE;
            return;
        }
    }
    if (c->state == ST_AFTER) {
        r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r > 0) {
            cur_cli->data = 1;
            c->state = ST_DONE;
        } else {
            int err = SSL_get_error(c->ssl, r);

            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                c->state = ST_DONE;
        }
    }
}

/* One step of the server: handshake, extra tickets, the reply. */
static void server_step(struct side *s)
{
    int r;

    if (s->state == ST_HANDSHAKE) {
        r = SSL_accept(s->ssl);
        if (r == 1) {
            cur_srv->handshake_ok = 1;
            s->state = ST_AFTER;
        } else {
            int err = SSL_get_error(s->ssl, r);

            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                s->state = ST_DONE;
            return;
        }
    }
    if (s->state == ST_AFTER) {
        while (s->extra_left > 0) {
            SSL_new_session_ticket(s->ssl);   /* 0 in TLS 1.2: ignored */
            s->extra_left--;
        }
        r = SSL_write(s->ssl, REPLY, sizeof(REPLY) - 1);
        if (r > 0) {
            s->state = ST_DONE;
        } else {
            int err = SSL_get_error(s->ssl, r);

            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                s->state = ST_DONE;
        }
    }
}

static void finish_server(SSL *ssl)
{
    hex_appdata(SSL_get_session(ssl), cur_srv->sess_app,
                sizeof(cur_srv->sess_app));
}

/* Drive both ends until both are done (bounded in time). */
static void run_pair(struct side *c, struct side *s, int cfd, int sfd)
{
    time_t start = time(NULL);

    while ((c->state != ST_DONE || s->state != ST_DONE)
           && time(NULL) - start < 10) {
        struct pollfd pfd[2];

        if (c->state != ST_DONE)
            client_step(c);
        if (s->state != ST_DONE)
            server_step(s);
        if (s->state == ST_DONE && c->state != ST_DONE && sfd >= 0) {
            /* the server is finished: closing lets the client see EOF */
            SSL_shutdown(s->ssl);
            shutdown(sfd, SHUT_WR);
            sfd = -1;
        }
        pfd[0].fd = cfd;
        pfd[0].events = POLLIN;
        pfd[1].fd = sfd;
        pfd[1].events = POLLIN;
        poll(pfd, 2, 5);
    }
}

static void print_client(const struct client_obs *c)
{
    int i;

    printf("\"hs\": \"%s\", \"alert\": %d, \"resumed\": %d, \"data\": %d, "
           "\"nst\": [", c->handshake_ok ? "ok" : "fail", c->alert,
           c->resumed, c->data);
    for (i = 0; i < c->nnst; i++)
        printf("%s\"%s\"", i ? ", " : "", c->nst[i]);
    printf("]");
}

static void print_server(const struct server_obs *s)
{
    int i;

    printf("\"shs\": \"%s\", \"gen\": %d, \"sess_app\": \"%s\", \"dec\": [",
           s->handshake_ok ? "ok" : "fail", s->gen, s->sess_app);
    for (i = 0; i < s->ndec; i++)
        printf("%s\"%d/%d\"", i ? ", " : "", s->dec_status[i],
               s->dec_keylen[i]);
    printf("], \"dec_ch\": [");
    for (i = 0; i < s->ndec; i++)
        printf("%s%d", i ? ", " : "", s->dec_ch[i]);
    printf("], \"dec_app\": [");
    for (i = 0; i < s->ndec; i++)
        printf("%s\"%s\"", i ? ", " : "", s->dec_app[i]);
    printf("]");
}

static SSL *client_ssl(SSL_CTX *cctx, const struct scenario *s, int k,
                       int fd)
{
    SSL *ssl = SSL_new(cctx);
    SSL_SESSION *offer = session_to_offer(s->offer[k]);

    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (s->shift) {
        /* a SHA-384 suite first, then only a SHA-256 one */
        if (!SSL_set_ciphersuites(ssl, k == 0 ? "TLS_AES_256_GCM_SHA384"
                                              : "TLS_AES_128_GCM_SHA256")
                || !SSL_set_cipher_list(ssl, k == 0
                                        ? "ECDHE-ECDSA-AES256-GCM-SHA384"
                                        : "ECDHE-ECDSA-AES128-GCM-SHA256"))
            die("cipher suites");
    }
    if (offer != NULL) {
        SSL_set_session(ssl, offer);
        SSL_SESSION_free(offer);
    }
    return ssl;
}

/* Free a client SSL without OpenSSL marking its session not resumable
 * (SSL_free does that to a session whose connection was not shut down). */
static void free_client(SSL *ssl)
{
    keep_session(ssl);
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(ssl);
}

static void reset_client_state(void)
{
    SSL_SESSION_free(last_session);
    last_session = NULL;
}

/* oracle mode: OpenSSL server and client, one JSON line per scenario */
static void run_oracle(const struct scenario *s, const char *cert,
                       const char *key, const unsigned char *keyfile)
{
    SSL_CTX *sctx = server_ctx(s, cert, key, keyfile);
    SSL_CTX *cctx = client_ctx(s);
    int port = 0, lfd = listen_loopback(&port), k;

    cur_scn = s;
    reset_client_state();
    printf("[");
    for (k = 0; k < s->nconns; k++) {
        struct server_obs so;
        struct client_obs co;
        struct side c, sv;
        int cfd = connect_loopback(port), sfd = accept(lfd, NULL, NULL);

        memset(&so, 0, sizeof(so));
        memset(&co, 0, sizeof(co));
        so.conn = k + 1;
        co.alert = -1;
        cur_srv = &so;
        cur_cli = &co;
        nonblocking(cfd);
        nonblocking(sfd);
        c.ssl = client_ssl(cctx, s, k, cfd);
        c.state = ST_HANDSHAKE;
        sv.ssl = SSL_new(sctx);
        SSL_set_fd(sv.ssl, sfd);
        sv.state = ST_HANDSHAKE;
        sv.extra_left = s->extra[k];
        run_pair(&c, &sv, cfd, sfd);
        co.resumed = SSL_session_reused(c.ssl);
        finish_server(sv.ssl);
        printf("%s{", k ? ", " : "");
        print_client(&co);
        printf(", ");
        print_server(&so);
        printf("}");
        free_client(c.ssl);
        SSL_free(sv.ssl);
        close(cfd);
        close(sfd);
        cur_cli = NULL;
        ERR_clear_error();
    }
    printf("]\n");
    fflush(stdout);
    close(lfd);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* client mode: the same client against another server */
static void run_client(const struct scenario *s, int port)
{
    SSL_CTX *cctx = client_ctx(s);
    int k;

    reset_client_state();
    printf("[");
    for (k = 0; k < s->nconns; k++) {
        struct client_obs co;
        struct side c;
        int cfd = connect_loopback(port);

        memset(&co, 0, sizeof(co));
        co.alert = -1;
        cur_cli = &co;
        nonblocking(cfd);
        c.ssl = client_ssl(cctx, s, k, cfd);
        c.state = ST_HANDSHAKE;
        {
            time_t start = time(NULL);

            while (c.state != ST_DONE && time(NULL) - start < 20) {
                struct pollfd pfd;

                client_step(&c);
                pfd.fd = cfd;
                pfd.events = POLLIN;
                if (c.state != ST_DONE)
                    poll(&pfd, 1, 50);
            }
        }
        co.resumed = SSL_session_reused(c.ssl);
        printf("%s{", k ? ", " : "");
        print_client(&co);
        printf("}");
        free_client(c.ssl);
        close(cfd);
        cur_cli = NULL;
        ERR_clear_error();
    }
    printf("]\n");
    fflush(stdout);
    SSL_CTX_free(cctx);
}

/* serve mode: OpenSSL's server for any client (blocking, one at a time) */
static void run_serve(const struct scenario *s, const char *cert,
                      const char *key, const unsigned char *keyfile)
{
    SSL_CTX *sctx = server_ctx(s, cert, key, keyfile);
    int port = 0, lfd = listen_loopback(&port), k;

    cur_scn = s;
    printf("port %d\n", port);
    fflush(stdout);
    for (k = 0; k < s->nconns; k++) {
        struct server_obs so;
        struct side sv;
        int sfd = accept(lfd, NULL, NULL);
        struct timeval tv = {20, 0};

        if (sfd < 0)
            die("accept");
        setsockopt(sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        memset(&so, 0, sizeof(so));
        so.conn = k + 1;
        cur_srv = &so;
        sv.ssl = SSL_new(sctx);
        SSL_set_fd(sv.ssl, sfd);
        sv.state = ST_HANDSHAKE;
        sv.extra_left = s->extra[k];
        while (sv.state != ST_DONE)
            server_step(&sv);
        SSL_shutdown(sv.ssl);
        finish_server(sv.ssl);
        printf("{");
        print_server(&so);
        printf("}\n");
        fflush(stdout);
        SSL_free(sv.ssl);
        close(sfd);
        ERR_clear_error();
    }
    close(lfd);
    SSL_CTX_free(sctx);
}

static unsigned char *load_keyfile(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t got;

    if (f == NULL)
        die("cannot open the key file");
    got = fread(file_keys, 1, sizeof(file_keys), f);
    if (got == 0 || got % 80 != 0 || fgetc(f) != EOF)
        die("the key file must hold 80 bytes per key, 1 to 4 keys");
    fclose(f);
    nfile_keys = (int)(got / 80);
    return file_keys;
}

int main(int argc, char **argv)
{
    char line[4096];
    struct scenario s;
    const unsigned char *keyfile = NULL;
    int i;

    if (RAND_bytes(key_aes, sizeof(key_aes)) <= 0
            || RAND_bytes(key_hmac, sizeof(key_hmac)) <= 0)
        die("RAND_bytes");
    for (i = 1; i + 1 < argc;)
        if (strcmp(argv[i], "--keyfile") == 0
                || strcmp(argv[i], "--sid-ctx") == 0) {
            if (argv[i][2] == 'k')
                keyfile = load_keyfile(argv[i + 1]);
            else
                sid_ctx_hex = argv[i + 1];
            memmove(argv + i, argv + i + 2, (argc - i - 2) * sizeof(*argv));
            argc -= 2;
        } else {
            i++;
        }
    if (argc == 4 && strcmp(argv[1], "oracle") == 0) {
        while (fgets(line, sizeof(line), stdin) != NULL) {
            if (!parse_scenario(line, &s))
                die("bad scenario");
            run_oracle(&s, argv[2], argv[3], keyfile);
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "client") == 0) {
        while (fgets(line, sizeof(line), stdin) != NULL) {
            char *rest;
            int port = (int)strtol(line, &rest, 10);

            if (!parse_scenario(rest, &s))
                die("bad scenario");
            run_client(&s, port);
        }
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "serve") == 0) {
        if (!parse_scenario(argv[4], &s))
            die("bad scenario");
        run_serve(&s, argv[2], argv[3], keyfile);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of ticket_oracle.c\n");
    return 2;
}
