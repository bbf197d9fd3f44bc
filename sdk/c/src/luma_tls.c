/*
 * luma_tls.c — Luma RPC over TLS with OpenSSL (libssl): luma_connect_tls() and the transport a
 * TLS connection reads and writes through. See luma_rpc.h and docs/protocol.md, "Over TLS".
 *
 * The socket is non-blocking for the whole life of a TLS connection: a readable socket does not
 * mean SSL_read() has application data (half a record, a TLS 1.3 session ticket), so every read
 * is SSL_read() after poll() with what is left of the caller's timeout, and SSL_ERROR_WANT_READ /
 * SSL_ERROR_WANT_WRITE send it back to poll() for the direction OpenSSL asks for. Bytes OpenSSL
 * already decrypted (SSL_pending) are read without polling. The socket BIO is this file's own so
 * that writes use send(MSG_NOSIGNAL), as plain connections do: a server that hangs up makes a
 * call fail with LUMA_ERR_CLOSED, never a SIGPIPE.
 */
#define _POSIX_C_SOURCE 200809L
#include "luma_rpc.h"
#include "luma_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

typedef struct {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *method;
    int eof;              /* recv() returned 0 */
    int handshaken;
    int connecting;       /* until the server's preface: a refusal now is the handshake's */
    int broken;           /* a fatal TLS error or a lost connection: no close_notify may follow */
    int want_write;       /* the last SSL_read() asked for a writable socket */
    char endpoint[300];   /* "host:port", for messages */
    char peer_name[256];  /* the server certificate's common name */
    char reason[640];     /* why the stream failed, in words */
} tls_state;

/* ---- the socket BIO: recv() and send(MSG_NOSIGNAL) on the non-blocking socket ---- */

static int bio_write(BIO *bio, const char *data, size_t length, size_t *written) {
    tls_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n = send(state->fd, data, length, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
        return 0;
    }
    *written = (size_t)n;
    return 1;
}

static int bio_read(BIO *bio, char *data, size_t length, size_t *got) {
    tls_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    ssize_t n = recv(state->fd, data, length, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
        return 0;
    }
    if (n == 0) {
        state->eof = 1;
        return 0;
    }
    *got = (size_t)n;
    return 1;
}

static long bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    tls_state *state = BIO_get_data(bio);
    switch (command) {
    case BIO_CTRL_FLUSH: return 1;             /* send() does not buffer */
    case BIO_CTRL_EOF: return state && state->eof;
    default: return 0;
    }
}

static int bio_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

/* ---- waiting and describing failures ---- */

/* Waits for the socket to be readable (or writable); 1 ready (or interrupted: try again), 0 timed out, -1 error. */
static int wait_for(int fd, int writable, int timeout_ms) {
    struct pollfd p = {fd, writable ? POLLOUT : POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) return 1;
    return ready < 0 ? -1 : ready > 0;
}

static int is_alert(unsigned long error) {
    return ERR_GET_LIB(error) == ERR_LIB_SSL && ERR_GET_REASON(error) >= SSL_AD_REASON_OFFSET
        && ERR_GET_REASON(error) < SSL_AD_REASON_OFFSET + 256;
}

static int is_unexpected_eof(unsigned long error) {
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    return ERR_GET_LIB(error) == ERR_LIB_SSL && ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
    (void)error;
    return 0;
#endif
}

/* Puts why the handshake or the stream failed into state->reason, and empties OpenSSL's error queue. */
static void describe(tls_state *state, int ssl_error, const char *host, const char *ca_file) {
    long verify = SSL_get_verify_result(state->ssl);
    unsigned long error = ERR_peek_last_error();
    char *out = state->reason;
    size_t size = sizeof state->reason;
    if (!state->handshaken && verify != X509_V_OK) {
        const char *hint = "";
        char named[300] = "";
        switch (verify) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            snprintf(named, sizeof named, " (it does not name %s)", host);
            hint = named;
            break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
            snprintf(named, sizeof named, " (the CA in %s did not sign it)", ca_file ? ca_file : "ca_file");
            hint = named;
            break;
        default:
            break;
        }
        snprintf(out, size, "the server's certificate: %s%s", X509_verify_cert_error_string(verify), hint);
    } else if (ssl_error == SSL_ERROR_SSL && is_unexpected_eof(error)) {
        snprintf(out, size, "the server closed the connection %s", state->handshaken ? "without a TLS close_notify" : "during the handshake");
    } else if (ssl_error == SSL_ERROR_SSL && is_alert(error)) {
        const char *text = ERR_reason_error_string(error);
        snprintf(out, size, "the server refused it (alert: %s)%s", text ? text : "unknown",
                 state->connecting ? " — a server that requires a client certificate "
                 "refuses a connection without one or with one its CA did not sign: set cert_file and key_file" : "");
    } else if (ssl_error == SSL_ERROR_SSL && error) {
        const char *text = ERR_reason_error_string(error);
        int record = ERR_GET_LIB(error) == ERR_LIB_SSL && (ERR_GET_REASON(error) == SSL_R_WRONG_VERSION_NUMBER
                                                           || ERR_GET_REASON(error) == SSL_R_PACKET_LENGTH_TOO_LONG
                                                           || ERR_GET_REASON(error) == SSL_R_RECORD_LENGTH_MISMATCH);
        snprintf(out, size, "%s%s", text ? text : "TLS error",
                 record && !state->handshaken ? " (the server does not speak TLS: is it a plain-text Luma server?)" : "");
    } else if (ssl_error == SSL_ERROR_SYSCALL && errno != 0 && !state->eof) {
        snprintf(out, size, "%s", strerror(errno));
    } else {
        snprintf(out, size, "the server closed the connection%s", state->handshaken ? "" : " during the handshake");
    }
    ERR_clear_error();
}

/*
 * A failed SSL_read()/SSL_write() on an established connection. The server's close_notify is
 * LUMA_ERR_CLOSED (and our own may still be sent); an unexpected EOF or a reset too; a TLS error
 * (an alert, a record that does not decrypt) is LUMA_ERR_TLS, in words in luma_last_error().
 */
static int stream_failure(tls_state *state, int ssl_error) {
    if (ssl_error == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        return LUMA_ERR_CLOSED;
    }
    state->broken = 1;
    unsigned long error = ERR_peek_last_error();
    int tls = ssl_error == SSL_ERROR_SSL && !is_unexpected_eof(error);
    describe(state, ssl_error, NULL, NULL);
    if (!tls) return LUMA_ERR_CLOSED;
    luma_i_set_error("TLS error with %s: %s", state->endpoint, state->reason);
    return LUMA_ERR_TLS;
}

/* ---- the transport ---- */

static int tls_write_all(luma_conn *conn, const uint8_t *data, size_t length) {
    tls_state *state = luma_i_transport_state(conn);
    if (state->broken) return LUMA_ERR_CLOSED;
    while (length > 0) {
        size_t written = 0;
        ERR_clear_error();
        int rc = SSL_write_ex(state->ssl, data, length, &written);
        if (rc == 1) {
            data += written;
            length -= written;
            continue;
        }
        int error = SSL_get_error(state->ssl, rc);
        if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
            /* Retried with the same bytes, as SSL_write() requires. Unbounded, like send() on a plain connection. */
            if (wait_for(state->fd, error == SSL_ERROR_WANT_WRITE, -1) < 0) {
                state->broken = 1;
                return LUMA_ERR_CLOSED;
            }
            continue;
        }
        return stream_failure(state, error);
    }
    return LUMA_OK;
}

static int tls_read_some(luma_conn *conn, uint8_t *buffer, size_t capacity, int timeout_ms, size_t *n) {
    tls_state *state = luma_i_transport_state(conn);
    *n = 0;
    if (state->broken) return LUMA_ERR_CLOSED;
    /* Decrypted bytes OpenSSL holds are there now; anything else needs the socket. */
    if (SSL_pending(state->ssl) == 0) {
        int ready = wait_for(state->fd, state->want_write, timeout_ms);
        if (ready == 0) return LUMA_ERR_TIMEOUT;
        if (ready < 0) {
            state->broken = 1;
            return LUMA_ERR_CLOSED;
        }
    }
    ERR_clear_error();
    int rc = SSL_read_ex(state->ssl, buffer, capacity, n);
    if (rc == 1) {
        state->want_write = 0;
        return LUMA_OK;
    }
    *n = 0;
    int error = SSL_get_error(state->ssl, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        /* Half a record, or only TLS's own messages (a session ticket): wait again. */
        state->want_write = error == SSL_ERROR_WANT_WRITE;
        return LUMA_OK;
    }
    return stream_failure(state, error);
}

static void tls_close(luma_conn *conn) {
    tls_state *state = luma_i_transport_state(conn);
    if (!state) return;
    if (state->ssl) {
        if (state->handshaken && !state->broken) {
            /* Our close_notify, so the server sees a clean end; not waiting for its own. */
            for (int attempt = 0; attempt < 2; attempt++) {
                ERR_clear_error();
                int rc = SSL_shutdown(state->ssl);
                if (rc >= 0) break;
                if (SSL_get_error(state->ssl, rc) != SSL_ERROR_WANT_WRITE || wait_for(state->fd, 1, 200) != 1) break;
            }
        }
        SSL_free(state->ssl);  /* and the BIO */
    }
    BIO_meth_free(state->method);
    SSL_CTX_free(state->ctx);
    ERR_clear_error();
    free(state);
    luma_i_set_transport(conn, NULL, NULL);
}

static const luma_transport tls_transport = {tls_write_all, tls_read_some, tls_close};

/* ---- setting up ---- */

/* An unusable file, in words naming it; LUMA_ERR_ARGUMENT. */
static int file_error(const char *what, const char *path) {
    unsigned long error = ERR_peek_last_error();
    const char *reason = error ? ERR_reason_error_string(error) : NULL;
    if (access(path, R_OK) != 0) {
        luma_i_set_error("cannot read the %s %s: %s", what, path, strerror(errno));
    } else {
        luma_i_set_error("%s is not a usable PEM %s (%s)", path, what, reason ? reason : "no certificate in it");
    }
    ERR_clear_error();
    return LUMA_ERR_ARGUMENT;
}

/* The SSL_CTX for a connection: TLS 1.2 at least, the server verified against the CA only. */
static int make_context(const luma_tls_config *tls, SSL_CTX **out) {
    *out = NULL;
    if (!tls->ca_file) {
        luma_i_set_error("a TLS connection needs the CA that signs the servers' certificates (ca_file)");
        return LUMA_ERR_ARGUMENT;
    }
    if (!tls->cert_file != !tls->key_file) {
        luma_i_set_error("a client certificate needs its key and a key its certificate (got %s alone)",
                         tls->cert_file ? "cert_file" : "key_file");
        return LUMA_ERR_ARGUMENT;
    }
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        luma_i_set_error("cannot create a TLS context");
        ERR_clear_error();
        return LUMA_ERR_NO_MEMORY;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int result = LUMA_OK;
    if (SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1) {
        result = file_error("CA certificate", tls->ca_file);
    } else if (tls->cert_file && SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1) {
        result = file_error("certificate", tls->cert_file);
    } else if (tls->key_file && SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1) {
        unsigned long error = ERR_peek_last_error();
        if (ERR_GET_LIB(error) == ERR_LIB_X509 && ERR_GET_REASON(error) == X509_R_KEY_VALUES_MISMATCH) {
            luma_i_set_error("cannot use %s and %s: the key is not the certificate's", tls->cert_file, tls->key_file);
            ERR_clear_error();
            result = LUMA_ERR_ARGUMENT;
        } else {
            result = file_error("private key", tls->key_file);
        }
    } else if (tls->key_file && SSL_CTX_check_private_key(ctx) != 1) {
        luma_i_set_error("cannot use %s and %s: the key is not the certificate's", tls->cert_file, tls->key_file);
        ERR_clear_error();
        result = LUMA_ERR_ARGUMENT;
    }
    if (result != LUMA_OK) {
        SSL_CTX_free(ctx);
        return result;
    }
    *out = ctx;
    return LUMA_OK;
}

/* Which name the server's certificate must carry: an IP literal's IP entry, or a DNS name (and SNI). */
static int expect_name(SSL *ssl, const char *host) {
    unsigned char address[16];
    if (inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1) {
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
    }
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
}

static void read_peer_name(tls_state *state) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    X509 *certificate = SSL_get1_peer_certificate(state->ssl);
#else
    X509 *certificate = SSL_get_peer_certificate(state->ssl);
#endif
    if (!certificate) return;
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, state->peer_name,
                                  (int)sizeof state->peer_name) < 0) {
        state->peer_name[0] = 0;
    }
    X509_free(certificate);
}

static int remaining_ms(int64_t deadline) {
    if (deadline < 0) return -1;
    int64_t left = deadline - luma_i_now_ms();
    return left > 0 ? (int)left : 0;
}

int luma_connect_tls(const char *host, int port, int timeout_ms, const luma_tls_config *tls, luma_conn **out) {
    if (!host || !out || !tls || port <= 0 || port > 65535) return LUMA_ERR_ARGUMENT;
    *out = NULL;
    /* The files first: a wrong path is said before the network is touched. */
    SSL_CTX *ctx = NULL;
    int result = make_context(tls, &ctx);
    if (result != LUMA_OK) return result;
    int fd = -1;
    result = luma_i_tcp_connect(host, port, timeout_ms, &fd);
    if (result != LUMA_OK) {
        SSL_CTX_free(ctx);
        return result;
    }
    luma_conn *conn = luma_i_conn_new(fd);  /* owns fd */
    tls_state *state = conn ? calloc(1, sizeof *state) : NULL;
    if (state) state->connecting = 1;
    if (!state) {
        SSL_CTX_free(ctx);
        luma_close(conn);
        return LUMA_ERR_NO_MEMORY;
    }
    state->fd = fd;
    state->ctx = ctx;
    snprintf(state->endpoint, sizeof state->endpoint, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    luma_i_set_transport(conn, &tls_transport, state);  /* from here luma_close() frees it all */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);

    state->method = BIO_meth_new(BIO_TYPE_SOURCE_SINK | BIO_get_new_index(), "luma socket");
    state->ssl = SSL_new(ctx);
    BIO *bio = state->method && BIO_meth_set_write_ex(state->method, bio_write) && BIO_meth_set_read_ex(state->method, bio_read)
                       && BIO_meth_set_ctrl(state->method, bio_ctrl) && BIO_meth_set_create(state->method, bio_create)
                   ? BIO_new(state->method) : NULL;
    if (!state->ssl || !bio || !expect_name(state->ssl, host)) {
        BIO_free(bio);
        luma_i_set_error("cannot set up TLS for %s", state->endpoint);
        luma_close(conn);
        return LUMA_ERR_NO_MEMORY;
    }
    BIO_set_data(bio, state);
    SSL_set_bio(state->ssl, bio, bio);

    int64_t deadline = timeout_ms < 0 ? -1 : luma_i_now_ms() + timeout_ms;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int rc = SSL_connect(state->ssl);
        if (rc == 1) break;
        int error = SSL_get_error(state->ssl, rc);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            int ready = wait_for(fd, error == SSL_ERROR_WANT_WRITE, remaining_ms(deadline));
            if (ready == 1) continue;
            state->broken = 1;
            if (ready == 0) {
                luma_i_set_error("TLS handshake with %s timed out after %d ms", state->endpoint, timeout_ms);
                luma_close(conn);
                return LUMA_ERR_TIMEOUT;
            }
            error = SSL_ERROR_SYSCALL;
        }
        state->broken = 1;
        describe(state, error, host, tls->ca_file);
        luma_i_set_error("TLS handshake with %s failed: %s", state->endpoint, state->reason);
        luma_close(conn);
        return LUMA_ERR_TLS;
    }
    state->handshaken = 1;
    read_peer_name(state);

    /*
     * The server's preface is what says it accepted us: under TLS 1.3 its verdict on our
     * certificate (an alert, or closing) comes after SSL_connect() has already succeeded.
     */
    result = luma_i_send_preface(conn);
    state->connecting = 1;
    int left = remaining_ms(deadline);
    if (result == LUMA_OK) result = luma_i_await_preface(conn, left == 0 ? 1 : left);
    state->connecting = 0;
    if (result == LUMA_OK) {
        *out = conn;
        return LUMA_OK;
    }
    switch (result) {
    case LUMA_ERR_TLS:
    case LUMA_ERR_CLOSED:
        /* Refused after the handshake: an alert (TLS 1.3's certificate_required, unknown_ca...), or a hang-up. */
        if (!state->reason[0]) snprintf(state->reason, sizeof state->reason, "the server closed the connection");
        luma_i_set_error("TLS handshake with %s failed: %s%s", state->endpoint, state->reason,
                         result == LUMA_ERR_CLOSED ? " before its Luma preface (a server that requires a client certificate "
                                                     "refuses one without, or one its CA did not sign: set cert_file and key_file)" : "");
        result = LUMA_ERR_TLS;
        break;
    case LUMA_ERR_TIMEOUT:
        luma_i_set_error("no Luma preface from %s within %d ms after the TLS handshake", state->endpoint, timeout_ms);
        break;
    case LUMA_ERR_PROTOCOL:
        luma_i_set_error("%s sent something other than a Luma preface inside TLS", state->endpoint);
        break;
    default:
        luma_i_set_error("%s: %s", state->endpoint, luma_strerror(result));
        break;
    }
    luma_close(conn);
    return result;
}

const char *luma_tls_peer_name(const luma_conn *conn) {
    if (!conn || luma_i_transport(conn) != &tls_transport) return NULL;
    const tls_state *state = luma_i_transport_state(conn);
    return state->peer_name[0] ? state->peer_name : NULL;
}
