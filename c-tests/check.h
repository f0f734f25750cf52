/* The C tests' tiny harness: CHECK* macros count outcomes, and
 * CHECK_SUMMARY() prints "NAME: N passed, N failed" and yields the exit code.
 * Compiled against include/sqlvibe.h, or with -DUSE_SQLITE against SQLite
 * itself to confirm each expectation is what SQLite does. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef USE_SQLITE
#include "sqlvibe_on_sqlite3.h"
#else
#include "sqlvibe.h"
#endif

static int check_passed;
static int check_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            check_passed++;                                                      \
        } else {                                                                 \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_INT(got, want)                                                     \
    do {                                                                         \
        long long g_ = (long long)(got), w_ = (long long)(want);                 \
        if (g_ == w_) {                                                          \
            check_passed++;                                                      \
        } else {                                                                 \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
        }                                                                        \
    } while (0)

#define CHECK_STR(got, want)                                                     \
    do {                                                                         \
        const char *g_ = (const char *)(got), *w_ = (const char *)(want);        \
        if ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)) {   \
            check_passed++;                                                      \
        } else {                                                                 \
            check_failed++;                                                      \
            fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                     \
        }                                                                        \
    } while (0)

/* n bytes at got equal want; a NULL got is a mismatch, never a crash. */
static inline int bytes_equal(const void *got, const void *want, size_t n) {
    return got != NULL && memcmp(got, want, n) == 0;
}

/* Runs SQL that must succeed (setup steps). */
#define EXEC_OK(db, sql) CHECK_INT(sqlvibe_exec((db), (sql), NULL, NULL, NULL), SQLVIBE_OK)

#define CHECK_SUMMARY(name)                                                      \
    (printf("%s: %d passed, %d failed\n", (name), check_passed, check_failed),  \
     check_failed ? 1 : 0)

#endif /* CHECK_H */
