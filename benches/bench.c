/*
 * bench.c - one benchmark, compiled twice (see api.h): against libsqlvibe
 * and against the system libsqlite3. Each run uses a fresh database file in
 * a temporary directory with the same settings for both engines: WAL
 * journal mode, the default synchronous level (FULL for WAL here).
 *
 * Prints one line per workload: "name<TAB>ops<TAB>seconds<TAB>ops/s", where
 * an op is one row for the scan and the index build, one statement
 * execution otherwise. Every workload also checks its results, so a fast
 * wrong answer fails the run (exit 1) instead of looking good.
 *
 * Then the SQL workloads (a three-table JOIN on rowids with a filter, a
 * scan driving rowid lookups, a join through an automatic index, a GROUP BY
 * into 1000 groups, ORDER BY an unindexed column LIMIT 10) and the
 * commit throughput in WAL mode at each synchronous level: BENCH_COMMITS
 * autocommit single-row inserts per level (one op = one commit).
 *
 *   BENCH_N=100000 (rows), BENCH_SCANS=20 (full-scan repetitions),
 *   BENCH_COMMITS=2000 (commits per synchronous level)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"

static db_t *db;
static int n_rows = 100000;
static int n_scans = 20;
static int n_commits = 2000;
static int failures;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64: the same sequence for both engines. */
static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The k column: a permutation-free pseudo-random value derived from id. */
static int64_t k_of(int64_t id) { return (id * 7919) % 1000003; }

static void fail(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", ENGINE_NAME, what, db_errmsg(db));
    exit(1);
}

static void exec(const char *sql) {
    char *err = NULL;
    if (db_exec(db, sql, NULL, NULL, &err) != DB_OK) {
        fprintf(stderr, "%s: %s: %s\n", ENGINE_NAME, sql, err ? err : "?");
        db_free(err);
        exit(1);
    }
}

static stmt_t *prepare(const char *sql) {
    stmt_t *st = NULL;
    if (db_prepare(db, sql, -1, &st, NULL) != DB_OK) fail(sql);
    return st;
}

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "%s: wrong result in %s\n", ENGINE_NAME, what);
        failures++;
    }
}

static void report(const char *name, long ops, double secs) {
    printf("%s\t%ld\t%.4f\t%.0f\n", name, ops, secs, secs > 0 ? (double)ops / secs : 0.0);
    fflush(stdout);
}

static void bulk_insert(void) {
    stmt_t *st = prepare("INSERT INTO t(id, k, v) VALUES(?1, ?2, ?3)");
    char text[32];
    double t0 = now();
    exec("BEGIN");
    for (int64_t id = 1; id <= n_rows; id++) {
        int len = snprintf(text, sizeof text, "value-%08lld", (long long)id);
        db_bind_int64(st, 1, id);
        db_bind_int64(st, 2, k_of(id));
        db_bind_text(st, 3, text, len, DB_TRANSIENT);
        if (db_step(st) != DB_DONE) fail("insert");
        db_reset(st);
    }
    exec("COMMIT");
    report("insert (1 txn, prepared)", n_rows, now() - t0);
    db_finalize(st);
}

static void point_selects(const char *name, int in_txn) {
    stmt_t *st = prepare("SELECT v FROM t WHERE id = ?1");
    rng_state = 0x9E3779B97F4A7C15ull;
    long found = 0;
    double t0 = now();
    if (in_txn) exec("BEGIN");
    for (int i = 0; i < n_rows; i++) {
        int64_t id = (int64_t)(rng() % (uint64_t)n_rows) + 1;
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW && db_column_bytes(st, 0) == 14) found++;
        db_reset(st);
    }
    if (in_txn) exec("COMMIT");
    report(name, n_rows, now() - t0);
    check(found == n_rows, name);
    db_finalize(st);
}

static void scan_aggregate(void) {
    stmt_t *st = prepare("SELECT count(*), sum(k) FROM t");
    int64_t want_sum = 0;
    for (int64_t id = 1; id <= n_rows; id++) want_sum += k_of(id);
    int ok = 1;
    double t0 = now();
    for (int i = 0; i < n_scans; i++) {
        if (db_step(st) != DB_ROW) fail("scan");
        ok &= db_column_int64(st, 0) == n_rows && db_column_int64(st, 1) == want_sum;
        db_reset(st);
    }
    report("full-scan count+sum (rows)", (long)n_rows * n_scans, now() - t0);
    check(ok, "scan");
    db_finalize(st);
}

static void create_index(void) {
    double t0 = now();
    exec("CREATE INDEX t_k ON t(k)");
    report("CREATE INDEX (rows)", n_rows, now() - t0);
}

static void index_lookups(void) {
    stmt_t *st = prepare("SELECT id FROM t WHERE k = ?1");
    rng_state = 0xD1B54A32D192ED03ull;
    long ok = 0;
    double t0 = now();
    for (int i = 0; i < n_rows; i++) {
        int64_t id = (int64_t)(rng() % (uint64_t)n_rows) + 1;
        db_bind_int64(st, 1, k_of(id));
        if (db_step(st) == DB_ROW && db_column_int64(st, 0) == id) ok++;
        db_reset(st);
    }
    report("index lookups", n_rows, now() - t0);
    check(ok == n_rows, "index lookups");
    db_finalize(st);
}

static void updates(void) {
    int n = n_rows / 10;
    stmt_t *st = prepare("UPDATE t SET v = ?1 WHERE id = ?2");
    rng_state = 0x2545F4914F6CDD1Dull;
    double t0 = now();
    exec("BEGIN");
    for (int i = 0; i < n; i++) {
        int64_t id = (int64_t)(rng() % (uint64_t)n_rows) + 1;
        db_bind_text(st, 1, "updated-value!", 14, DB_STATIC);
        db_bind_int64(st, 2, id);
        if (db_step(st) != DB_DONE) fail("update");
        db_reset(st);
    }
    exec("COMMIT");
    report("updates by rowid (1 txn)", n, now() - t0);
    db_finalize(st);
}

/* JOIN: a (10k rows), b (50k rows, indexed on a_id), c (1k rows); b joins
 * a through the index and c through its rowid. d (2k rows) joins b on an
 * unindexed column of both (an automatic index for both engines). */
enum { JA = 10000, JB = 50000, JC = 1000, JD = 2000, JOIN_REPS = 5 };

static void join_setup(void) {
    exec("CREATE TABLE ja(id INTEGER PRIMARY KEY, x INTEGER)");
    exec("CREATE TABLE jb(id INTEGER PRIMARY KEY, a_id INTEGER, c_id INTEGER, y INTEGER)");
    exec("CREATE TABLE jc(id INTEGER PRIMARY KEY, z INTEGER)");
    exec("CREATE TABLE jd(id INTEGER PRIMARY KEY, code INTEGER, w INTEGER)");
    exec("BEGIN");
    stmt_t *st = prepare("INSERT INTO ja VALUES(?1, ?1 % 97)");
    for (int64_t i = 1; i <= JA; i++) {
        db_bind_int64(st, 1, i);
        if (db_step(st) != DB_DONE) fail("insert ja");
        db_reset(st);
    }
    db_finalize(st);
    st = prepare("INSERT INTO jb VALUES(?1, (?1 * 7) % 10000 + 1, ?1 % 1000 + 1, ?1 % 13)");
    for (int64_t i = 1; i <= JB; i++) {
        db_bind_int64(st, 1, i);
        if (db_step(st) != DB_DONE) fail("insert jb");
        db_reset(st);
    }
    db_finalize(st);
    st = prepare("INSERT INTO jc VALUES(?1, ?1 * 3)");
    for (int64_t i = 1; i <= JC; i++) {
        db_bind_int64(st, 1, i);
        if (db_step(st) != DB_DONE) fail("insert jc");
        db_reset(st);
    }
    db_finalize(st);
    st = prepare("INSERT INTO jd VALUES(?1, (?1 * 7) % 2000 + 1, ?1 % 10)");
    for (int64_t i = 1; i <= JD; i++) {
        db_bind_int64(st, 1, i);
        if (db_step(st) != DB_DONE) fail("insert jd");
        db_reset(st);
    }
    db_finalize(st);
    exec("COMMIT");
    exec("CREATE INDEX jb_a ON jb(a_id)");
}

static void join_query(void) {
    stmt_t *st = prepare("SELECT count(*), sum(jb.y + jc.z) FROM ja JOIN jb ON jb.a_id = ja.id "
                         "JOIN jc ON jc.id = jb.c_id WHERE ja.x < 10");
    int64_t want_n = 0, want_sum = 0;
    for (int64_t i = 1; i <= JB; i++) {
        int64_t a_id = (i * 7) % 10000 + 1, c_id = i % 1000 + 1;
        if (a_id % 97 < 10) {
            want_n++;
            want_sum += i % 13 + c_id * 3;
        }
    }
    int ok = 1;
    double t0 = now();
    for (int r = 0; r < JOIN_REPS; r++) {
        if (db_step(st) != DB_ROW) fail("join");
        ok &= db_column_int64(st, 0) == want_n && db_column_int64(st, 1) == want_sum;
        db_reset(st);
    }
    report("JOIN 3 tables on index+rowid (rows out)", (long)want_n * JOIN_REPS, now() - t0);
    check(ok, "join");
    db_finalize(st);
}

/* Every row of jb (a scan) looks up its jc row by rowid. */
static void join_rowid_lookups(void) {
    stmt_t *st = prepare("SELECT count(*), sum(jb.y * jc.z) FROM jb JOIN jc ON jc.id = jb.c_id");
    int64_t want_sum = 0;
    for (int64_t i = 1; i <= JB; i++) want_sum += (i % 13) * ((i % 1000 + 1) * 3);
    int ok = 1;
    double t0 = now();
    for (int r = 0; r < JOIN_REPS; r++) {
        if (db_step(st) != DB_ROW) fail("join rowid");
        ok &= db_column_int64(st, 0) == JB && db_column_int64(st, 1) == want_sum;
        db_reset(st);
    }
    report("JOIN scan + rowid lookups (rows out)", (long)JB * JOIN_REPS, now() - t0);
    check(ok, "join rowid lookups");
    db_finalize(st);
}

/* jd JOIN jb on unindexed columns: an automatic index per run. */
static void join_auto_index(void) {
    stmt_t *st = prepare("SELECT count(*), sum(jd.w + jb.y) FROM jd JOIN jb ON jb.c_id = jd.code");
    static int64_t cnt[JD + 2], wsum[JD + 2];
    for (int64_t i = 1; i <= JD; i++) {
        cnt[(i * 7) % 2000 + 1]++;
        wsum[(i * 7) % 2000 + 1] += i % 10;
    }
    int64_t want_n = 0, want_sum = 0;
    for (int64_t i = 1; i <= JB; i++) {
        int64_t c = i % 1000 + 1;
        want_n += cnt[c];
        want_sum += wsum[c] + cnt[c] * (i % 13);
    }
    int ok = 1;
    double t0 = now();
    for (int r = 0; r < JOIN_REPS; r++) {
        if (db_step(st) != DB_ROW) fail("join auto index");
        ok &= db_column_int64(st, 0) == want_n && db_column_int64(st, 1) == want_sum;
        db_reset(st);
    }
    report("JOIN automatic index (rows out)", (long)want_n * JOIN_REPS, now() - t0);
    check(ok, "join automatic index");
    db_finalize(st);
}

/* GROUP BY: every row of t into 1000 groups. */
static void group_by(void) {
    stmt_t *st = prepare("SELECT k % 1000 AS g, count(*), sum(id) FROM t GROUP BY g");
    int reps = 5, ok = 1;
    double t0 = now();
    for (int r = 0; r < reps; r++) {
        int64_t groups = 0, rows = 0, sum = 0;
        while (db_step(st) == DB_ROW) {
            groups++;
            rows += db_column_int64(st, 1);
            sum += db_column_int64(st, 2);
        }
        db_reset(st);
        ok &= groups == 1000 && rows == n_rows && sum == (int64_t)n_rows * (n_rows + 1) / 2;
    }
    report("GROUP BY into 1000 groups (rows in)", (long)n_rows * reps, now() - t0);
    check(ok, "group by");
    db_finalize(st);
}

/* ORDER BY an unindexed column, LIMIT 10 (before `updates` changes v). */
static void order_by_limit(void) {
    stmt_t *st = prepare("SELECT id FROM t ORDER BY v DESC LIMIT 10");
    int reps = 10, ok = 1;
    double t0 = now();
    for (int r = 0; r < reps; r++) {
        int64_t i = 0;
        while (db_step(st) == DB_ROW) {
            ok &= db_column_int64(st, 0) == n_rows - i;
            i++;
        }
        db_reset(st);
        ok &= i == 10;
    }
    report("ORDER BY unindexed LIMIT 10 (rows in)", (long)n_rows * reps, now() - t0);
    check(ok, "order by limit");
    db_finalize(st);
}

/* Commit throughput: autocommit single-row inserts in WAL mode at one
 * synchronous level, each its own transaction (and fsync per the level). */
static void commits(const char *level) {
    char sql[128], name[96];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%s", level);
    exec(sql);
    snprintf(sql, sizeof sql, "CREATE TABLE c_%s(id INTEGER PRIMARY KEY, v TEXT)", level);
    exec(sql);
    snprintf(sql, sizeof sql, "INSERT INTO c_%s(v) VALUES(?1)", level);
    stmt_t *st = prepare(sql);
    double t0 = now();
    for (int i = 0; i < n_commits; i++) {
        db_bind_text(st, 1, "a commit of one row", 19, DB_STATIC);
        if (db_step(st) != DB_DONE) fail("commit insert");
        db_reset(st);
    }
    double secs = now() - t0;
    db_finalize(st);
    snprintf(name, sizeof name, "commits WAL synchronous=%s", level);
    report(name, n_commits, secs);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM c_%s", level);
    st = prepare(sql);
    check(db_step(st) == DB_ROW && db_column_int64(st, 0) == n_commits, name);
    db_finalize(st);
}

int main(void) {
    if (getenv("BENCH_N")) n_rows = atoi(getenv("BENCH_N"));
    if (getenv("BENCH_SCANS")) n_scans = atoi(getenv("BENCH_SCANS"));
    if (getenv("BENCH_COMMITS")) n_commits = atoi(getenv("BENCH_COMMITS"));
    if (n_rows < 1000 || n_scans < 1 || n_commits < 1) {
        fprintf(stderr, "BENCH_N must be >= 1000, BENCH_SCANS and BENCH_COMMITS >= 1\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512], path[600], side[640];
    snprintf(dir, sizeof dir, "%s/sqlvibe-bench-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench.db", dir);
    if (db_open(path, &db) != DB_OK) fail("open");
    /* Same settings for both: WAL journal, default synchronous. The pragma
     * returns a row, which exec discards. */
    {
        char *err = NULL;
        if (db_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, &err) != DB_OK) {
            /* sqlvibe file databases are always in WAL mode. */
            fprintf(stderr, "%s: note: PRAGMA journal_mode=WAL: %s\n", ENGINE_NAME, err ? err : "?");
            db_free(err);
        }
    }
    /* BENCH_CACHE_KIB=N runs both engines with PRAGMA cache_size=-N (the
     * default is each engine's own: 2,000 KiB for both). */
    if (getenv("BENCH_CACHE_KIB")) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", atoi(getenv("BENCH_CACHE_KIB")));
        exec(sql);
    }
    exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
    fprintf(stderr, "%s %s: %d rows in %s\n", ENGINE_NAME, engine_version(), n_rows, path);

    bulk_insert();
    point_selects("point select by rowid (autocommit)", 0);
    point_selects("point select by rowid (1 txn)", 1);
    scan_aggregate();
    order_by_limit();
    group_by();
    create_index();
    index_lookups();
    updates();
    join_setup();
    join_query();
    join_rowid_lookups();
    join_auto_index();
    commits("OFF");
    commits("NORMAL");
    commits("FULL");
    commits("EXTRA");

    if (db_close(db) != DB_OK) fail("close");
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    return failures ? 1 : 0;
}
