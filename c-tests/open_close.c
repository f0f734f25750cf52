/* open, open_v2 (flags), close, close_v2 (zombie), reopen persistence,
 * get_autocommit, busy_timeout, libversion. */
#include "check.h"
#include <unistd.h>

static char path[256];

static void test_open_memory(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    CHECK(db != NULL);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_OK);
    CHECK_STR(sqlvibe_errmsg(db), "not an error");
    CHECK_INT(sqlvibe_get_autocommit(db), 1);
    CHECK_INT(sqlvibe_busy_timeout(db, 100), SQLVIBE_OK);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_open_v2_flags(void) {
    sqlvibe *db = (sqlvibe *)1;
    /* A missing file without CREATE cannot be opened, but a handle comes back. */
    unlink(path);
    CHECK_INT(sqlvibe_open_v2(path, &db, SQLVIBE_OPEN_READWRITE, NULL), SQLVIBE_CANTOPEN);
    CHECK(db != NULL);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_CANTOPEN);
    CHECK_STR(sqlvibe_errmsg(db), "unable to open database file");
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    CHECK(access(path, F_OK) != 0);

    /* Invalid flag combinations are misuse; the handle reports it. */
    CHECK_INT(sqlvibe_open_v2(path, &db, 0, NULL), SQLVIBE_MISUSE);
    CHECK(db != NULL);
    CHECK_INT(sqlvibe_errcode(db), SQLVIBE_MISUSE);
    CHECK_STR(sqlvibe_errmsg(db), "bad parameter or other API misuse");
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_open_v2(path, &db, SQLVIBE_OPEN_CREATE, NULL), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    CHECK(access(path, F_OK) != 0);

    /* A directory that does not exist. */
    CHECK_INT(sqlvibe_open_v2("/nonexistent-dir/x.db", &db,
                              SQLVIBE_OPEN_READWRITE | SQLVIBE_OPEN_CREATE, NULL),
              SQLVIBE_CANTOPEN);
    CHECK(db != NULL);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);

    /* READWRITE|CREATE creates it; the data survives a reopen. */
    CHECK_INT(sqlvibe_open_v2(path, &db, SQLVIBE_OPEN_READWRITE | SQLVIBE_OPEN_CREATE, NULL),
              SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES(1, 'one')");
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);

    CHECK_INT(sqlvibe_open_v2(path, &db, SQLVIBE_OPEN_READONLY, NULL), SQLVIBE_OK);
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT b FROM t WHERE a = 1", -1, &st, NULL), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_STR(sqlvibe_column_text(st, 0), "one");
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
    /* Writing through a read-only connection fails. */
    CHECK_INT(sqlvibe_exec(db, "INSERT INTO t VALUES(2, 'two')", NULL, NULL, NULL), SQLVIBE_READONLY);
    CHECK_STR(sqlvibe_errmsg(db), "attempt to write a readonly database");
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_not_a_database(void) {
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 64; i++) fputs("this is not a database file, just text\n", f);
    fclose(f);
    sqlvibe *db = NULL;
    /* Opening is lazy in SQLite: the first statement reports it. */
    int rc = sqlvibe_open(path, &db);
    if (rc == SQLVIBE_OK) rc = sqlvibe_exec(db, "SELECT * FROM sqlite_master", NULL, NULL, NULL);
    CHECK_INT(rc, SQLVIBE_NOTADB);
    CHECK_STR(sqlvibe_errmsg(db), "file is not a database");
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
    unlink(path);
}

static void test_close_busy_and_zombie(void) {
    sqlvibe *db = NULL;
    sqlvibe_stmt *st = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_prepare_v2(db, "SELECT 1", -1, &st, NULL), SQLVIBE_OK);
    int rc = sqlvibe_close(db);
    CHECK_INT(rc, SQLVIBE_BUSY);
    if (rc != SQLVIBE_BUSY) { /* db is gone: nothing more to check here */
        sqlvibe_finalize(st);
        return;
    }
    CHECK_STR(sqlvibe_errmsg(db), "unable to close due to unfinalized statements or unfinished backups");
    /* close_v2 defers: the statement still works, finalize frees both. */
    CHECK_INT(sqlvibe_close_v2(db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_step(st), SQLVIBE_ROW);
    CHECK_INT(sqlvibe_column_int(st, 0), 1);
    CHECK_INT(sqlvibe_finalize(st), SQLVIBE_OK);
}

static void test_autocommit(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    EXEC_OK(db, "BEGIN");
    CHECK_INT(sqlvibe_get_autocommit(db), 0);
    EXEC_OK(db, "COMMIT");
    CHECK_INT(sqlvibe_get_autocommit(db), 1);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_version(void) {
    const char *v = sqlvibe_libversion();
    CHECK(v != NULL && strlen(v) >= 5);
    int maj = 0, min = 0, pat = 0;
    CHECK_INT(sscanf(v, "%d.%d.%d", &maj, &min, &pat), 3);
    CHECK_INT(sqlvibe_libversion_number(), maj * 1000000 + min * 1000 + pat);
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/sqlvibe-open-close-%d.db", (int)getpid());
    test_open_memory();
    test_open_v2_flags();
    test_not_a_database();
    test_close_busy_and_zombie();
    test_autocommit();
    test_version();
    unlink(path);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    return CHECK_SUMMARY("open_close");
}
