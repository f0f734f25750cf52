/* wal_checkpoint_v2 (modes, counts, errors) and wal_autocheckpoint; the
 * same expectations hold on SQLite (make ctest-sqlite). */
#include "check.h"
#include <sys/stat.h>
#include <unistd.h>

static char path[256];
static char wal_path[300];

static long file_size(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static int pragma_int(sqlvibe *db, const char *sql) {
    sqlvibe_stmt *st = NULL;
    int v = -999;
    CHECK_INT(sqlvibe_prepare_v2(db, sql, -1, &st, NULL), SQLVIBE_OK);
    if (sqlvibe_step(st) == SQLVIBE_ROW) v = sqlvibe_column_int(st, 0);
    sqlvibe_finalize(st);
    return v;
}

static void test_checkpoint_modes(void) {
    sqlvibe *db = NULL;
    int log = -7, ckpt = -7;
    CHECK_INT(sqlvibe_open(path, &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLVIBE_OK);
    EXEC_OK(db, "CREATE TABLE t(a); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)");
    /* PASSIVE with nobody else around copies every frame. */
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, NULL, SQLVIBE_CHECKPOINT_PASSIVE, &log, &ckpt), SQLVIBE_OK);
    CHECK(log > 0);
    CHECK_INT(ckpt, log);
    /* "main" names the database too; NULL count pointers are allowed. */
    EXEC_OK(db, "INSERT INTO t VALUES(3)");
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, "main", SQLVIBE_CHECKPOINT_FULL, NULL, NULL), SQLVIBE_OK);
    /* TRUNCATE leaves an empty WAL file. */
    EXEC_OK(db, "INSERT INTO t VALUES(4)");
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, NULL, SQLVIBE_CHECKPOINT_TRUNCATE, &log, &ckpt), SQLVIBE_OK);
    CHECK_INT(log, 0);
    CHECK_INT(ckpt, 0);
    CHECK_INT((int)file_size(wal_path), 0);
    /* Bad arguments. */
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, NULL, 99, &log, &ckpt), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, "nosuch", SQLVIBE_CHECKPOINT_PASSIVE, &log, &ckpt), SQLVIBE_ERROR);
    CHECK_STR(sqlvibe_errmsg(db), "unknown database: nosuch");
    CHECK_INT(pragma_int(db, "SELECT count(*) FROM t"), 4);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_memory_has_no_wal(void) {
    sqlvibe *db = NULL;
    int log = 5, ckpt = 5;
    CHECK_INT(sqlvibe_open(":memory:", &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_wal_checkpoint_v2(db, NULL, SQLVIBE_CHECKPOINT_PASSIVE, &log, &ckpt), SQLVIBE_OK);
    CHECK_INT(log, -1);
    CHECK_INT(ckpt, -1);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
}

static void test_autocheckpoint(void) {
    sqlvibe *db = NULL;
    CHECK_INT(sqlvibe_open(path, &db), SQLVIBE_OK);
    CHECK_INT(sqlvibe_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLVIBE_OK);
    CHECK_INT(pragma_int(db, "PRAGMA wal_autocheckpoint"), 1000);
    CHECK_INT(sqlvibe_wal_autocheckpoint(db, 5), SQLVIBE_OK);
    CHECK_INT(pragma_int(db, "PRAGMA wal_autocheckpoint"), 5);
    CHECK_INT(sqlvibe_wal_autocheckpoint(db, 0), SQLVIBE_OK);
    CHECK_INT(pragma_int(db, "PRAGMA wal_autocheckpoint"), 0);
    CHECK_INT(sqlvibe_close(db), SQLVIBE_OK);
#ifndef USE_SQLITE
    /* NULL handles are misuse, never a crash (SQLite would dereference). */
    CHECK_INT(sqlvibe_wal_autocheckpoint(NULL, 5), SQLVIBE_MISUSE);
    CHECK_INT(sqlvibe_wal_checkpoint_v2(NULL, NULL, SQLVIBE_CHECKPOINT_PASSIVE, NULL, NULL), SQLVIBE_MISUSE);
#endif
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/sqlvibe-wal-%d.db", (int)getpid());
    snprintf(wal_path, sizeof wal_path, "%s-wal", path);
    unlink(path);
    unlink(wal_path);
    test_checkpoint_modes();
    test_memory_has_no_wal();
    test_autocheckpoint();
    unlink(path);
    unlink(wal_path);
    snprintf(wal_path, sizeof wal_path, "%s-shm", path);
    unlink(wal_path);
    return CHECK_SUMMARY("wal");
}
