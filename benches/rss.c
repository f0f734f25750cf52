/*
 * rss.c - peak memory of big work, compiled twice like bench.c (api.h).
 *
 * Each workload runs in a forked child on the same settings for both
 * engines: PRAGMA cache_size = -1024 (SQLite's page cache of 1 MiB) and
 * PRAGMA max_memory = 4194304 (sqlvibe's budget for everything a
 * connection holds; SQLite ignores the unknown PRAGMA). Right before the
 * measured work the child resets its peak RSS (/proc/self/clear_refs, 5),
 * then prints "name<TAB>KiB" with how far VmHWM rose above the RSS it
 * started from. Every workload checks its answer.
 *
 *   RSS_BLOB_ROWS=100000 (1000-byte rows: 100 MB), RSS_ROWS=1000000
 *   (rows of about 50 bytes for the statements)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"

static db_t *db;
static int blob_rows = 100000;
static int rows = 1000000;
static char dir[] = "/tmp/sqlvibe-rss-XXXXXX";
static char path[512];

static void die(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", ENGINE_NAME, what, db ? db_errmsg(db) : "?");
    exit(1);
}

static void exec(const char *sql) {
    char *err = NULL;
    if (db_exec(db, sql, NULL, NULL, &err) != DB_OK) {
        fprintf(stderr, "%s: %s: %s\n", ENGINE_NAME, sql, err ? err : "?");
        exit(1);
    }
}

/* One int64 from a one-row query. */
static int64_t query_int(const char *sql) {
    stmt_t *st = NULL;
    if (db_prepare(db, sql, -1, &st, NULL) != DB_OK) die(sql);
    if (db_step(st) != DB_ROW) die(sql);
    int64_t v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

/* Steps a query to its end; returns the number of rows. */
static int64_t drain(const char *sql) {
    stmt_t *st = NULL;
    if (db_prepare(db, sql, -1, &st, NULL) != DB_OK) die(sql);
    int64_t n = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) n++;
    if (rc != DB_DONE) die(sql);
    db_finalize(st);
    return n;
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0) v = atol(line + n);
    if (f) fclose(f);
    return v;
}

static long start_measuring(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f || fputs("5", f) < 0) {
        fprintf(stderr, "cannot reset the peak RSS (/proc/self/clear_refs)\n");
        exit(1);
    }
    fclose(f);
    return status_kb("VmRSS:");
}

static void open_db(const char *p) {
    if (db_open(p, &db) != DB_OK) die("open");
    exec("PRAGMA cache_size = -1024");
    exec("PRAGMA max_memory = 4194304");
}

static void insert_blobs(void) {
    exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)");
    exec("BEGIN");
    stmt_t *st = NULL;
    if (db_prepare(db, "INSERT INTO t(b) VALUES(randomblob(1000))", -1, &st, NULL) != DB_OK) die("prepare");
    for (int i = 0; i < blob_rows; i++) {
        if (db_step(st) != DB_DONE) die("insert");
        db_reset(st);
    }
    db_finalize(st);
    exec("COMMIT");
    if (query_int("SELECT count(*) FROM t") != blob_rows) die("wrong row count");
}

/* The statements' table: a (rows/10 values), b (about 30 bytes), c. */
static void make_statement_table(void) {
    char sql[512];
    exec("CREATE TABLE s(a INTEGER, b TEXT, c INTEGER)");
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < %d) "
             "INSERT INTO s SELECT (i * 7919) %% %d, printf('key-%%08d-%%012d', (i * 104729) %% 500009, i), i FROM r",
             rows, rows / 10 + 3);
    exec(sql);
}

struct workload {
    const char *name;
    void (*run)(void);
};

static void w_file_txn(void) { insert_blobs(); }
static void w_memory_txn(void) { insert_blobs(); }
static void w_scan(void) {
    if (query_int("SELECT count(*) FROM t WHERE length(b) = 1000") != blob_rows) die("scan");
}
static void w_order_by(void) {
    if (drain("SELECT a, b, c FROM s ORDER BY b DESC, c") != rows) die("order by");
}
static void w_distinct(void) { drain("SELECT DISTINCT a % 5000, substr(b, 11, 2) FROM s"); }
static void w_group_by(void) {
    if (drain("SELECT substr(b, 1, 12), count(*), sum(a) FROM s GROUP BY 1") > rows) die("group by");
}
static void w_window(void) {
    if (drain("SELECT c, row_number() OVER (PARTITION BY a ORDER BY c) FROM s") != rows) die("window");
}
static void w_join(void) {
    if (query_int("SELECT count(*) FROM s AS s1 JOIN s AS s2 ON s2.a = s1.c") <= 0) die("join");
}

/* Runs one workload in a child; `setup` (not measured) runs first. */
static void measure(const char *name, const char *target, void (*setup)(void), void (*run)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        open_db(target);
        if (setup) setup();
        long start = start_measuring();
        run();
        long peak = status_kb("VmHWM:");
        printf("%s\t%ld\n", name, peak > start ? peak - start : 0);
        db_close(db);
        exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: workload %s failed\n", ENGINE_NAME, name);
        exit(1);
    }
}

static void no_setup(void) {}

int main(void) {
    if (getenv("RSS_BLOB_ROWS")) blob_rows = atoi(getenv("RSS_BLOB_ROWS"));
    if (getenv("RSS_ROWS")) rows = atoi(getenv("RSS_ROWS"));
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/rss.db", dir);
    char label[64];
    snprintf(label, sizeof label, "%d MB transaction, file", blob_rows / 1000);
    measure(label, path, no_setup, w_file_txn);
    snprintf(label, sizeof label, "%d MB transaction, :memory:", blob_rows / 1000);
    measure(label, ":memory:", no_setup, w_memory_txn);
    snprintf(label, sizeof label, "scan of %d MB", blob_rows / 1000);
    measure(label, path, no_setup, w_scan);
    /* The statements' table is built once, then read. */
    snprintf(label, sizeof label, "INSERT ... SELECT of %dk rows", rows / 1000);
    measure(label, path, no_setup, make_statement_table);
    struct workload ws[] = {{"ORDER BY", w_order_by}, {"DISTINCT", w_distinct}, {"GROUP BY", w_group_by},
                            {"window PARTITION BY", w_window}, {"join, automatic index", w_join}};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        snprintf(label, sizeof label, "%s, %dk rows", ws[i].name, rows / 1000);
        measure(label, path, no_setup, ws[i].run);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
