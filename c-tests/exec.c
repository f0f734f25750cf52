/* sqlvibe_exec: several statements, the row callback (texts, NULLs, names),
 * abort by callback, *errmsg allocation and freeing, changes counters. */
#include "check.h"

struct rows {
    int calls;
    char buf[512];
};

static int collect(void *arg, int n, char **vals, char **names) {
    struct rows *r = arg;
    r->calls++;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(r->buf);
        snprintf(r->buf + len, sizeof r->buf - len, "%s%s=%s", i ? "," : (r->calls > 1 ? ";" : ""),
                 names[i], vals[i] ? vals[i] : "NULL");
    }
    return 0;
}

static int stop_after_first(void *arg, int n, char **vals, char **names) {
    (void)n, (void)vals, (void)names;
    ((struct rows *)arg)->calls++;
    return 1;
}

/* The callback may use the connection itself (nested prepare/step). */
static int nested(void *arg, int n, char **vals, char **names) {
    sqlvibe *db = arg;
    sqlvibe_stmt *st = NULL;
    (void)n, (void)names;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT count(*) FROM t WHERE a <= ?", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_bind_text(st, 1, vals[0], -1, SQLVIBE_TRANSIENT), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), atoi(vals[0]));
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    return 0;
}

int main(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);

    char *err = (char *)1;
    CHECK_INT(sqlvibe_exec(db,
                           "CREATE TABLE t(a INTEGER, b TEXT, c REAL);"
                           "INSERT INTO t VALUES(1, 'x', 1.5);"
                           "INSERT INTO t VALUES(2, NULL, 2.0);"
                           "INSERT INTO t VALUES(3, 'z', NULL);",
                           NULL, NULL, &err),
              SQLVIBE_OK);
    CHECK(err == NULL);
    sqlvibe_free(err);
    CHECK_INT(sqlvibe_changes(db), 1);
    CHECK_INT(sqlvibe_total_changes(db), 3);
    CHECK_INT(sqlvibe_last_insert_rowid(db), 3);

    struct rows r = {0, ""};
    CHECK_INT(sqlvibe_exec(db, "SELECT a, b, c AS cc FROM t ORDER BY a", collect, &r, NULL), SQLVIBE_OK);
    CHECK_INT(r.calls, 3);
    CHECK_STR(r.buf, "a=1,b=x,cc=1.5;a=2,b=NULL,cc=2.0;a=3,b=z,cc=NULL");

    CHECK_INT(sqlvibe_exec(db, "SELECT a FROM t ORDER BY a", nested, db, NULL), SQLVIBE_OK);

    /* No rows: the callback is never called. */
    struct rows none = {0, ""};
    CHECK_INT(sqlvibe_exec(db, "SELECT * FROM t WHERE a > 100", collect, &none, NULL), SQLVIBE_OK);
    CHECK_INT(none.calls, 0);

    /* Non-zero from the callback aborts; later statements do not run. */
    struct rows one = {0, ""};
    err = NULL;
    CHECK_INT(sqlvibe_exec(db, "SELECT a FROM t; INSERT INTO t VALUES(9, 'no', 0)", stop_after_first, &one, &err),
              SQLVIBE_ABORT);
    CHECK_INT(one.calls, 1);
    CHECK_STR(err, "query aborted");
    CHECK_STR(sqlvibe_errmsg(db), "query aborted");
    sqlvibe_free(err);
    struct rows cnt = {0, ""};
    CHECK_INT(sqlvibe_exec(db, "SELECT count(*) FROM t", collect, &cnt, NULL), SQLVIBE_OK);
    CHECK_STR(cnt.buf, "count(*)=3");

    /* Errors: message in *errmsg (caller frees), code on the connection. */
    err = NULL;
    CHECK_INT(sqlvibe_exec(db, "SELECT nope FROM t", NULL, NULL, &err), SQLVIBE_ERROR);
    CHECK_STR(err, "no such column: nope");
    sqlvibe_free(err);
    err = NULL;
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES(4, 'w', 0); SELEC 1", NULL, NULL, &err), SQLVIBE_ERROR);
    CHECK_STR(err, "near \"SELEC\": syntax error");
    sqlvibe_free(err);
    /* The statement before the error ran. */
    struct rows four = {0, ""};
    CHECK_INT(sqlvibe_exec(db, "SELECT b FROM t WHERE a = 4", collect, &four, NULL), SQLVIBE_OK);
    CHECK_STR(four.buf, "b=w");

    /* Constraint errors keep their extended code. */
    EXEC_OK(db, "CREATE UNIQUE INDEX tb ON t(b)");
    err = NULL;
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES(5, 'x', 0)", NULL, NULL, &err), SQLVIBE_CONSTRAINT);
    CHECK_INT(sqlvibe_extended_errcode(db), SQLVIBE_CONSTRAINT_UNIQUE);
    CHECK_STR(err, "UNIQUE constraint failed: t.b");
    sqlvibe_free(err);

    /* Empty and NULL SQL are no-ops; errmsg may be NULL. */
    err = (char *)1;
    CHECK_INT(sqlvibe_exec(db, "", NULL, NULL, &err), SQLVIBE_OK);
    CHECK(err == NULL);
    if (err != (char *)1) sqlvibe_free(err);
    CHECK_INT(sqlvibe_exec(db, "  ; -- nothing\n ;", NULL, NULL, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_exec(db, NULL, NULL, NULL, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);

    /* UPDATE/DELETE change counts. */
    EXEC_OK(db, "UPDATE t SET c = 0 WHERE a <= 2");
    CHECK_INT(sqlvibe_changes(db), 2);
    EXEC_OK(db, "DELETE FROM t");
    CHECK_INT(sqlvibe_changes(db), 4);

    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("exec");
}
