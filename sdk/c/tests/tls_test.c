/*
 * tls_test — the C client over TLS against real Swift servers (run by Tests/CSDKTests/CSDKTLSTests.swift).
 *
 *   tls_test call HOST PORT CA [CERT KEY]   connect with luma_connect_tls(), then calls: who the server says
 *                                           we are, a 1 MiB echo, 8 calls in flight, a local timeout
 *   tls_test plain HOST PORT                luma_connect() (plain text) and one echo
 *   tls_test files CA CERT KEY OTHER_KEY    unusable TLS files are refused before any connection
 *
 * The server serves luma.test.v1.WhoAmI, whose methods take a luma.examples.v1.EchoRequest and
 * answer an EchoResponse: Echo (the request back), WhoAmI (text: the name in the caller's
 * certificate), Slow (the request back after 300 ms).
 * A failed connect prints "connect: <luma_strerror> | <luma_last_error>" and exits 3; a failed
 * check prints FAIL and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luma_rpc.h"
#include "luma/examples/v1/echo.pb-c.h"

#include "check.h"

#define ECHO "luma.test.v1.WhoAmI/Echo"
#define WHO_AM_I "luma.test.v1.WhoAmI/WhoAmI"
#define SLOW "luma.test.v1.WhoAmI/Slow"

/* One call with an EchoRequest; returns the response (free it) or NULL after printing why. */
static Luma__Examples__V1__EchoResponse *echo_call(luma_conn *conn, const char *method, const char *text,
                                                   const uint8_t *payload, size_t length) {
    Luma__Examples__V1__EchoRequest request = LUMA__EXAMPLES__V1__ECHO_REQUEST__INIT;
    request.text = (char *)text;
    request.payload.data = (uint8_t *)payload;
    request.payload.len = length;
    luma_status status = {0};
    ProtobufCMessage *reply = NULL;
    int rc = luma_call(conn, method, &request.base, &luma__examples__v1__echo_response__descriptor, 5000, NULL, 0,
                       &status, &reply);
    if (rc != LUMA_OK || status.code != 0) {
        printf("call %s: %s %s %s\n", method, luma_strerror(rc), luma_code_name(status.code),
               status.message ? status.message : "");
        luma_status_clear(&status);
        return NULL;
    }
    return (Luma__Examples__V1__EchoResponse *)reply;
}

static int call_mode(int argc, char **argv) {
    if (argc != 5 && argc != 7) return 2;
    luma_tls_config tls = {0};
    tls.ca_file = argv[4];
    if (argc == 7) {
        tls.cert_file = argv[5];
        tls.key_file = argv[6];
    }
    luma_conn *conn = NULL;
    int rc = luma_connect_tls(argv[2], atoi(argv[3]), 3000, &tls, &conn);
    if (rc != LUMA_OK) {
        printf("connect: %s | %s\n", luma_strerror(rc), luma_last_error());
        return 3;
    }
    printf("connected: server %s\n", luma_tls_peer_name(conn) ? luma_tls_peer_name(conn) : "(no name)");

    Luma__Examples__V1__EchoResponse *who = echo_call(conn, WHO_AM_I, "", NULL, 0);
    CHECK(who != NULL, "WhoAmI failed");
    if (who) {
        printf("whoami: %s\n", who->text);
        protobuf_c_message_free_unpacked(&who->base, NULL);
    }

    /* 1 MiB each way: many TLS records, reads that end mid-record, SSL_pending. */
    size_t length = 1024 * 1024;
    uint8_t *payload = malloc(length);
    for (size_t i = 0; i < length; i++) payload[i] = (uint8_t)(i * 2654435761u >> 13);
    Luma__Examples__V1__EchoResponse *big = echo_call(conn, ECHO, "big", payload, length);
    CHECK(big && big->payload.len == length && memcmp(big->payload.data, payload, length) == 0, "1 MiB echo");
    if (big) {
        printf("echo: %zu bytes back intact\n", big->payload.len);
        protobuf_c_message_free_unpacked(&big->base, NULL);
    }
    free(payload);

    /* Several in flight, collected in reverse order. */
    uint64_t ids[8];
    char texts[8][16];
    int sent = 1;
    for (int i = 0; i < 8 && sent; i++) {
        Luma__Examples__V1__EchoRequest request = LUMA__EXAMPLES__V1__ECHO_REQUEST__INIT;
        snprintf(texts[i], sizeof texts[i], "call %d", i);
        request.text = texts[i];
        sent = luma_send(conn, ECHO, &request.base, 5000, NULL, 0, &ids[i]) == LUMA_OK;
    }
    CHECK(sent, "luma_send");
    int answered = 0;
    for (int i = 7; i >= 0 && sent; i--) {
        luma_status status = {0};
        ProtobufCMessage *reply = NULL;
        rc = luma_wait(conn, ids[i], &luma__examples__v1__echo_response__descriptor, 5000, &status, &reply);
        if (rc == LUMA_OK && status.code == 0 && strcmp(((Luma__Examples__V1__EchoResponse *)reply)->text, texts[i]) == 0) answered++;
        if (reply) protobuf_c_message_free_unpacked(reply, NULL);
        luma_status_clear(&status);
    }
    CHECK(answered == 8, "%d of 8 answered", answered);
    printf("in flight: %d answered\n", answered);

    /* A local timeout over TLS, then the same call's answer. */
    Luma__Examples__V1__EchoRequest slow = LUMA__EXAMPLES__V1__ECHO_REQUEST__INIT;
    slow.text = "slow";
    uint64_t id = 0;
    luma_status status = {0};
    ProtobufCMessage *reply = NULL;
    rc = luma_send(conn, SLOW, &slow.base, 5000, NULL, 0, &id);
    CHECK(rc == LUMA_OK, "send slow: %s", luma_strerror(rc));
    rc = luma_wait(conn, id, &luma__examples__v1__echo_response__descriptor, 50, &status, &reply);
    CHECK(rc == LUMA_ERR_TIMEOUT, "early wait: %s", luma_strerror(rc));
    rc = luma_wait(conn, id, &luma__examples__v1__echo_response__descriptor, 3000, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0 && reply && strcmp(((Luma__Examples__V1__EchoResponse *)reply)->text, "slow") == 0,
          "late wait: %s %d", luma_strerror(rc), status.code);
    if (reply) protobuf_c_message_free_unpacked(reply, NULL);
    luma_status_clear(&status);

    luma_close(conn);
    printf("closed\n%d failed\n", failures);
    return failures ? 1 : 0;
}

static int plain_mode(int argc, char **argv) {
    if (argc != 4) return 2;
    luma_conn *conn = NULL;
    int rc = luma_connect(argv[2], atoi(argv[3]), 3000, &conn);
    if (rc != LUMA_OK) {
        printf("connect: %s | %s\n", luma_strerror(rc), luma_last_error());
        return 3;
    }
    CHECK(luma_tls_peer_name(conn) == NULL, "a plain connection has no peer certificate");
    Luma__Examples__V1__EchoResponse *echo = echo_call(conn, ECHO, "plain", NULL, 0);
    if (echo) {
        printf("echo: %s\n", echo->text);
        protobuf_c_message_free_unpacked(&echo->base, NULL);
    }
    luma_close(conn);
    return echo && !failures ? 0 : 1;
}

static int files_mode(int argc, char **argv) {
    if (argc != 6) return 2;
    const char *ca = argv[2], *cert = argv[3], *key = argv[4], *other_key = argv[5];
    struct {
        const char *name, *ca, *cert, *key, *expect;
    } cases[] = {
        {"no CA", NULL, NULL, NULL, "ca_file"},
        {"missing CA", "/nonexistent/ca.pem", NULL, NULL, "/nonexistent/ca.pem"},
        {"a key as CA", key, NULL, NULL, key},
        {"certificate without key", ca, cert, NULL, "cert_file alone"},
        {"key without certificate", ca, NULL, key, "key_file alone"},
        {"another certificate's key", ca, cert, other_key, "not the certificate's"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        luma_tls_config tls = {cases[i].ca, cases[i].cert, cases[i].key};
        luma_conn *conn = NULL;
        /* Port 9 (discard) on loopback: never reached, the files are checked first. */
        int rc = luma_connect_tls("127.0.0.1", 9, 1000, &tls, &conn);
        CHECK(rc == LUMA_ERR_ARGUMENT && conn == NULL && strstr(luma_last_error(), cases[i].expect),
              "%s: %s | %s", cases[i].name, luma_strerror(rc), luma_last_error());
        printf("%s: %s\n", cases[i].name, luma_last_error());
    }
    luma_conn *conn = NULL;
    CHECK(luma_connect_tls("127.0.0.1", 9, 1000, NULL, &conn) == LUMA_ERR_ARGUMENT, "NULL config");
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    int result = 2;
    if (argc >= 2 && strcmp(argv[1], "call") == 0) result = call_mode(argc, argv);
    else if (argc >= 2 && strcmp(argv[1], "plain") == 0) result = plain_mode(argc, argv);
    else if (argc >= 2 && strcmp(argv[1], "files") == 0) result = files_mode(argc, argv);
    if (result == 2) {
        fprintf(stderr, "usage: %s call HOST PORT CA [CERT KEY] | plain HOST PORT | files CA CERT KEY OTHER_KEY\n", argv[0]);
    }
    return result;
}
