/*
 * luma_internal.h — what luma_rpc.c shares with the library's other sources (luma_tls.c).
 * Not installed, not part of the API; the symbols are hidden from the shared library.
 */
#ifndef LUMA_INTERNAL_H
#define LUMA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "luma_rpc.h"

#define LUMA_HIDDEN __attribute__((visibility("hidden")))

/*
 * A connection's byte stream when it is not the plain socket (TLS). NULL on a plain connection,
 * whose reads and writes stay recv()/send() on the socket.
 */
typedef struct luma_transport {
    /* Writes everything (blocking as long as it takes, as send() does). LUMA_OK or an error. */
    int (*write_all)(luma_conn *conn, const uint8_t *data, size_t length);
    /*
     * Waits at most timeout_ms (-1 = forever) for bytes and reads some into buffer. LUMA_OK with
     * *n > 0, or LUMA_OK with *n == 0 when nothing is readable yet (call again with the time
     * left), LUMA_ERR_TIMEOUT, or an error.
     */
    int (*read_some)(luma_conn *conn, uint8_t *buffer, size_t capacity, int timeout_ms, size_t *n);
    /* Ends the stream (TLS close_notify) and frees the transport's state; the socket is closed after. */
    void (*close)(luma_conn *conn);
} luma_transport;

/* Resolves host and connects to port within timeout_ms per address; sets luma_last_error() on failure. */
LUMA_HIDDEN int luma_i_tcp_connect(const char *host, int port, int timeout_ms, int *fd);

/* A connection over fd (which it owns from now on), with no preface sent yet. NULL without memory. */
LUMA_HIDDEN luma_conn *luma_i_conn_new(int fd);
LUMA_HIDDEN void luma_i_set_transport(luma_conn *conn, const luma_transport *transport, void *state);
LUMA_HIDDEN const luma_transport *luma_i_transport(const luma_conn *conn);
LUMA_HIDDEN void *luma_i_transport_state(const luma_conn *conn);

/* Sends the client's preface, through the transport. */
LUMA_HIDDEN int luma_i_send_preface(luma_conn *conn);
/* Reads (at most timeout_ms) until the server's whole preface has arrived. */
LUMA_HIDDEN int luma_i_await_preface(luma_conn *conn, int timeout_ms);

/* Sets the text luma_last_error() returns on this thread (printf-style). */
LUMA_HIDDEN void luma_i_set_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

LUMA_HIDDEN int64_t luma_i_now_ms(void);

#endif /* LUMA_INTERNAL_H */
