/*
 * luma_rpc.c — Luma RPC client over libprotobuf-c and POSIX sockets. See luma_rpc.h and
 * docs/protocol.md. Blocking sockets with poll() for timeouts; one connection per thread.
 * TLS (luma_tls.c) plugs in as a luma_transport: this file never calls OpenSSL, so a program
 * that only connects in plain text links without libssl.
 */
#define _POSIX_C_SOURCE 200809L
#include "luma_rpc.h"
#include "luma_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "luma/rpc/v1/frame.pb-c.h"

static const uint8_t PREFACE[8] = {'L', 'U', 'M', 'A', 0, 1, 0, 0};

/* A response that arrived for a call nobody is waiting on yet. */
typedef struct pending {
    uint64_t call_id;
    int received;                     /* 0 = in flight, 1 = response kept below */
    Luma__Rpc__V1__Response *response;
    struct pending *next;
} pending;

struct luma_conn {
    int fd;
    uint64_t next_call_id;
    int preface_seen;
    int closed;                       /* GoAway received or connection lost */
    pending *calls;
    uint8_t *buffer;                  /* bytes read but not yet parsed */
    size_t buffered;
    size_t capacity;
    const luma_transport *transport;  /* NULL: plain socket */
    void *transport_state;
};

/* What went wrong in the last failed connect (or TLS failure) on this thread. */
static _Thread_local char last_error[1024];

void luma_i_set_error(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(last_error, sizeof last_error, format, arguments);
    va_end(arguments);
}

const char *luma_last_error(void) {
    return last_error;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t luma_i_now_ms(void) {
    return now_ms();
}

static int write_all(int fd, const uint8_t *data, size_t length) {
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return LUMA_ERR_CLOSED;
        }
        data += n;
        length -= (size_t)n;
    }
    return LUMA_OK;
}

/* Packs a frame as [u32 big-endian length][bytes] and writes it. */
static int send_frame(luma_conn *conn, const Luma__Rpc__V1__Frame *frame) {
    size_t size = luma__rpc__v1__frame__get_packed_size(frame);
    if (size > LUMA_MAX_FRAME_SIZE) return LUMA_ERR_FRAME_TOO_LARGE;
    uint8_t *out = malloc(4 + size);
    if (!out) return LUMA_ERR_NO_MEMORY;
    out[0] = (uint8_t)(size >> 24);
    out[1] = (uint8_t)(size >> 16);
    out[2] = (uint8_t)(size >> 8);
    out[3] = (uint8_t)size;
    luma__rpc__v1__frame__pack(frame, out + 4);
    int result = conn->transport ? conn->transport->write_all(conn, out, 4 + size) : write_all(conn->fd, out, 4 + size);
    free(out);
    return result;
}

int luma_i_tcp_connect(const char *host, int port, int timeout_ms, int *out) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0}, *addresses = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int resolved = getaddrinfo(host, service, &hints, &addresses);
    if (resolved != 0) {
        luma_i_set_error("cannot resolve %s: %s", host, gai_strerror(resolved));
        return LUMA_ERR_CONNECT;
    }

    int fd = -1, failure = 0;
    for (struct addrinfo *a = addresses; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            failure = errno;
            continue;
        }
        /* Non-blocking connect, bounded by poll(); then back to blocking. */
        int flags = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        failure = rc < 0 ? errno : 0;
        if (rc < 0 && errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            int error = 0;
            socklen_t len = sizeof error;
            int ready = poll(&p, 1, timeout_ms);
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) rc = 0;
            else failure = ready == 0 ? ETIMEDOUT : (error ? error : errno);
        }
        if (rc != 0) {
            close(fd);
            fd = -1;
            continue;
        }
        fcntl(fd, F_SETFL, flags);
    }
    freeaddrinfo(addresses);
    if (fd < 0) {
        luma_i_set_error("cannot connect to %s:%d: %s", host, port, strerror(failure ? failure : ECONNREFUSED));
        return LUMA_ERR_CONNECT;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = fd;
    return LUMA_OK;
}

luma_conn *luma_i_conn_new(int fd) {
    luma_conn *conn = calloc(1, sizeof *conn);
    if (!conn) {
        close(fd);
        luma_i_set_error("out of memory");
        return NULL;
    }
    conn->fd = fd;
    conn->next_call_id = 1;
    return conn;
}

void luma_i_set_transport(luma_conn *conn, const luma_transport *transport, void *state) {
    conn->transport = transport;
    conn->transport_state = state;
}

const luma_transport *luma_i_transport(const luma_conn *conn) {
    return conn->transport;
}

void *luma_i_transport_state(const luma_conn *conn) {
    return conn->transport_state;
}

int luma_i_send_preface(luma_conn *conn) {
    return conn->transport ? conn->transport->write_all(conn, PREFACE, sizeof PREFACE)
                           : write_all(conn->fd, PREFACE, sizeof PREFACE);
}

int luma_connect(const char *host, int port, int timeout_ms, luma_conn **out) {
    if (!host || !out || port <= 0 || port > 65535) return LUMA_ERR_ARGUMENT;
    *out = NULL;
    int fd = -1;
    int result = luma_i_tcp_connect(host, port, timeout_ms, &fd);
    if (result != LUMA_OK) return result;
    luma_conn *conn = luma_i_conn_new(fd);
    if (!conn) return LUMA_ERR_NO_MEMORY;
    if (luma_i_send_preface(conn) != LUMA_OK) {
        luma_i_set_error("%s:%d closed the connection before the preface was sent", host, port);
        luma_close(conn);
        return LUMA_ERR_CONNECT;
    }
    *out = conn;
    return LUMA_OK;
}

void luma_close(luma_conn *conn) {
    if (!conn) return;
    for (pending *p = conn->calls, *next; p; p = next) {
        next = p->next;
        if (p->response) luma__rpc__v1__response__free_unpacked(p->response, NULL);
        free(p);
    }
    if (conn->transport) conn->transport->close(conn);
    if (conn->fd >= 0) close(conn->fd);
    free(conn->buffer);
    free(conn);
}

static pending *find_call(luma_conn *conn, uint64_t call_id, pending ***link) {
    for (pending **l = &conn->calls; *l; l = &(*l)->next) {
        if ((*l)->call_id == call_id) {
            if (link) *link = l;
            return *l;
        }
    }
    return NULL;
}

size_t luma_in_flight(const luma_conn *conn) {
    size_t n = 0;
    if (conn) for (pending *p = conn->calls; p; p = p->next) if (!p->received) n++;
    return n;
}

int luma_send(luma_conn *conn, const char *method, const ProtobufCMessage *request,
              uint32_t deadline_ms, const luma_metadata *metadata, size_t n_metadata, uint64_t *call_id) {
    if (!conn || !method || !request || !call_id || (n_metadata && !metadata)) return LUMA_ERR_ARGUMENT;
    if (conn->closed) return LUMA_ERR_CLOSED;

    size_t size = protobuf_c_message_get_packed_size(request);
    if (size > LUMA_MAX_FRAME_SIZE) return LUMA_ERR_FRAME_TOO_LARGE;
    uint8_t *payload = malloc(size ? size : 1);
    Luma__Rpc__V1__Request__MetadataEntry *entries = calloc(n_metadata ? n_metadata : 1, sizeof *entries);
    Luma__Rpc__V1__Request__MetadataEntry **entry_list = calloc(n_metadata ? n_metadata : 1, sizeof *entry_list);
    pending *call = calloc(1, sizeof *call);
    if (!payload || !entries || !entry_list || !call) {
        free(payload); free(entries); free(entry_list); free(call);
        return LUMA_ERR_NO_MEMORY;
    }
    protobuf_c_message_pack(request, payload);
    for (size_t i = 0; i < n_metadata; i++) {
        Luma__Rpc__V1__Request__MetadataEntry init = LUMA__RPC__V1__REQUEST__METADATA_ENTRY__INIT;
        entries[i] = init;
        entries[i].key = (char *)metadata[i].key;
        entries[i].value = (char *)metadata[i].value;
        entry_list[i] = &entries[i];
    }

    Luma__Rpc__V1__Request req = LUMA__RPC__V1__REQUEST__INIT;
    req.call_id = conn->next_call_id++;
    if (conn->next_call_id == 0) conn->next_call_id = 1;
    req.method = (char *)method;
    req.timeout_micros = (uint64_t)deadline_ms * 1000u;
    req.n_metadata = n_metadata;
    req.metadata = entry_list;
    req.payload.data = payload;
    req.payload.len = size;
    Luma__Rpc__V1__Frame frame = LUMA__RPC__V1__FRAME__INIT;
    frame.kind_case = LUMA__RPC__V1__FRAME__KIND_REQUEST;
    frame.request = &req;

    int result = send_frame(conn, &frame);
    free(payload);
    free(entries);
    free(entry_list);
    if (result != LUMA_OK) {
        free(call);
        if (result == LUMA_ERR_CLOSED) conn->closed = 1;
        return result;
    }
    call->call_id = req.call_id;
    call->next = conn->calls;
    conn->calls = call;
    *call_id = req.call_id;
    return LUMA_OK;
}

int luma_cancel(luma_conn *conn, uint64_t call_id) {
    if (!conn) return LUMA_ERR_ARGUMENT;
    pending **link = NULL;
    pending *call = find_call(conn, call_id, &link);
    if (!call) return LUMA_ERR_UNKNOWN_CALL;
    *link = call->next;
    if (call->response) luma__rpc__v1__response__free_unpacked(call->response, NULL);
    free(call);
    if (conn->closed) return LUMA_OK;
    Luma__Rpc__V1__Cancel cancel = LUMA__RPC__V1__CANCEL__INIT;
    cancel.call_id = call_id;
    Luma__Rpc__V1__Frame frame = LUMA__RPC__V1__FRAME__INIT;
    frame.kind_case = LUMA__RPC__V1__FRAME__KIND_CANCEL;
    frame.cancel = &cancel;
    return send_frame(conn, &frame);
}

/* Handles one complete frame body from the server. */
static int handle_frame(luma_conn *conn, const uint8_t *body, size_t length) {
    Luma__Rpc__V1__Frame *frame = luma__rpc__v1__frame__unpack(NULL, length, body);
    if (!frame) return LUMA_ERR_PROTOCOL;
    int result = LUMA_OK;
    switch (frame->kind_case) {
    case LUMA__RPC__V1__FRAME__KIND_RESPONSE: {
        pending *call = find_call(conn, frame->response->call_id, NULL);
        if (call && !call->received) {
            /* Keep the response: detach it from the frame so freeing the frame keeps it. */
            call->response = frame->response;
            call->received = 1;
            frame->kind_case = LUMA__RPC__V1__FRAME__KIND__NOT_SET;
            frame->response = NULL;
        }
        break;
    }
    case LUMA__RPC__V1__FRAME__KIND_PING: {
        Luma__Rpc__V1__Pong pong = LUMA__RPC__V1__PONG__INIT;
        pong.nonce = frame->ping->nonce;
        Luma__Rpc__V1__Frame reply = LUMA__RPC__V1__FRAME__INIT;
        reply.kind_case = LUMA__RPC__V1__FRAME__KIND_PONG;
        reply.pong = &pong;
        result = send_frame(conn, &reply);
        break;
    }
    case LUMA__RPC__V1__FRAME__KIND_GOAWAY:
        /* Calls already accepted still get their responses; no new ones may start. */
        conn->closed = 1;
        if (frame->goaway->status && frame->goaway->status->code == LUMA__RPC__V1__CODE__RESOURCE_EXHAUSTED) {
            result = LUMA_ERR_FRAME_TOO_LARGE;
        }
        break;
    default:
        break;
    }
    luma__rpc__v1__frame__free_unpacked(frame, NULL);
    return result;
}

/* Parses whatever complete frames are buffered. */
static int drain_buffer(luma_conn *conn) {
    size_t offset = 0;
    if (!conn->preface_seen) {
        size_t check = conn->buffered < sizeof PREFACE ? conn->buffered : sizeof PREFACE;
        if (memcmp(conn->buffer, PREFACE, check) != 0) return LUMA_ERR_PROTOCOL;
        if (conn->buffered < sizeof PREFACE) return LUMA_OK;
        offset = sizeof PREFACE;
        conn->preface_seen = 1;
    }
    int result = LUMA_OK;
    while (conn->buffered - offset >= 4) {
        const uint8_t *p = conn->buffer + offset;
        uint32_t length = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (length > LUMA_MAX_FRAME_SIZE) return LUMA_ERR_FRAME_TOO_LARGE;  /* never allocate it */
        if (conn->buffered - offset - 4 < length) break;
        result = handle_frame(conn, p + 4, length);
        offset += 4 + length;
        if (result != LUMA_OK) break;
    }
    memmove(conn->buffer, conn->buffer + offset, conn->buffered - offset);
    conn->buffered -= offset;
    return result;
}

/* Makes room for at least 64 KiB more. */
static int grow_buffer(luma_conn *conn) {
    if (conn->capacity - conn->buffered < 65536) {
        size_t capacity = conn->capacity ? conn->capacity * 2 : 131072;
        uint8_t *grown = realloc(conn->buffer, capacity);
        if (!grown) return LUMA_ERR_NO_MEMORY;
        conn->buffer = grown;
        conn->capacity = capacity;
    }
    return LUMA_OK;
}

/* Reads once (waiting at most timeout_ms) and parses what arrived. */
static int read_some(luma_conn *conn, int timeout_ms) {
    if (conn->transport) {
        int result = grow_buffer(conn);
        if (result != LUMA_OK) return result;
        size_t got = 0;
        result = conn->transport->read_some(conn, conn->buffer + conn->buffered, conn->capacity - conn->buffered,
                                            timeout_ms, &got);
        if (result != LUMA_OK || got == 0) return result;
        conn->buffered += got;
        return drain_buffer(conn);
    }
    struct pollfd p = {conn->fd, POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) return LUMA_OK;
    if (ready == 0) return LUMA_ERR_TIMEOUT;
    if (ready < 0) return LUMA_ERR_CLOSED;
    int grown = grow_buffer(conn);
    if (grown != LUMA_OK) return grown;
    ssize_t n = recv(conn->fd, conn->buffer + conn->buffered, conn->capacity - conn->buffered, 0);
    if (n < 0 && errno == EINTR) return LUMA_OK;
    if (n <= 0) return LUMA_ERR_CLOSED;
    conn->buffered += (size_t)n;
    return drain_buffer(conn);
}

int luma_i_await_preface(luma_conn *conn, int timeout_ms) {
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (!conn->preface_seen) {
        int remaining = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && remaining <= 0) return LUMA_ERR_TIMEOUT;
        int result = read_some(conn, remaining);
        if (result != LUMA_OK) return result;
    }
    return LUMA_OK;
}

static char *copy_string(const char *text) {
    return text && *text ? strdup(text) : NULL;
}

int luma_wait(luma_conn *conn, uint64_t call_id, const ProtobufCMessageDescriptor *response_type,
              int timeout_ms, luma_status *status, ProtobufCMessage **response) {
    if (!conn || !response_type || !status || !response) return LUMA_ERR_ARGUMENT;
    memset(status, 0, sizeof *status);
    *response = NULL;
    pending **link = NULL;
    pending *call = find_call(conn, call_id, &link);
    if (!call) return LUMA_ERR_UNKNOWN_CALL;

    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (!call->received) {
        int remaining = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && remaining <= 0) return LUMA_ERR_TIMEOUT;
        int result = read_some(conn, remaining);
        if (result == LUMA_ERR_TIMEOUT) return result;
        if (result != LUMA_OK) {
            conn->closed = 1;
            return result;
        }
        call = find_call(conn, call_id, &link);  /* the list may have changed */
    }

    *link = call->next;
    Luma__Rpc__V1__Response *reply = call->response;
    free(call);
    int result = LUMA_OK;
    if (reply->status && reply->status->code != 0) {
        status->code = (int)reply->status->code;
        status->message = copy_string(reply->status->message);
        status->field = copy_string(reply->status->field);
    } else {
        *response = protobuf_c_message_unpack(response_type, NULL, reply->payload.len, reply->payload.data);
        if (!*response) result = LUMA_ERR_DECODE;
    }
    luma__rpc__v1__response__free_unpacked(reply, NULL);
    return result;
}

int luma_call(luma_conn *conn, const char *method, const ProtobufCMessage *request,
              const ProtobufCMessageDescriptor *response_type, uint32_t deadline_ms,
              const luma_metadata *metadata, size_t n_metadata,
              luma_status *status, ProtobufCMessage **response) {
    uint64_t call_id = 0;
    int result = luma_send(conn, method, request, deadline_ms, metadata, n_metadata, &call_id);
    if (result != LUMA_OK) return result;
    /* The server enforces the deadline; the local wait only guards against a silent peer. */
    int wait = deadline_ms == 0 ? -1 : (int)deadline_ms + 1000;
    result = luma_wait(conn, call_id, response_type, wait, status, response);
    if (result == LUMA_ERR_TIMEOUT) luma_cancel(conn, call_id);
    return result;
}

void luma_status_clear(luma_status *status) {
    if (!status) return;
    free(status->message);
    free(status->field);
    memset(status, 0, sizeof *status);
}

const char *luma_strerror(int err) {
    switch (err) {
    case LUMA_OK: return "LUMA_OK";
    case LUMA_ERR_ARGUMENT: return "LUMA_ERR_ARGUMENT: invalid argument";
    case LUMA_ERR_CONNECT: return "LUMA_ERR_CONNECT: cannot connect";
    case LUMA_ERR_TIMEOUT: return "LUMA_ERR_TIMEOUT: no answer before the timeout";
    case LUMA_ERR_PROTOCOL: return "LUMA_ERR_PROTOCOL: the peer broke the protocol";
    case LUMA_ERR_FRAME_TOO_LARGE: return "LUMA_ERR_FRAME_TOO_LARGE: frame above the maximum size";
    case LUMA_ERR_CLOSED: return "LUMA_ERR_CLOSED: connection closed";
    case LUMA_ERR_NO_MEMORY: return "LUMA_ERR_NO_MEMORY: out of memory";
    case LUMA_ERR_UNKNOWN_CALL: return "LUMA_ERR_UNKNOWN_CALL: no such call in flight";
    case LUMA_ERR_DECODE: return "LUMA_ERR_DECODE: response is not the expected message";
    case LUMA_ERR_TLS: return "LUMA_ERR_TLS: TLS handshake failed or the TLS stream broke";
    default: return "unknown luma error";
    }
}

const char *luma_code_name(int code) {
    static const char *names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    };
    return code >= 0 && code <= 16 ? names[code] : "UNKNOWN";
}
