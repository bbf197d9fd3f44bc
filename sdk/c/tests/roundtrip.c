/*
 * roundtrip — proves protobuf-c and SwiftProtobuf agree byte for byte.
 *   roundtrip pack               prints "NAME HEX" for a fixed set of messages packed by protobuf-c
 *   roundtrip repack NAME HEX    decodes HEX as NAME with protobuf-c and prints it re-packed
 * Tests/CSDKTests builds the same messages in Swift and compares both directions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luma/content/v1/content.pb-c.h"

static void print_hex(const char *name, const ProtobufCMessage *message) {
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *bytes = malloc(size ? size : 1);
    protobuf_c_message_pack(message, bytes);
    printf("%s ", name);
    for (size_t i = 0; i < size; i++) printf("%02x", bytes[i]);
    printf("\n");
    free(bytes);
}

static const ProtobufCMessageDescriptor *descriptor(const char *name) {
    if (strcmp(name, "ListContentResponse") == 0) return &luma__content__v1__list_content_response__descriptor;
    if (strcmp(name, "GenerateRequest") == 0) return &luma__content__v1__generate_request__descriptor;
    if (strcmp(name, "AssignRequest") == 0) return &luma__content__v1__assign_request__descriptor;
    if (strcmp(name, "IntegrityReport") == 0) return &luma__content__v1__integrity_report__descriptor;
    return NULL;
}

static int pack(void) {
    /* Nested and repeated messages, int64 extremes, UTF-8. */
    Luma__Content__V1__ContentItem first = LUMA__CONTENT__V1__CONTENT_ITEM__INIT;
    first.id = INT64_MAX;
    first.creator_id = INT64_MIN;
    first.post_date = "2026-12-25";
    first.mode = LUMA__CONTENT__V1__MODE__MODE_BIBLE;
    first.status = LUMA__CONTENT__V1__STATUS__STATUS_APPROVED;
    first.verse_text = "Señor, 主, 🙏 — «paz»";
    Luma__Content__V1__ContentItem second = LUMA__CONTENT__V1__CONTENT_ITEM__INIT;
    second.id = 1;
    second.language = "es";
    Luma__Content__V1__ContentItem *items[] = {&first, &second};
    Luma__Content__V1__ListContentResponse list = LUMA__CONTENT__V1__LIST_CONTENT_RESPONSE__INIT;
    list.items = items;
    list.n_items = 2;
    list.next_page_token = "tok";
    print_hex("ListContentResponse", &list.base);

    /* A oneof holding a nested message. */
    Luma__Content__V1__DateRange range = LUMA__CONTENT__V1__DATE_RANGE__INIT;
    range.from_date = "2027-01-01";
    range.to_date = "2027-12-31";
    Luma__Content__V1__GenerateRequest generate = LUMA__CONTENT__V1__GENERATE_REQUEST__INIT;
    generate.target_case = LUMA__CONTENT__V1__GENERATE_REQUEST__TARGET_RANGE;
    generate.range = &range;
    generate.category = "esperanza";
    print_hex("GenerateRequest", &generate.base);

    /* A oneof holding a scalar at its minimum. */
    Luma__Content__V1__AssignRequest assign = LUMA__CONTENT__V1__ASSIGN_REQUEST__INIT;
    assign.id = -1;
    assign.creator_case = LUMA__CONTENT__V1__ASSIGN_REQUEST__CREATOR_CREATOR_ID;
    assign.creator_id = INT64_MIN;
    print_hex("AssignRequest", &assign.base);

    /* Packed repeated int64 with extremes, repeated strings with an empty one. */
    int64_t ids[] = {INT64_MAX, INT64_MIN, 0, -1};
    char *notes[] = {"ü", ""};
    Luma__Content__V1__IntegrityReport report = LUMA__CONTENT__V1__INTEGRITY_REPORT__INIT;
    report.ledger_orphan_content_ids = ids;
    report.n_ledger_orphan_content_ids = 4;
    report.notes = notes;
    report.n_notes = 2;
    report.outbox_pending = UINT32_MAX;
    report.repaired = 1;
    print_hex("IntegrityReport", &report.base);
    return 0;
}

static int repack(const char *name, const char *hex) {
    const ProtobufCMessageDescriptor *type = descriptor(name);
    size_t length = strlen(hex) / 2;
    if (!type || strlen(hex) % 2) return 2;
    uint8_t *bytes = malloc(length ? length : 1);
    for (size_t i = 0; i < length; i++) {
        unsigned value;
        if (sscanf(hex + 2 * i, "%2x", &value) != 1) { free(bytes); return 2; }
        bytes[i] = (uint8_t)value;
    }
    ProtobufCMessage *message = protobuf_c_message_unpack(type, NULL, length, bytes);
    free(bytes);
    if (!message) return 3;
    print_hex(name, message);
    protobuf_c_message_free_unpacked(message, NULL);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "pack") == 0) return pack();
    if (argc == 4 && strcmp(argv[1], "repack") == 0) return repack(argv[2], argv[3]);
    fprintf(stderr, "usage: %s pack | repack NAME HEX\n", argv[0]);
    return 2;
}
