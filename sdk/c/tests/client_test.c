/*
 * client_test — the C client against real Swift services (run by Tests/CSDKTests).
 *   client_test HOST VERSES_PORT CREATORS_PORT CONTENT_PORT SILENT_PORT
 * SILENT_PORT is a server that reads one request and hangs up. Exits 0 when every check passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luma_rpc.h"
#include "luma/content/v1/content.pb-c.h"
#include "luma/creators/v1/creators.pb-c.h"
#include "luma/verses/v1/verses.pb-c.h"

#include "check.h"

static luma_conn *connect_or_die(const char *host, int port) {
    luma_conn *conn = NULL;
    int rc = luma_connect(host, port, 2000, &conn);
    if (rc != LUMA_OK) {
        printf("FAIL connect %s:%d: %s\n", host, port, luma_strerror(rc));
        exit(1);
    }
    return conn;
}

static int64_t plan_item(luma_conn *content, const char *date) {
    Luma__Content__V1__PlanRequest plan = LUMA__CONTENT__V1__PLAN_REQUEST__INIT;
    Luma__Content__V1__Mode modes[] = {LUMA__CONTENT__V1__MODE__MODE_BIBLE};
    plan.from_date = (char *)date;
    plan.to_date = (char *)date;
    plan.modes = modes;
    plan.n_modes = 1;
    luma_status status = {0};
    ProtobufCMessage *reply = NULL;
    int rc = luma_call(content, "luma.content.v1.ContentPipeline/Plan", &plan.base,
                       &luma__content__v1__plan_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "plan: rc %d code %d", rc, status.code);
    if (reply) protobuf_c_message_free_unpacked(reply, NULL);
    luma_status_clear(&status);

    Luma__Content__V1__ListContentRequest list = LUMA__CONTENT__V1__LIST_CONTENT_REQUEST__INIT;
    list.from_date = (char *)date;
    list.to_date = (char *)date;
    rc = luma_call(content, "luma.content.v1.ContentPipeline/List", &list.base,
                   &luma__content__v1__list_content_response__descriptor, 5000, NULL, 0, &status, &reply);
    int64_t id = 0;
    if (rc == LUMA_OK && status.code == 0) {
        Luma__Content__V1__ListContentResponse *items = (Luma__Content__V1__ListContentResponse *)reply;
        if (items->n_items > 0) id = items->items[0]->id;
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    luma_status_clear(&status);
    return id;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST VERSES_PORT CREATORS_PORT CONTENT_PORT SILENT_PORT\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    luma_conn *verses = connect_or_die(host, atoi(argv[2]));
    luma_conn *creators = connect_or_die(host, atoi(argv[3]));
    luma_conn *content = connect_or_die(host, atoi(argv[4]));
    luma_status status = {0};
    ProtobufCMessage *reply = NULL;
    luma_metadata trace[] = {{"trace-id", "c-sdk-test"}};

    /* Validate a reference, with metadata. */
    Luma__Verses__V1__ValidateReferenceRequest validate = LUMA__VERSES__V1__VALIDATE_REFERENCE_REQUEST__INIT;
    validate.reference = "1 Cor 13:4-7";
    int rc = luma_call(verses, "luma.verses.v1.VerseRegistry/ValidateReference", &validate.base,
                       &luma__verses__v1__validate_reference_response__descriptor, 5000, trace, 1, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "rc %d code %d", rc, status.code);
    if (reply) {
        Luma__Verses__V1__ValidateReferenceResponse *valid = (Luma__Verses__V1__ValidateReferenceResponse *)reply;
        CHECK(strcmp(valid->canonical, "1 Corinthians 13:4-7") == 0, "canonical %s", valid->canonical);
        CHECK(valid->verse_count == 4, "count %u", valid->verse_count);
        protobuf_c_message_free_unpacked(reply, NULL);
    }

    /* An invalid one: the server's status, message and field. */
    validate.reference = "John 22:1";
    rc = luma_call(verses, "luma.verses.v1.VerseRegistry/ValidateReference", &validate.base,
                   &luma__verses__v1__validate_reference_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_INVALID_ARGUMENT, "rc %d code %d", rc, status.code);
    CHECK(status.message && strcmp(status.message, "John has 21 chapters, not 22") == 0, "message %s", status.message);
    CHECK(status.field && strcmp(status.field, "reference") == 0, "field %s", status.field);
    CHECK(reply == NULL, "no response on error");
    luma_status_clear(&status);

    /* A passage. */
    Luma__Verses__V1__GetPassageRequest get = LUMA__VERSES__V1__GET_PASSAGE_REQUEST__INIT;
    get.reference = "John 11:35";
    rc = luma_call(verses, "luma.verses.v1.VerseRegistry/GetPassage", &get.base,
                   &luma__verses__v1__passage__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "rc %d code %d", rc, status.code);
    if (reply) {
        Luma__Verses__V1__Passage *passage = (Luma__Verses__V1__Passage *)reply;
        CHECK(strcmp(passage->text, "Jesus wept.") == 0, "text %s", passage->text);
        protobuf_c_message_free_unpacked(reply, NULL);
    }

    /* Several calls in flight on one connection, collected in reverse order. */
    const char *references[] = {"Gen 1:1", "Ps 23", "Rev 22:21"};
    const char *expected[] = {"Genesis 1:1", "Psalms 23", "Revelation 22:21"};
    uint64_t ids[3];
    Luma__Verses__V1__ValidateReferenceRequest many[3];
    for (int i = 0; i < 3; i++) {
        Luma__Verses__V1__ValidateReferenceRequest init = LUMA__VERSES__V1__VALIDATE_REFERENCE_REQUEST__INIT;
        many[i] = init;
        many[i].reference = (char *)references[i];
        rc = luma_send(verses, "luma.verses.v1.VerseRegistry/ValidateReference", &many[i].base, 5000, NULL, 0, &ids[i]);
        CHECK(rc == LUMA_OK, "send %d", rc);
    }
    CHECK(luma_in_flight(verses) == 3, "in flight %zu", luma_in_flight(verses));
    for (int i = 2; i >= 0; i--) {
        rc = luma_wait(verses, ids[i], &luma__verses__v1__validate_reference_response__descriptor, 5000, &status, &reply);
        CHECK(rc == LUMA_OK && status.code == 0, "wait %d rc %d", i, rc);
        if (reply) {
            CHECK(strcmp(((Luma__Verses__V1__ValidateReferenceResponse *)reply)->canonical, expected[i]) == 0, "call %d matched", i);
            protobuf_c_message_free_unpacked(reply, NULL);
        }
    }

    /* Claim a verse for an item, then again for another item: ALREADY_EXISTS. */
    int64_t first = plan_item(content, "2031-05-01");
    int64_t second = plan_item(content, "2031-05-02");
    CHECK(first > 0 && second > 0, "planned %lld %lld", (long long)first, (long long)second);
    Luma__Verses__V1__ClaimVerseRequest claim = LUMA__VERSES__V1__CLAIM_VERSE_REQUEST__INIT;
    claim.daily_content_id = first;
    claim.reference = "Phil 4:6-7";
    claim.used_date = "2031-05-01";
    rc = luma_call(verses, "luma.verses.v1.VerseRegistry/ClaimVerse", &claim.base,
                   &luma__verses__v1__claim_verse_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "claim rc %d code %d %s", rc, status.code, status.message);
    if (reply) {
        CHECK(((Luma__Verses__V1__ClaimVerseResponse *)reply)->n_claimed == 2, "two verses claimed");
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    luma_status_clear(&status);
    claim.daily_content_id = second;
    rc = luma_call(verses, "luma.verses.v1.VerseRegistry/ClaimVerse", &claim.base,
                   &luma__verses__v1__claim_verse_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_ALREADY_EXISTS, "second claim code %d", status.code);
    CHECK(status.message && strstr(status.message, "by daily content") != NULL, "message %s", status.message);
    luma_status_clear(&status);

    /* List creators. */
    Luma__Creators__V1__ListCreatorsRequest list = LUMA__CREATORS__V1__LIST_CREATORS_REQUEST__INIT;
    rc = luma_call(creators, "luma.creators.v1.CreatorRegistry/ListCreators", &list.base,
                   &luma__creators__v1__list_creators_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "list creators rc %d code %d", rc, status.code);
    if (reply) {
        CHECK(((Luma__Creators__V1__ListCreatorsResponse *)reply)->n_creators == 1, "one creator");
        protobuf_c_message_free_unpacked(reply, NULL);
    }

    /* Read the board. */
    Luma__Content__V1__BoardRequest board = LUMA__CONTENT__V1__BOARD_REQUEST__INIT;
    board.from_date = "2031-05-01";
    board.to_date = "2031-05-31";
    rc = luma_call(content, "luma.content.v1.ContentPipeline/Board", &board.base,
                   &luma__content__v1__board_response__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == 0, "board rc %d", rc);
    if (reply) {
        Luma__Content__V1__BoardResponse *b = (Luma__Content__V1__BoardResponse *)reply;
        CHECK(b->n_items == 2 && b->n_counts == 1 && b->counts[0]->count == 2, "board %zu items", b->n_items);
        protobuf_c_message_free_unpacked(reply, NULL);
    }

    /* A deadline that expires: the server answers DEADLINE_EXCEEDED. */
    Luma__Content__V1__PlanRequest plan = LUMA__CONTENT__V1__PLAN_REQUEST__INIT;
    plan.from_date = "2040-01-01";
    plan.to_date = "2049-12-31";
    rc = luma_call(content, "luma.content.v1.ContentPipeline/Plan", &plan.base,
                   &luma__content__v1__plan_response__descriptor, 1, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_DEADLINE_EXCEEDED, "deadline rc %d code %d", rc, status.code);
    if (reply) protobuf_c_message_free_unpacked(reply, NULL);
    luma_status_clear(&status);

    /* A server that goes away mid-call. */
    luma_conn *silent = connect_or_die(host, atoi(argv[5]));
    rc = luma_call(silent, "luma.verses.v1.VerseRegistry/GetPassage", &get.base,
                   &luma__verses__v1__passage__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_ERR_CLOSED, "went away: %s", luma_strerror(rc));
    rc = luma_call(silent, "luma.verses.v1.VerseRegistry/GetPassage", &get.base,
                   &luma__verses__v1__passage__descriptor, 5000, NULL, 0, &status, &reply);
    CHECK(rc == LUMA_ERR_CLOSED, "stays closed: %s", luma_strerror(rc));
    luma_close(silent);

    /* Nothing listens on port 1. */
    luma_conn *nobody = NULL;
    rc = luma_connect(host, 1, 1000, &nobody);
    CHECK(rc == LUMA_ERR_CONNECT && nobody == NULL, "connect failure: %s", luma_strerror(rc));

    luma_close(verses);
    luma_close(creators);
    luma_close(content);
    printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
