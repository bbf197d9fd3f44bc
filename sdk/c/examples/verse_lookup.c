/*
 * verse_lookup — validates a reference and prints its passage from a running verse-registry.
 *
 *   make -C sdk/c                                  # or, installed: cc ... $(pkg-config --cflags --libs luma-rpc)
 *   LUMA_TOKEN=$(lumactl token mint --role creator --creator 1) \
 *     sdk/c/build/verse_lookup 127.0.0.1 7101 "Ps 23:1-3" [translation]
 *
 * The services want a bearer token (docs/protocol.md): it is read from LUMA_TOKEN and sent as
 * `authorization: Bearer <token>` metadata. Without it, a service started with --insecure-dev
 * still answers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "luma_rpc.h"
#include "luma/verses/v1/verses.pb-c.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: LUMA_TOKEN=TOKEN %s HOST PORT REFERENCE [TRANSLATION]\n"
                        "  LUMA_TOKEN: a bearer token, e.g. from `lumactl token mint --role creator --creator 1`\n", argv[0]);
        return 2;
    }
    /* The token from LUMA_TOKEN, as every Luma client takes it. */
    const char *token = getenv("LUMA_TOKEN");
    char authorization[4200];
    luma_metadata metadata[1];
    size_t n_metadata = 0;
    if (token && *token) {
        if (snprintf(authorization, sizeof authorization, "Bearer %s", token) >= (int)sizeof authorization) {
            fprintf(stderr, "LUMA_TOKEN is too long\n");
            return 2;
        }
        metadata[0].key = "authorization";
        metadata[0].value = authorization;
        n_metadata = 1;
    }
    luma_conn *conn = NULL;
    int rc = luma_connect(argv[1], atoi(argv[2]), 2000, &conn);
    if (rc != LUMA_OK) {
        fprintf(stderr, "%s\n", luma_strerror(rc));
        return 1;
    }

    Luma__Verses__V1__ValidateReferenceRequest validate = LUMA__VERSES__V1__VALIDATE_REFERENCE_REQUEST__INIT;
    validate.reference = argv[3];
    luma_status status = {0};
    ProtobufCMessage *reply = NULL;
    rc = luma_call(conn, "luma.verses.v1.VerseRegistry/ValidateReference", &validate.base,
                   &luma__verses__v1__validate_reference_response__descriptor, 2000, metadata, n_metadata, &status, &reply);
    if (rc != LUMA_OK || status.code != 0) {
        if (rc != LUMA_OK) fprintf(stderr, "%s\n", luma_strerror(rc));
        else fprintf(stderr, "%s: %s\n", luma_code_name(status.code), status.message ? status.message : "");
        luma_status_clear(&status);
        luma_close(conn);
        return 1;
    }
    Luma__Verses__V1__ValidateReferenceResponse *valid = (Luma__Verses__V1__ValidateReferenceResponse *)reply;
    printf("%s (%u verses)\n", valid->canonical, valid->verse_count);
    protobuf_c_message_free_unpacked(reply, NULL);

    Luma__Verses__V1__GetPassageRequest get = LUMA__VERSES__V1__GET_PASSAGE_REQUEST__INIT;
    get.reference = argv[3];
    get.translation = argc > 4 ? argv[4] : "kjv";
    rc = luma_call(conn, "luma.verses.v1.VerseRegistry/GetPassage", &get.base,
                   &luma__verses__v1__passage__descriptor, 2000, metadata, n_metadata, &status, &reply);
    if (rc == LUMA_OK && status.code == 0) {
        Luma__Verses__V1__Passage *passage = (Luma__Verses__V1__Passage *)reply;
        for (size_t i = 0; i < passage->n_verses; i++) {
            Luma__Verses__V1__Verse *verse = passage->verses[i];
            printf("%u:%u %s\n", verse->chapter, verse->verse, verse->missing ? "[no text]" : verse->text);
        }
        protobuf_c_message_free_unpacked(reply, NULL);
    } else {
        fprintf(stderr, "%s\n", rc != LUMA_OK ? luma_strerror(rc) : luma_code_name(status.code));
    }
    int failed = rc != LUMA_OK || status.code != 0;
    luma_status_clear(&status);
    luma_close(conn);
    return failed;
}
