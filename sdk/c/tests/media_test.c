/*
 * media_test — the C client's media-store calls and luma_media_upload_file() against a real
 * media-store (run by Tests/CSDKTests, under valgrind).
 *   media_test HOST PORT FIRST.mp4 SECOND.mp4 CREATOR_ID     (token from LUMA_TOKEN, if set)
 * Two different vertical videos, both larger than two chunks. Prints "media NAME ID SIZE" for
 * each stored file and "N failed"; exits 0 when every check passes.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "luma_media.h"

#include "check.h"

static luma_metadata metadata[1];
static size_t n_metadata = 0;

/* What the progress callback saw. */
typedef struct {
    int calls;
    uint64_t first, last, size;
    int decreased;
    /* When set, the first report also appends `interfere` bytes at the reported offset over
     * `conn`, as a second writer would: the helper's next chunk then has a stale offset. */
    luma_conn *conn;
    const char *upload_path;
    size_t interfere;
    const luma_media_upload_result *result;   /* the helper's: upload_id is set by the first report */
} progress_log;

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc(length > 0 ? (size_t)length : 1);
    if (bytes && fread(bytes, 1, (size_t)length, file) != (size_t)length) {
        free(bytes);
        bytes = NULL;
    }
    fclose(file);
    *size = (size_t)length;
    return bytes;
}

static void record(uint64_t stored, uint64_t size, void *context) {
    progress_log *log = context;
    if (log->calls == 0) log->first = stored;
    if (log->calls > 0 && stored < log->last) log->decreased = 1;
    log->calls++;
    log->last = stored;
    log->size = size;
    if (log->interfere && log->calls == 1 && log->result && log->result->upload_id) {
        size_t length = 0;
        uint8_t *bytes = read_file(log->upload_path, &length);
        Luma__Media__V1__AppendChunkRequest append = LUMA__MEDIA__V1__APPEND_CHUNK_REQUEST__INIT;
        append.upload_id = log->result->upload_id;
        append.offset = stored;
        append.data.data = bytes + stored;
        append.data.len = log->interfere;
        luma_status status = {0};
        Luma__Media__V1__UploadSession *session = NULL;
        int rc = luma_media_append_chunk(log->conn, &append, 5000, metadata, n_metadata, &status, &session);
        CHECK(rc == LUMA_OK && status.code == 0, "second writer: rc %d %s %s", rc, luma_code_name(status.code), status.message);
        if (session) protobuf_c_message_free_unpacked(&session->base, NULL);
        luma_status_clear(&status);
        free(bytes);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT FIRST.mp4 SECOND.mp4 CREATOR_ID\n", argv[0]);
        return 2;
    }
    const char *first_path = argv[3], *second_path = argv[4];
    int64_t creator = atoll(argv[5]);
    char authorization[4200];
    const char *token = getenv("LUMA_TOKEN");
    if (token && *token) {
        snprintf(authorization, sizeof authorization, "Bearer %s", token);
        metadata[0].key = "authorization";
        metadata[0].value = authorization;
        n_metadata = 1;
    }
    luma_conn *conn = NULL;
    int rc = luma_connect(argv[1], atoi(argv[2]), 2000, &conn);
    if (rc != LUMA_OK) {
        printf("FAIL connect: %s\n", luma_strerror(rc));
        return 1;
    }
    luma_status status = {0};
    char first_sha[65], second_sha[65];
    uint64_t first_size = 0, second_size = 0;
    CHECK(luma_media_file_digest(first_path, first_sha, &first_size) == LUMA_OK, "digest %s", first_path);
    CHECK(luma_media_file_digest(second_path, second_sha, &second_size) == LUMA_OK, "digest %s", second_path);
    CHECK(luma_media_file_digest("/nonexistent/v.mp4", first_sha + 0, &(uint64_t){0}) == LUMA_ERR_ARGUMENT, "missing file");
    luma_media_file_digest(first_path, first_sha, &first_size);

    /* 1. Start a session by hand and send its first chunk only. */
    Luma__Media__V1__StartUploadRequest start = LUMA__MEDIA__V1__START_UPLOAD_REQUEST__INIT;
    start.size = first_size;
    start.sha256 = first_sha;
    start.kind = LUMA__MEDIA__V1__MEDIA_KIND__MEDIA_KIND_VIDEO;
    start.file_name = "first.mp4";
    Luma__Media__V1__UploadSession *session = NULL;
    rc = luma_media_start_upload(conn, &start, 5000, metadata, n_metadata, &status, &session);
    CHECK(rc == LUMA_OK && status.code == 0, "start: rc %d %s %s", rc, luma_code_name(status.code), status.message);
    if (!session) return 1;
    CHECK(session->next_offset == 0 && !session->finished && strlen(session->upload_id) == 32, "a fresh session %s", session->upload_id);
    CHECK(session->chunk_size > 0 && session->chunk_size * 2 < first_size, "chunk %u of %" PRIu64, session->chunk_size, first_size);
    size_t length = 0;
    uint8_t *bytes = read_file(first_path, &length);
    uint32_t chunk = session->chunk_size;
    char *upload_id = strdup(session->upload_id);

    /* A wrong offset: FAILED_PRECONDITION naming the field. */
    Luma__Media__V1__AppendChunkRequest append = LUMA__MEDIA__V1__APPEND_CHUNK_REQUEST__INIT;
    append.upload_id = upload_id;
    append.offset = 10;
    append.data.data = bytes + 10;
    append.data.len = 100;
    Luma__Media__V1__UploadSession *appended = NULL;
    rc = luma_media_append_chunk(conn, &append, 5000, metadata, n_metadata, &status, &appended);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_FAILED_PRECONDITION, "wrong offset: rc %d %s", rc, luma_code_name(status.code));
    CHECK(status.field && strcmp(status.field, "offset") == 0, "field %s", status.field);
    CHECK(appended == NULL, "no session on error");
    luma_status_clear(&status);

    append.offset = 0;
    append.data.data = bytes;
    append.data.len = chunk;
    rc = luma_media_append_chunk(conn, &append, 5000, metadata, n_metadata, &status, &appended);
    CHECK(rc == LUMA_OK && status.code == 0 && appended && appended->next_offset == chunk, "first chunk: rc %d %s", rc, status.message);
    if (appended) protobuf_c_message_free_unpacked(&appended->base, NULL);
    /* The same chunk again (a retry): acknowledged, nothing written. */
    rc = luma_media_append_chunk(conn, &append, 5000, metadata, n_metadata, &status, &appended);
    CHECK(rc == LUMA_OK && status.code == 0 && appended && appended->next_offset == chunk, "retried chunk acknowledged");
    if (appended) protobuf_c_message_free_unpacked(&appended->base, NULL);
    luma_status_clear(&status);
    protobuf_c_message_free_unpacked(&session->base, NULL);

    /* Resuming it with the other file's bytes is refused before anything is sent. */
    luma_media_upload_options options = {0};
    options.resume_upload_id = upload_id;
    luma_media_upload_result result = {0};
    rc = luma_media_upload_file(conn, second_path, &options, metadata, n_metadata, &status, &result);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_FAILED_PRECONDITION, "another file: rc %d %s", rc, luma_code_name(status.code));
    CHECK(status.field && strcmp(status.field, "upload_id") == 0, "field %s", status.field);
    CHECK(result.sent == 0 && result.media_id == 0, "nothing sent");
    luma_media_upload_result_clear(&result);
    luma_status_clear(&status);

    /* 2. The helper resumes it: it asks where it stands and sends only the rest. */
    progress_log log = {0};
    options.progress = record;
    options.progress_context = &log;
    rc = luma_media_upload_file(conn, first_path, &options, metadata, n_metadata, &status, &result);
    CHECK(rc == LUMA_OK && status.code == 0, "resumed: rc %d %s %s", rc, luma_code_name(status.code), status.message);
    CHECK(result.media_id > 0 && result.media && result.media->id == result.media_id, "media id %" PRId64, result.media_id);
    CHECK(result.media && result.media->size == first_size, "size");
    CHECK(result.media && strcmp(result.media->sha256, first_sha) == 0, "sha256");
    CHECK(result.media && result.media->width == 540 && result.media->height == 960, "540x960");
    CHECK(result.media && result.media->owner_creator_id == creator, "owner %" PRId64, result.media ? result.media->owner_creator_id : -1);
    CHECK(result.upload_id && strcmp(result.upload_id, upload_id) == 0, "same session");
    CHECK(result.sent == first_size - chunk, "sent %" PRIu64 " of %" PRIu64 ": the first chunk was not sent again", result.sent, first_size);
    CHECK(log.first == chunk && log.last == first_size && log.size == first_size && !log.decreased,
          "progress %" PRIu64 "..%" PRIu64, log.first, log.last);
    int64_t first_media = result.media_id;
    uint64_t first_thumbnail = result.media ? (uint64_t)result.media->thumbnail_id : 0;
    printf("media first %" PRId64 " %" PRIu64 "\n", result.media_id, result.media ? result.media->size : 0);
    luma_media_upload_result_clear(&result);

    /* 3. The same file again: the server holds it, no bytes travel, the same media. */
    luma_media_upload_options fresh = {0};
    progress_log again = {0};
    fresh.progress = record;
    fresh.progress_context = &again;
    rc = luma_media_upload_file(conn, first_path, &fresh, metadata, n_metadata, &status, &result);
    CHECK(rc == LUMA_OK && status.code == 0 && result.media_id == first_media && result.sent == 0,
          "again: %" PRId64 " sent %" PRIu64, result.media_id, result.sent);
    CHECK(again.calls >= 1 && again.last == first_size, "progress ends whole: %" PRIu64, again.last);
    luma_media_upload_result_clear(&result);

    /* 4. A new upload with a second writer: after the first report another 1000 bytes land, the
     * helper's first chunk is refused for its offset, and it asks GetUpload and carries on. */
    progress_log interfered = {0};
    interfered.conn = conn;
    interfered.upload_path = second_path;
    interfered.interfere = 1000;
    fresh.progress = record;
    fresh.progress_context = &interfered;
    fresh.file_name = "second.mp4";
    interfered.result = &result;
    rc = luma_media_upload_file(conn, second_path, &fresh, metadata, n_metadata, &status, &result);
    CHECK(rc == LUMA_OK && status.code == 0, "second: rc %d %s %s", rc, luma_code_name(status.code), status.message);
    CHECK(result.media_id > 0 && result.media_id != first_media && result.media && result.media->size == second_size,
          "second media %" PRId64, result.media_id);
    CHECK(interfered.first == 0 && interfered.last == second_size && !interfered.decreased, "progress %" PRIu64 "..%" PRIu64,
          interfered.first, interfered.last);
    /* The refused chunk, then everything after the other writer's 1000 bytes. */
    CHECK(result.sent == chunk + second_size - 1000, "sent %" PRIu64 " for %" PRIu64, result.sent, second_size);
    uint64_t rest = second_size - 1000;
    CHECK(interfered.calls == 2 + (int)((rest + chunk - 1) / chunk), "%d reports", interfered.calls);
    printf("media second %" PRId64 " %" PRIu64 "\n", result.media_id, result.media ? result.media->size : 0);
    int64_t second_media = result.media_id;
    luma_media_upload_result_clear(&result);

    /* GetMedia, ReadMedia, CheckMedia. */
    Luma__Media__V1__GetMediaRequest get = LUMA__MEDIA__V1__GET_MEDIA_REQUEST__INIT;
    get.id = first_media;
    Luma__Media__V1__Media *media = NULL;
    rc = luma_media_get_media(conn, &get, 5000, metadata, n_metadata, &status, &media);
    CHECK(rc == LUMA_OK && status.code == 0 && media && media->size == first_size && media->duration_ms >= 5000,
          "get media: rc %d %s", rc, luma_code_name(status.code));
    CHECK(media && media->thumbnail_id > 0 && (uint64_t)media->thumbnail_id == first_thumbnail, "thumbnail");
    if (media) protobuf_c_message_free_unpacked(&media->base, NULL);
    Luma__Media__V1__ReadMediaRequest read = LUMA__MEDIA__V1__READ_MEDIA_REQUEST__INIT;
    read.id = first_media;
    read.offset = 100;
    read.length = 64;
    Luma__Media__V1__ReadMediaResponse *data = NULL;
    rc = luma_media_read_media(conn, &read, 5000, metadata, n_metadata, &status, &data);
    CHECK(rc == LUMA_OK && status.code == 0 && data && data->data.len == 64 && memcmp(data->data.data, bytes + 100, 64) == 0 &&
          data->size == first_size, "read media: the file's bytes");
    if (data) protobuf_c_message_free_unpacked(&data->base, NULL);
    get.id = 999999;
    rc = luma_media_get_media(conn, &get, 5000, metadata, n_metadata, &status, &media);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_NOT_FOUND && media == NULL, "no such media: %s", luma_code_name(status.code));
    luma_status_clear(&status);
    (void)second_media;

    /* Cancel an open session; a missing file is the helper's INVALID_ARGUMENT. */
    start.sha256 = second_sha;
    start.size = second_size;
    start.kind = LUMA__MEDIA__V1__MEDIA_KIND__MEDIA_KIND_IMAGE;
    rc = luma_media_start_upload(conn, &start, 5000, metadata, n_metadata, &status, &session);
    CHECK(rc == LUMA_OK && status.code == 0, "start another");
    if (session) {
        Luma__Media__V1__CancelUploadRequest cancel = LUMA__MEDIA__V1__CANCEL_UPLOAD_REQUEST__INIT;
        cancel.upload_id = session->upload_id;
        Luma__Media__V1__CancelUploadResponse *cancelled = NULL;
        rc = luma_media_cancel_upload(conn, &cancel, 5000, metadata, n_metadata, &status, &cancelled);
        CHECK(rc == LUMA_OK && status.code == 0 && cancelled && cancelled->cancelled, "cancelled");
        if (cancelled) protobuf_c_message_free_unpacked(&cancelled->base, NULL);
        protobuf_c_message_free_unpacked(&session->base, NULL);
    }
    luma_status_clear(&status);
    rc = luma_media_upload_file(conn, "/nonexistent/v.mp4", NULL, metadata, n_metadata, &status, &result);
    CHECK(rc == LUMA_OK && status.code == LUMA_CODE_INVALID_ARGUMENT && status.field && strcmp(status.field, "file") == 0 &&
          result.upload_id == NULL, "missing file: %s", status.message);
    luma_media_upload_result_clear(&result);
    luma_status_clear(&status);

    free(bytes);
    free(upload_id);
    luma_close(conn);
    printf("%d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
