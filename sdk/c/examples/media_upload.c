/*
 * media_upload — uploads a video to a running media-store, resumably, and prints its media id.
 *
 *   make -C sdk/c                                  # or, installed: cc ... $(pkg-config --cflags --libs luma-rpc)
 *   LUMA_TOKEN=$(lumactl token mint --role creator --creator 1) \
 *     sdk/c/build/media_upload 127.0.0.1 7104 video.mp4 [UPLOAD_ID]
 *
 * Progress goes to stderr. If the upload stops part-way (the server unreachable for longer than
 * the retries), it prints the session's id: run it again with that id to send only the rest.
 * The token is read from LUMA_TOKEN as in verse_lookup.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "luma_media.h"

static void show_progress(uint64_t stored, uint64_t size, void *context) {
    (void)context;
    fprintf(stderr, "\r%" PRIu64 " of %" PRIu64 " bytes (%d%%)", stored, size, size ? (int)(stored * 100 / size) : 100);
    if (stored == size) fprintf(stderr, "\n");
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: LUMA_TOKEN=TOKEN %s HOST PORT FILE [UPLOAD_ID]\n"
                        "  UPLOAD_ID: continue an interrupted upload of the same file\n", argv[0]);
        return 2;
    }
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

    luma_media_upload_options options = {0};
    options.kind = LUMA__MEDIA__V1__MEDIA_KIND__MEDIA_KIND_VIDEO;
    options.resume_upload_id = argc > 4 ? argv[4] : NULL;
    options.progress = show_progress;
    luma_status status = {0};
    luma_media_upload_result result = {0};
    rc = luma_media_upload_file(conn, argv[3], &options, metadata, n_metadata, &status, &result);
    int failed = rc != LUMA_OK || status.code != 0;
    if (!failed) {
        Luma__Media__V1__Media *media = result.media;
        printf("media %" PRId64 ": %" PRIu64 " bytes, %ux%u, %u ms, %s/%s, thumbnail %" PRId64 "\n", media->id, media->size,
               media->width, media->height, media->duration_ms, media->video_codec, media->audio_codec, media->thumbnail_id);
    } else {
        if (rc != LUMA_OK) fprintf(stderr, "\n%s\n", luma_strerror(rc));
        else fprintf(stderr, "\n%s: %s\n", luma_code_name(status.code), status.message ? status.message : "");
        /* A failure that can clear (the connection, or the server down or slow): resumable. */
        int resumable = rc != LUMA_OK || status.code == LUMA_CODE_UNAVAILABLE || status.code == LUMA_CODE_DEADLINE_EXCEEDED ||
                        status.code == LUMA_CODE_ABORTED || status.code == LUMA_CODE_CANCELLED;
        if (resumable && result.upload_id && result.stored < result.size)
            fprintf(stderr, "upload %s holds %" PRIu64 " of %" PRIu64 " bytes; to continue: %s %s %s %s %s\n", result.upload_id,
                    result.stored, result.size, argv[0], argv[1], argv[2], argv[3], result.upload_id);
    }
    luma_media_upload_result_clear(&result);
    luma_status_clear(&status);
    luma_close(conn);
    return failed;
}
