/* errcode, extended_errcode, errmsg, errstr: SQLite's codes and wording for
 * SQL errors and each constraint kind; success resets the code. */
#include "check.h"

static void expect_exec(sqlvibe *db, const char *sql, int code, int ext, const char *msg) {
    char *err = NULL;
    CHECK_INT(sqlvibe_exec(db, sql, NULL, NULL, &err), code);
    CHECK_INT(sqlvibe_errcode(db), code);
    CHECK_INT(sqlvibe_extended_errcode(db), ext);
    CHECK_STR(sqlvibe_errmsg(db), msg);
    CHECK_STR(err, msg);
    sqlvibe_free(err);
}

int main(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, u TEXT UNIQUE, nn INTEGER NOT NULL,"
                " c INTEGER CHECK (c > 0))");
    EXEC_OK(db, "CREATE TABLE p(a, b, PRIMARY KEY(a, b))");
    EXEC_OK(db, "INSERT INTO t VALUES(1, 'x', 1, 1)");
    EXEC_OK(db, "INSERT INTO p VALUES(1, 2)");

    expect_exec(db, "SELECT * FROM missing", SQLVIBE_ERROR, SQLVIBE_ERROR, "no such table: missing");
    expect_exec(db, "SELECT nope FROM t", SQLVIBE_ERROR, SQLVIBE_ERROR, "no such column: nope");
    expect_exec(db, "SELEKT 1", SQLVIBE_ERROR, SQLVIBE_ERROR, "near \"SELEKT\": syntax error");
    expect_exec(db, "CREATE TABLE t(x)", SQLVIBE_ERROR, SQLVIBE_ERROR, "table t already exists");
    expect_exec(db, "INSERT INTO t VALUES(2, 'x', 1, 1)", SQLVIBE_CONSTRAINT, SQLVIBE_CONSTRAINT_UNIQUE,
                "UNIQUE constraint failed: t.u");
    expect_exec(db, "INSERT INTO t VALUES(1, 'y', 1, 1)", SQLVIBE_CONSTRAINT, SQLVIBE_CONSTRAINT_PRIMARYKEY,
                "UNIQUE constraint failed: t.id");
    expect_exec(db, "INSERT INTO p VALUES(1, 2)", SQLVIBE_CONSTRAINT, SQLVIBE_CONSTRAINT_PRIMARYKEY,
                "UNIQUE constraint failed: p.a, p.b");
    expect_exec(db, "INSERT INTO t VALUES(3, 'z', NULL, 1)", SQLVIBE_CONSTRAINT, SQLVIBE_CONSTRAINT_NOTNULL,
                "NOT NULL constraint failed: t.nn");
    expect_exec(db, "INSERT INTO t VALUES(4, 'w', 1, 0)", SQLVIBE_CONSTRAINT, SQLVIBE_CONSTRAINT_CHECK,
                "CHECK constraint failed: c > 0");

    /* A success resets the code and message. */
    EXEC_OK(db, "SELECT 1");
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_extended_errcode(db), SQLVIBE_OK);
    CHECK_STR(sqlvibe_errmsg(db), "not an error");

    /* A failed statement inside a transaction leaves the transaction going. */
    EXEC_OK(db, "BEGIN");
    EXEC_OK(db, "INSERT INTO t VALUES(10, 'ten', 1, 1)");
    expect_exec(db, "INSERT INTO t VALUES(11, 'eleven', 1, 1), (12, 'ten', 1, 1)", SQLVIBE_CONSTRAINT,
                SQLVIBE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: t.u");
    CHECK_INT(sqlvibe_get_autocommit(db), 0);
    EXEC_OK(db, "COMMIT");
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 2);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);

    /* errstr: SQLite's texts. */
    CHECK_STR(sqlvibe_errstr(SQLVIBE_OK), "not an error");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_ERROR), "SQL logic error");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_ABORT), "query aborted");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_BUSY), "database is locked");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_NOMEM), "out of memory");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_READONLY), "attempt to write a readonly database");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_INTERRUPT), "interrupted");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_CORRUPT), "database disk image is malformed");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_CANTOPEN), "unable to open database file");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_CONSTRAINT), "constraint failed");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_CONSTRAINT_UNIQUE), "constraint failed");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_MISMATCH), "datatype mismatch");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_MISUSE), "bad parameter or other API misuse");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_RANGE), "column index out of range");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_NOTADB), "file is not a database");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_ROW), "another row available");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_DONE), "no more rows available");
    CHECK_STR(sqlvibe_errstr(SQLVIBE_INTERNAL), "unknown error");
    CHECK_STR(sqlvibe_errstr(999), "unknown error");
    CHECK_STR(sqlvibe_errstr(-1), "unknown error");

    /* Codes with SQLite's numbers. */
    CHECK_INT(SQLVIBE_CONSTRAINT_UNIQUE, 2067);
    CHECK_INT(SQLVIBE_CONSTRAINT_NOTNULL, 1299);
    CHECK_INT(SQLVIBE_CONSTRAINT_PRIMARYKEY, 1555);
    CHECK_INT(SQLVIBE_CONSTRAINT_CHECK, 275);
    CHECK_INT(SQLVIBE_ROW, 100);
    CHECK_INT(SQLVIBE_DONE, 101);

    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    return CHECK_SUMMARY("errors");
}
