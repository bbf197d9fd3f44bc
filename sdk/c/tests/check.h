/*
 * check.h — the C tests' one assertion: CHECK(condition, printf-style detail) prints
 * "ok   <condition>" or "FAIL <condition>: <detail>" and counts failures; a test's main()
 * returns `failures != 0`. Shared by client_test.c, media_test.c and tls_test.c.
 */
#ifndef LUMA_TESTS_CHECK_H
#define LUMA_TESTS_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(condition, ...)                                   \
    do {                                                        \
        if (condition) {                                        \
            printf("ok   %s\n", #condition);                    \
        } else {                                                \
            printf("FAIL %s: ", #condition);                    \
            printf(__VA_ARGS__);                                \
            printf("\n");                                       \
            failures++;                                         \
        }                                                       \
    } while (0)

#endif
