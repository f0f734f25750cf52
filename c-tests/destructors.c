/* Bound-value destructors run exactly once, with the data pointer, in every
 * path: success then finalize, rebind, clear_bindings, failed binds (bad
 * index, statement running, NULL statement), zombie connections. reset and
 * SQLVIBE_STATIC/SQLVIBE_TRANSIENT never call anything. */
#include "check.h"

#define NBUF 16
static char bufs[NBUF][8];
static int calls[NBUF];
static int stray;

static void dtor(void *p) {
    for (int i = 0; i < NBUF; i++) {
        if (p == bufs[i]) {
            calls[i]++;
            return;
        }
    }
    stray++;
}

/* A heap copy freed by its destructor: valgrind proves one free, no leak. */
static void free_dtor(void *p) { free(p); }

static char *heap_text(const char *s) {
    char *p = malloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

int main(void) {
    sqlvibe *db = NULL;
    sqlvibe_stmt *st = NULL;
    for (int i = 0; i < NBUF; i++) snprintf(bufs[i], sizeof bufs[i], "v%d", i);
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?, ?, ?", -1, &st, NULL), SQLVIBE_OK);

    /* Success: kept until the value is replaced. */
    CHECK_INT(sqlvibe_bind_text(st, 1, bufs[0], -1, dtor), SQLVIBE_OK);
    CHECK_INT(calls[0], 0);
    CHECK_INT(sqlvibe_bind_text(st, 1, bufs[1], -1, dtor), SQLVIBE_OK);
    CHECK_INT(calls[0], 1);
    CHECK_INT(calls[1], 0);
    /* Replacing with a non-text value also releases it. */
    CHECK_INT(sqlvibe_bind_int(st, 1, 7), SQLVIBE_OK);
    CHECK_INT(calls[1], 1);

    /* Failed binds call it at once. */
    CHECK_INT(sqlvibe_bind_text(st, 0, bufs[2], -1, dtor), SQLVIBE_RANGE);
    CHECK_INT(calls[2], 1);
    CHECK_INT(sqlvibe_bind_blob(st, 4, bufs[3], 2, dtor), SQLVIBE_RANGE);
    CHECK_INT(calls[3], 1);
    CHECK_INT(sqlvibe_bind_text(NULL, 1, bufs[4], -1, dtor), SQLVIBE_MISUSE);
    CHECK_INT(calls[4], 1);

    /* reset keeps bindings (no call); clear_bindings releases them. */
    CHECK_INT(sqlvibe_bind_text(st, 2, bufs[5], -1, dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob(st, 3, bufs[6], 3, dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_STR(sqlvibe_column_text(st, 1), "v5");
    /* Binding while the statement runs is misuse: called at once, old kept. */
    CHECK_INT(sqlvibe_bind_text(st, 2, bufs[7], -1, dtor), SQLVIBE_MISUSE);
    CHECK_INT(calls[7], 1);
    CHECK_INT(calls[5], 0);
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_OK);
    CHECK_INT(calls[5], 0);
    CHECK_INT(calls[6], 0);
    CHECK_INT(sqlvibe_clear_bindings(st), SQLVIBE_OK);
    CHECK_INT(calls[5], 1);
    CHECK_INT(calls[6], 1);
    CHECK_INT(sqlvibe_clear_bindings(st), SQLVIBE_OK);
    CHECK_INT(calls[5], 1);

    /* NULL data binds NULL and is never passed to the destructor. */
    CHECK_INT(sqlvibe_bind_text(st, 1, NULL, -1, dtor), SQLVIBE_OK);
    CHECK_INT(stray, 0);

    /* STATIC and TRANSIENT: nothing is called; TRANSIENT data may go away. */
    char scratch[8] = "temp";
    CHECK_INT(sqlvibe_bind_text(st, 1, bufs[8], -1, SQLVIBE_STATIC), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 2, scratch, -1, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    memset(scratch, 'X', sizeof scratch - 1);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_STR(sqlvibe_column_text(st, 1), "temp");
    CHECK_INT(sqlvibe_reset(st), SQLVIBE_OK);

    /* Heap data handed over with free(): freed exactly once at finalize. */
    CHECK_INT(sqlvibe_bind_text(st, 3, heap_text("heap"), -1, free_dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 2, bufs[9], 2, dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    CHECK_INT(calls[9], 1);
    CHECK_INT(calls[8], 0);

    /* A zombie connection: destructors run at the finalize that frees it. */
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_blob(st, 1, bufs[10], 4, dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_close_v2(db), SQLVIBE_OK);
    CHECK_INT(calls[10], 0);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    CHECK_INT(calls[10], 1);

#ifndef USE_SQLITE
    /* sqlvibe-only failures (SQLite accepts these): also called at once. */
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLVIBE_OK);
    memcpy(bufs[11], "\xff\xfe", 3);
    CHECK_INT(sqlvibe_bind_text(st, 1, bufs[11], -1, dtor), SQLVIBE_MISUSE);
    CHECK_INT(calls[11], 1);
    CHECK_INT(sqlvibe_bind_text64(st, 1, bufs[12], 2, dtor, 2), SQLVIBE_MISUSE);
    CHECK_INT(calls[12], 1);
    CHECK_INT(sqlvibe_bind_text64(NULL, 1, bufs[13], 2, dtor, SQLVIBE_UTF8), SQLVIBE_MISUSE);
    CHECK_INT(calls[13], 1);
    CHECK_INT(sqlvibe_bind_blob64(st, 1, bufs[14], 2, dtor), SQLVIBE_OK);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    CHECK_INT(calls[14], 1);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
#endif

    /* Nobody was called twice, and nothing unknown was passed. */
    for (int i = 0; i < NBUF; i++) CHECK(calls[i] <= 1);
    CHECK_INT(stray, 0);
    return CHECK_SUMMARY("destructors");
}
