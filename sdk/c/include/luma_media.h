/*
 * luma_media.h — media-store (luma.media.v1.MediaStore, proto/luma/media/v1/media.proto) from C:
 * its calls, and luma_media_upload_file(), the client side of the chunk protocol.
 *
 * The calls are luma_call() with the method name and the response type filled in: the same
 * arguments, return values and memory rules as luma_call() (luma_rpc.h). On LUMA_OK with
 * status->code 0, *response is set; free it with protobuf_c_message_free_unpacked(&(*response)->base, NULL).
 *
 * An upload is a session of calls (docs/media.md):
 *   StartUpload(size, sha256 hex, kind) -> upload_id, next_offset, chunk_size
 *   AppendChunk(upload_id, offset, data) -> next_offset      repeated, at most chunk_size bytes each
 *   GetUpload(upload_id)                 -> next_offset      after any failure: ask, never guess
 *   FinishUpload(upload_id)              -> Media            the file is checked (sha256, ffprobe)
 * luma_media_upload_file() does all of it for a file on disk, resumably.
 *
 * Link with libcrypto as well (the helper hashes with OpenSSL's SHA-256); pkg-config's
 * luma-rpc.pc says so.
 */
#ifndef LUMA_MEDIA_H
#define LUMA_MEDIA_H

#include "luma_rpc.h"
#include "luma/media/v1/media.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Full method names, for luma_send()/luma_call(). */
#define LUMA_MEDIA_START_UPLOAD  "luma.media.v1.MediaStore/StartUpload"
#define LUMA_MEDIA_GET_UPLOAD    "luma.media.v1.MediaStore/GetUpload"
#define LUMA_MEDIA_APPEND_CHUNK  "luma.media.v1.MediaStore/AppendChunk"
#define LUMA_MEDIA_FINISH_UPLOAD "luma.media.v1.MediaStore/FinishUpload"
#define LUMA_MEDIA_CANCEL_UPLOAD "luma.media.v1.MediaStore/CancelUpload"
#define LUMA_MEDIA_GET_MEDIA     "luma.media.v1.MediaStore/GetMedia"
#define LUMA_MEDIA_READ_MEDIA    "luma.media.v1.MediaStore/ReadMedia"
#define LUMA_MEDIA_CHECK_MEDIA   "luma.media.v1.MediaStore/CheckMedia"

/* Opens a session (a file the owner already holds comes back finished, with media_id). */
int luma_media_start_upload(luma_conn *conn, const Luma__Media__V1__StartUploadRequest *request, uint32_t deadline_ms,
                            const luma_metadata *metadata, size_t n_metadata,
                            luma_status *status, Luma__Media__V1__UploadSession **response);

/* Where a session stands (next_offset): what to ask after any failure. */
int luma_media_get_upload(luma_conn *conn, const Luma__Media__V1__GetUploadRequest *request, uint32_t deadline_ms,
                          const luma_metadata *metadata, size_t n_metadata,
                          luma_status *status, Luma__Media__V1__UploadSession **response);

/* Writes data at offset (must be next_offset; a chunk ending at or before it is acknowledged
 * without writing; any other offset: FAILED_PRECONDITION, field "offset"). */
int luma_media_append_chunk(luma_conn *conn, const Luma__Media__V1__AppendChunkRequest *request, uint32_t deadline_ms,
                            const luma_metadata *metadata, size_t n_metadata,
                            luma_status *status, Luma__Media__V1__UploadSession **response);

/* Checks the whole file and answers its media; a refusal is FAILED_PRECONDITION saying why. */
int luma_media_finish_upload(luma_conn *conn, const Luma__Media__V1__FinishUploadRequest *request, uint32_t deadline_ms,
                             const luma_metadata *metadata, size_t n_metadata,
                             luma_status *status, Luma__Media__V1__Media **response);

/* Ends a session and drops its bytes. */
int luma_media_cancel_upload(luma_conn *conn, const Luma__Media__V1__CancelUploadRequest *request, uint32_t deadline_ms,
                             const luma_metadata *metadata, size_t n_metadata,
                             luma_status *status, Luma__Media__V1__CancelUploadResponse **response);

int luma_media_get_media(luma_conn *conn, const Luma__Media__V1__GetMediaRequest *request, uint32_t deadline_ms,
                         const luma_metadata *metadata, size_t n_metadata,
                         luma_status *status, Luma__Media__V1__Media **response);

/* At most chunk_size bytes of a stored file from offset. */
int luma_media_read_media(luma_conn *conn, const Luma__Media__V1__ReadMediaRequest *request, uint32_t deadline_ms,
                          const luma_metadata *metadata, size_t n_metadata,
                          luma_status *status, Luma__Media__V1__ReadMediaResponse **response);

/* Which of these media exist (admin and service tokens). */
int luma_media_check_media(luma_conn *conn, const Luma__Media__V1__CheckMediaRequest *request, uint32_t deadline_ms,
                           const luma_metadata *metadata, size_t n_metadata,
                           luma_status *status, Luma__Media__V1__CheckMediaResponse **response);

/* Called with the bytes the server holds, of the file's size: once the session is open, after
 * every chunk's answer, and once more if finishing found the file whole. It runs between calls on
 * the same thread (the result's upload_id is already set), so it may use the connection. */
typedef void (*luma_media_progress_fn)(uint64_t stored, uint64_t size, void *context);

/* What luma_media_upload_file() takes; zero (or NULL) for each default. */
typedef struct {
    Luma__Media__V1__MediaKind kind;      /* 0: LUMA__MEDIA__V1__MEDIA_KIND__MEDIA_KIND_VIDEO */
    const char *file_name;                /* shown to people; NULL: the path's last component */
    int64_t owner_creator_id;             /* an admin uploading for a creator; 0: the caller */
    const char *resume_upload_id;         /* continue this session (of the same file); NULL: start one */
    uint32_t deadline_ms;                 /* per call; 0: 30000 */
    int attempts;                         /* consecutive failed calls tolerated; 0: 6 */
    uint32_t backoff_ms;                  /* first pause after a failure, doubling to 5 s; 0: 200 */
    luma_media_progress_fn progress;      /* NULL: none */
    void *progress_context;               /* passed to progress */
} luma_media_upload_options;

/* What luma_media_upload_file() reports; free with luma_media_upload_result_clear(). */
typedef struct {
    int64_t media_id;                     /* the checked media's id; 0 unless finished */
    Luma__Media__V1__Media *media;        /* the checked media (size, codecs, thumbnail_id...), or NULL */
    char *upload_id;                      /* the session, once open: resume_upload_id after a failure */
    uint64_t size;                        /* the file's bytes */
    uint64_t stored;                      /* what the server last said it holds */
    uint64_t sent;                        /* chunk bytes this call sent (a resume skips what is stored) */
} luma_media_upload_result;

/*
 * Uploads the file at `path`: hashes it (SHA-256), starts a session (or, with
 * options->resume_upload_id, asks GetUpload where that one stands, and refuses a session of
 * another file), sends chunks of at most chunk_size bytes from the server's next_offset, and
 * finishes. After a chunk fails (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED, or no answer
 * in time) it pauses and asks GetUpload instead of guessing; a chunk refused for its offset
 * (another writer got there first) is followed by GetUpload at once.
 *
 * Returns like luma_call(): LUMA_OK with status->code 0 when the media is stored (result->media_id,
 * result->media); LUMA_OK with a status when the upload was refused — the server's (e.g.
 * FAILED_PRECONDITION "1920x1080 is landscape; shorts are vertical", or UNAVAILABLE once the
 * attempts ran out) or the helper's own with field "file" (cannot read it, it is empty, it
 * changed while it was sent) or "upload_id" (resume_upload_id is of another file); a negative
 * luma_err when the connection failed. Whenever a session was opened, result->upload_id names it:
 * after a transient status or a transport error, connect again and pass it as resume_upload_id.
 */
int luma_media_upload_file(luma_conn *conn, const char *path, const luma_media_upload_options *options,
                           const luma_metadata *metadata, size_t n_metadata,
                           luma_status *status, luma_media_upload_result *result);

/* Frees result->media and result->upload_id and zeroes the result. */
void luma_media_upload_result_clear(luma_media_upload_result *result);

/* The file's SHA-256 as 64 lower-case hex digits (hex must hold 65 bytes) and its size.
 * Returns LUMA_OK, or LUMA_ERR_ARGUMENT when the file cannot be read. */
int luma_media_file_digest(const char *path, char hex[65], uint64_t *size);

#ifdef __cplusplus
}
#endif

#endif /* LUMA_MEDIA_H */
