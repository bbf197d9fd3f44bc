/*
 * luma_media.c — media-store's calls and the resumable upload helper. See luma_media.h and
 * docs/media.md; the Swift side of the same protocol is services/media-store/Sources/MediaClient.
 */
#define _POSIX_C_SOURCE 200809L
#include "luma_media.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Each call is luma_call() with its method and response type. */
#define LUMA_MEDIA_CALL(name, method, Request, Response, descriptor)                                          \
    int name(luma_conn *conn, const Request *request, uint32_t deadline_ms, const luma_metadata *metadata,     \
             size_t n_metadata, luma_status *status, Response **response) {                                   \
        if (!request || !response) return LUMA_ERR_ARGUMENT;                                                  \
        return luma_call(conn, method, &request->base, &descriptor, deadline_ms, metadata, n_metadata, status, \
                         (ProtobufCMessage **)response);                                                      \
    }

LUMA_MEDIA_CALL(luma_media_start_upload, LUMA_MEDIA_START_UPLOAD, Luma__Media__V1__StartUploadRequest,
                Luma__Media__V1__UploadSession, luma__media__v1__upload_session__descriptor)
LUMA_MEDIA_CALL(luma_media_get_upload, LUMA_MEDIA_GET_UPLOAD, Luma__Media__V1__GetUploadRequest,
                Luma__Media__V1__UploadSession, luma__media__v1__upload_session__descriptor)
LUMA_MEDIA_CALL(luma_media_append_chunk, LUMA_MEDIA_APPEND_CHUNK, Luma__Media__V1__AppendChunkRequest,
                Luma__Media__V1__UploadSession, luma__media__v1__upload_session__descriptor)
LUMA_MEDIA_CALL(luma_media_finish_upload, LUMA_MEDIA_FINISH_UPLOAD, Luma__Media__V1__FinishUploadRequest,
                Luma__Media__V1__Media, luma__media__v1__media__descriptor)
LUMA_MEDIA_CALL(luma_media_cancel_upload, LUMA_MEDIA_CANCEL_UPLOAD, Luma__Media__V1__CancelUploadRequest,
                Luma__Media__V1__CancelUploadResponse, luma__media__v1__cancel_upload_response__descriptor)
LUMA_MEDIA_CALL(luma_media_get_media, LUMA_MEDIA_GET_MEDIA, Luma__Media__V1__GetMediaRequest,
                Luma__Media__V1__Media, luma__media__v1__media__descriptor)
LUMA_MEDIA_CALL(luma_media_read_media, LUMA_MEDIA_READ_MEDIA, Luma__Media__V1__ReadMediaRequest,
                Luma__Media__V1__ReadMediaResponse, luma__media__v1__read_media_response__descriptor)
LUMA_MEDIA_CALL(luma_media_check_media, LUMA_MEDIA_CHECK_MEDIA, Luma__Media__V1__CheckMediaRequest,
                Luma__Media__V1__CheckMediaResponse, luma__media__v1__check_media_response__descriptor)

/* Hashes an open file from its start: SHA-256 hex and size. 0 on success, else errno. */
static int digest_fd(int fd, char hex[65], uint64_t *size) {
    enum { PIECE = 1 << 20 };
    uint8_t *piece = malloc(PIECE);
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int error = 0;
    *size = 0;
    if (!piece || !context || EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
        error = ENOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = pread(fd, piece, PIECE, (off_t)*size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = errno;
            goto done;
        }
        if (n == 0) break;
        if (EVP_DigestUpdate(context, piece, (size_t)n) != 1) {
            error = EIO;
            goto done;
        }
        *size += (uint64_t)n;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context, digest, &length) != 1 || length != 32) {
        error = EIO;
        goto done;
    }
    for (unsigned int i = 0; i < length; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
done:
    EVP_MD_CTX_free(context);
    free(piece);
    return error;
}

int luma_media_file_digest(const char *path, char hex[65], uint64_t *size) {
    if (!path || !hex || !size) return LUMA_ERR_ARGUMENT;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return LUMA_ERR_ARGUMENT;
    int error = digest_fd(fd, hex, size);
    close(fd);
    return error == 0 ? LUMA_OK : error == ENOMEM ? LUMA_ERR_NO_MEMORY : LUMA_ERR_ARGUMENT;
}

void luma_media_upload_result_clear(luma_media_upload_result *result) {
    if (!result) return;
    if (result->media) protobuf_c_message_free_unpacked(&result->media->base, NULL);
    free(result->upload_id);
    memset(result, 0, sizeof *result);
}

/* The helper's own refusal, in the server's form. */
static void refuse(luma_status *status, int code, const char *field, const char *format, ...) {
    luma_status_clear(status);
    char text[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    status->code = code;
    status->message = strdup(text);
    status->field = strdup(field);
}

/* Failures that can clear: the server down, restarting or slow. */
static int transient(int rc, const luma_status *status) {
    if (rc == LUMA_ERR_TIMEOUT) return 1;  /* luma_call() cancelled it; the connection stays usable */
    if (rc != LUMA_OK) return 0;
    return status->code == LUMA_CODE_UNAVAILABLE || status->code == LUMA_CODE_DEADLINE_EXCEEDED ||
           status->code == LUMA_CODE_ABORTED || status->code == LUMA_CODE_CANCELLED;
}

typedef struct {
    luma_conn *conn;
    const luma_metadata *metadata;
    size_t n_metadata;
    uint32_t deadline_ms;
    int attempts;
    uint32_t backoff_ms;
} uploader;

/* backoff_ms, 2x, 4x... at most 5 s, after `failures` consecutive failures. */
static void pause_after(const uploader *up, int failures) {
    uint64_t ms = up->backoff_ms;
    for (int i = 1; i < failures && ms < 5000; i++) ms *= 2;
    if (ms > 5000) ms = 5000;
    struct timespec wait = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {}
}

/* luma_call(), again after failures that can clear, up to the attempts. */
static int call_retrying(const uploader *up, const char *method, const ProtobufCMessage *request,
                         const ProtobufCMessageDescriptor *type, luma_status *status, ProtobufCMessage **response) {
    for (int failures = 0;;) {
        luma_status_clear(status);
        int rc = luma_call(up->conn, method, request, type, up->deadline_ms, up->metadata, up->n_metadata, status, response);
        if (!transient(rc, status) || failures + 1 >= up->attempts) return rc;
        pause_after(up, ++failures);
    }
}

static int get_upload(const uploader *up, const char *upload_id, luma_status *status, Luma__Media__V1__UploadSession **session) {
    Luma__Media__V1__GetUploadRequest request = LUMA__MEDIA__V1__GET_UPLOAD_REQUEST__INIT;
    request.upload_id = (char *)upload_id;
    return call_retrying(up, LUMA_MEDIA_GET_UPLOAD, &request.base, &luma__media__v1__upload_session__descriptor, status,
                         (ProtobufCMessage **)session);
}

static void free_session(Luma__Media__V1__UploadSession *session) {
    if (session) protobuf_c_message_free_unpacked(&session->base, NULL);
}

static void report(const luma_media_upload_options *options, const luma_media_upload_result *result) {
    if (options->progress) options->progress(result->stored, result->size, options->progress_context);
}

int luma_media_upload_file(luma_conn *conn, const char *path, const luma_media_upload_options *given,
                           const luma_metadata *metadata, size_t n_metadata,
                           luma_status *status, luma_media_upload_result *result) {
    if (!conn || !path || !status || !result || (n_metadata && !metadata)) return LUMA_ERR_ARGUMENT;
    memset(status, 0, sizeof *status);
    memset(result, 0, sizeof *result);
    luma_media_upload_options options = {0};
    if (given) options = *given;
    uploader up = {conn, metadata, n_metadata, options.deadline_ms ? options.deadline_ms : 30000,
                   options.attempts > 0 ? options.attempts : 6, options.backoff_ms ? options.backoff_ms : 200};

    int rc = LUMA_OK;
    Luma__Media__V1__UploadSession *session = NULL;
    uint8_t *chunk = NULL;
    char sha256[65] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        refuse(status, LUMA_CODE_INVALID_ARGUMENT, "file", "cannot read %s: %s", path, strerror(errno));
        return LUMA_OK;
    }
    int error = digest_fd(fd, sha256, &result->size);
    if (error == ENOMEM) {
        rc = LUMA_ERR_NO_MEMORY;
        goto done;
    }
    if (error != 0) {
        refuse(status, LUMA_CODE_INVALID_ARGUMENT, "file", "cannot read %s: %s", path, strerror(error));
        goto done;
    }
    if (result->size == 0) {
        refuse(status, LUMA_CODE_INVALID_ARGUMENT, "file", "%s is empty", path);
        goto done;
    }

    if (options.resume_upload_id) {
        /* Where the earlier run left it, from the server. */
        result->upload_id = strdup(options.resume_upload_id);
        if (!result->upload_id) {
            rc = LUMA_ERR_NO_MEMORY;
            goto done;
        }
        rc = get_upload(&up, options.resume_upload_id, status, &session);
        if (rc != LUMA_OK || status->code != 0) goto done;
        if (strcmp(session->sha256, sha256) != 0 || session->size != result->size) {
            refuse(status, LUMA_CODE_FAILED_PRECONDITION, "upload_id", "upload %s is of another file (sha256 %.12s...)",
                   options.resume_upload_id, session->sha256);
            goto done;
        }
    } else {
        const char *slash = strrchr(path, '/');
        Luma__Media__V1__StartUploadRequest start = LUMA__MEDIA__V1__START_UPLOAD_REQUEST__INIT;
        start.size = result->size;
        start.sha256 = sha256;
        start.kind = options.kind ? options.kind : LUMA__MEDIA__V1__MEDIA_KIND__MEDIA_KIND_VIDEO;
        start.file_name = (char *)(options.file_name ? options.file_name : slash ? slash + 1 : path);
        start.owner_creator_id = options.owner_creator_id;
        /* Not retried: a second StartUpload would open a second session. */
        rc = luma_media_start_upload(conn, &start, up.deadline_ms, metadata, n_metadata, status, &session);
        if (rc != LUMA_OK || status->code != 0) goto done;
        result->upload_id = strdup(session->upload_id);
        if (!result->upload_id) {
            rc = LUMA_ERR_NO_MEMORY;
            goto done;
        }
    }

    result->stored = session->next_offset;
    report(&options, result);
    /* A chunk and its envelope must fit in a frame this client accepts to send. */
    size_t chunk_size = session->chunk_size ? session->chunk_size : 1;
    if (chunk_size > LUMA_MAX_FRAME_SIZE - 4096) chunk_size = LUMA_MAX_FRAME_SIZE - 4096;
    chunk = malloc(chunk_size);
    if (!chunk) {
        rc = LUMA_ERR_NO_MEMORY;
        goto done;
    }
    int failures = 0;
    while (!session->finished && session->next_offset < session->size) {
        uint64_t offset = session->next_offset;
        size_t length = session->size - offset < chunk_size ? (size_t)(session->size - offset) : chunk_size;
        size_t have = 0;
        while (have < length) {
            ssize_t n = pread(fd, chunk + have, length - have, (off_t)(offset + have));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            have += (size_t)n;
        }
        if (have < length) {
            refuse(status, LUMA_CODE_FAILED_PRECONDITION, "file", "%s changed while it was uploaded (shorter than %llu bytes)",
                   path, (unsigned long long)session->size);
            goto done;
        }
        Luma__Media__V1__AppendChunkRequest append = LUMA__MEDIA__V1__APPEND_CHUNK_REQUEST__INIT;
        append.upload_id = session->upload_id;
        append.offset = offset;
        append.data.data = chunk;
        append.data.len = length;
        Luma__Media__V1__UploadSession *next = NULL;
        luma_status_clear(status);
        rc = luma_media_append_chunk(conn, &append, up.deadline_ms, metadata, n_metadata, status, &next);
        result->sent += length;
        if (rc == LUMA_OK && status->code == 0) {
            failures = 0;
        } else {
            /* The chunk may or may not be stored: ask the server where the session stands. */
            int clears = transient(rc, status) && failures + 1 < up.attempts;
            int wrong_offset = rc == LUMA_OK && status->code == LUMA_CODE_FAILED_PRECONDITION && status->field &&
                               strcmp(status->field, "offset") == 0;
            if (!clears && !wrong_offset) goto done;
            if (clears) pause_after(&up, ++failures);
            rc = get_upload(&up, session->upload_id, status, &next);
            if (rc != LUMA_OK || status->code != 0) goto done;
        }
        free_session(session);
        session = next;
        result->stored = session->next_offset;
        report(&options, result);
    }

    Luma__Media__V1__FinishUploadRequest finish = LUMA__MEDIA__V1__FINISH_UPLOAD_REQUEST__INIT;
    finish.upload_id = session->upload_id;
    rc = call_retrying(&up, LUMA_MEDIA_FINISH_UPLOAD, &finish.base, &luma__media__v1__media__descriptor, status,
                       (ProtobufCMessage **)&result->media);
    if (rc == LUMA_OK && status->code == 0) {
        result->media_id = result->media->id;
        if (result->stored != result->media->size) {
            /* A session that came back finished (the file was held already): report it whole. */
            result->stored = result->media->size;
            report(&options, result);
        }
    }
done:
    free(chunk);
    free_session(session);
    close(fd);
    return rc;
}
