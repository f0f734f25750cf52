/* Row quotas through the C API: sqlvibe_table_max_rows (per-table limits,
 * inherit, unlimited, persisted, transactional, bad arguments), PRAGMA
 * max_rows and max_rows_status, and SQLVIBE_FULL with its message. SQLite
 * has no quotas: built with -DUSE_SQLITE only the quota-free part runs
 * (every insert succeeds there). */
#include "check.h"
#include <unistd.h>

static char path[256];

static long long one_int(sqlvibe *db, const char *sql) {
    sqlvibe_stmt *st = NULL;
    long long v = -999;
    CHECK_INT(sqlvibe_prepare_v2(db, sql, -1, &st, NULL), SQLVIBE_OK);
    if (sqlvibe_step(st) == SQLVIBE_ROW) v = sqlvibe_column_int64(st, 0);
    sqlvibe_finalize(st);
    return v;
}

static void remove_files(void) {
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

#ifndef USE_SQLITE
/* Concatenates the rows of PRAGMA max_rows_status as "t|rows|max;". */
static int status_row(void *out, int n, char **vals, char **names) {
    (void)names;
    char *s = out;
    for (int i = 0; i < n; i++) {
        strcat(s, vals[i] ? vals[i] : "NULL");
        strcat(s, i + 1 < n ? "|" : ";");
    }
    return 0;
}

static void test_limits(void) {
    sqlvibe *db = NULL;
    char status[256] = "";
    CHECK_INT(sqlvibe_open(path, &db), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(a); CREATE TABLE u(a); CREATE TABLE w(a); PRAGMA max_rows = 3");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "t", 2), SQLVIBE_OK);
    CHECK_INT(sqlvibe_table_max_rows(db, "main", "u", 0), SQLVIBE_OK);
    EXEC_OK(db, "INSERT INTO t VALUES (1), (2)");
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLVIBE_FULL);
    CHECK_INT(sqlvibe_extended_errcode(db), SQLVIBE_FULL);
    CHECK_STR(sqlvibe_errmsg(db), "max_rows limit (2) reached for table t");
    /* u is unlimited, w inherits max_rows = 3; the failed statement left nothing. */
    EXEC_OK(db, "INSERT INTO u VALUES (1), (2), (3), (4)");
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO w VALUES (1), (2), (3), (4)", NULL, NULL, NULL), SQLVIBE_FULL);
    CHECK_STR(sqlvibe_errmsg(db), "max_rows limit (3) reached for table w");
    CHECK_INT(one_int(db, "SELECT count(*) FROM w"), 0);
    CHECK_INT(one_int(db, "PRAGMA max_rows"), 3);
    EXEC_OK(db, "DELETE FROM t WHERE a = 1; INSERT INTO t VALUES (3)");
    CHECK_INT(sqlvibe_exec(db, "PRAGMA max_rows_status", status_row, status, NULL), SQLVIBE_OK);
    CHECK_STR(status, "t|2|2;u|4|0;w|0|3;");
    /* Inside a transaction the setting is undone by ROLLBACK. */
    EXEC_OK(db, "BEGIN");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "u", 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO u VALUES (5)", NULL, NULL, NULL), SQLVIBE_FULL);
    EXEC_OK(db, "ROLLBACK");
    EXEC_OK(db, "INSERT INTO u VALUES (5)");
    /* Back to inheriting max_rows (3), with 2 rows in t. */
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "t", -1), SQLVIBE_OK);
    EXEC_OK(db, "INSERT INTO t VALUES (4)");
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES (5)", NULL, NULL, NULL), SQLVIBE_FULL);
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "t", 4), SQLVIBE_OK);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);

    /* Persisted: a new connection sees limits and counts. */
    CHECK_INT(sqlvibe_open(path, &db), SQLVIBE_OK);
    EXEC_OK(db, "INSERT INTO t VALUES (5)");
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES (6)", NULL, NULL, NULL), SQLVIBE_FULL);
    CHECK_STR(sqlvibe_errmsg(db), "max_rows limit (4) reached for table t");
    CHECK_INT(one_int(db, "SELECT count(*) FROM t"), 4);
    CHECK_INT(one_int(db, "SELECT count(*) FROM u"), 5);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_bad_arguments(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_table_max_rows(NULL, NULL, "t", 1), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(a); CREATE VIEW v AS SELECT 1; CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT)");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, NULL, 1), SQLVIBE_MISUSE);
    CHECK_STR(sqlvibe_errmsg(db), "table name is NULL");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "nosuch", 1), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(db), "no such table: nosuch");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "v", 1), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(db), "no such table: v");
    CHECK_INT(sqlvibe_table_max_rows(db, "temp", "t", 1), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(db), "unknown database temp");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "sqlite_sequence", 1), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(db), "table sqlite_sequence may not have a row limit");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "t", -2), SQLVIBE_RANGE);
    CHECK_STR(sqlvibe_errmsg(db), "max_rows out of range: -2 (use -1, 0 or a positive count)");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "\xff\xfe", 1), SQLVIBE_MISUSE);
    CHECK_STR(sqlvibe_errmsg(db), "table name is not valid UTF-8");
    /* Nothing above changed anything or left a transaction open. */
    CHECK_INT(sqlvibe_get_autocommit(db), 1);
    EXEC_OK(db, "INSERT INTO t VALUES (1), (2), (3)");
    CHECK_INT(sqlvibe_table_max_rows(db, NULL, "t", 1), SQLVIBE_OK);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}
#else
/* SQLite has no quotas: the same statements all succeed. */
static void test_no_quotas(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(path, &db), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(a); PRAGMA max_rows = 3");
    EXEC_OK(db, "INSERT INTO t VALUES (1), (2), (3), (4)");
    CHECK_INT(one_int(db, "SELECT count(*) FROM t"), 4);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}
#endif

int main(void) {
    snprintf(path, sizeof path, "/tmp/sqlvibe-max-rows-%d.db", (int)getpid());
    remove_files();
#ifndef USE_SQLITE
    test_limits();
    test_bad_arguments();
#else
    test_no_quotas();
#endif
    remove_files();
    return CHECK_SUMMARY("max_rows");
}
