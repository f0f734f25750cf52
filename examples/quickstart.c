/*
 * quickstart.c - the sqlvibe C API in one page.
 *
 * Opens (creates) a database file, creates a table and an index, inserts
 * rows with a prepared statement inside a transaction, queries them, closes,
 * reopens and finds the data again.
 *
 *   cc -Iinclude examples/quickstart.c -Lbuild -lsqlvibe -o quickstart
 *   ./quickstart [path/to/file.db]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sqlvibe.h"

/* Prints the connection's error and exits: every call returns a result code. */
static void die(sqlvibe *db, const char *what) {
    fprintf(stderr, "%s failed: %s (code %d)\n", what, sqlvibe_errmsg(db), sqlvibe_extended_errcode(db));
    sqlvibe_close(db);
    exit(1);
}

static void print_fruit(sqlvibe *db) {
    sqlvibe_stmt *st = NULL;
    const char *sql = "SELECT id, name, price FROM fruit WHERE price < ?1 ORDER BY price";
    if (sqlvibe_prepare_v2(db, sql, -1, &st, NULL) != SQLVIBE_OK) die(db, "prepare SELECT");
    sqlvibe_bind_double(st, 1, 2.0);
    int rc;
    while ((rc = sqlvibe_step(st)) == SQLVIBE_ROW) {
        /* Text pointers belong to the statement until the next step. */
        printf("  %lld  %-10s %.2f\n", (long long)sqlvibe_column_int64(st, 0),
               (const char *)sqlvibe_column_text(st, 1), sqlvibe_column_double(st, 2));
    }
    if (rc != SQLVIBE_DONE) die(db, "step SELECT");
    sqlvibe_finalize(st);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "quickstart.db";
    sqlvibe *db = NULL;
    char *err = NULL;

    unlink(path); /* start fresh each run */
    if (sqlvibe_open(path, &db) != SQLVIBE_OK) die(db, "open");
    printf("opened %s with sqlvibe %s\n", path, sqlvibe_libversion());

    if (sqlvibe_exec(db,
                     "CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL);"
                     "CREATE INDEX fruit_price ON fruit(price);",
                     NULL, NULL, &err) != SQLVIBE_OK) {
        fprintf(stderr, "schema: %s\n", err);
        sqlvibe_free(err); /* exec's error message is ours to free */
        sqlvibe_close(db);
        return 1;
    }
    printf("created table fruit and index fruit_price\n");

    /* One prepared INSERT, stepped once per row, inside one transaction. */
    static const struct { const char *name; double price; } rows[] = {
        {"apple", 1.20}, {"banana", 0.50}, {"cherry", 4.75}, {"damson", 2.10}, {"elder", 0.95},
    };
    sqlvibe_stmt *ins = NULL;
    if (sqlvibe_exec(db, "BEGIN", NULL, NULL, NULL) != SQLVIBE_OK) die(db, "BEGIN");
    if (sqlvibe_prepare_v2(db, "INSERT INTO fruit(name, price) VALUES(?1, ?2)", -1, &ins, NULL) != SQLVIBE_OK)
        die(db, "prepare INSERT");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sqlvibe_bind_text(ins, 1, rows[i].name, -1, SQLVIBE_STATIC);
        sqlvibe_bind_double(ins, 2, rows[i].price);
        if (sqlvibe_step(ins) != SQLVIBE_DONE) die(db, "INSERT");
        sqlvibe_reset(ins);
    }
    sqlvibe_finalize(ins);
    if (sqlvibe_exec(db, "COMMIT", NULL, NULL, NULL) != SQLVIBE_OK) die(db, "COMMIT");
    printf("inserted %d rows in one transaction (last rowid %lld)\n", sqlvibe_total_changes(db),
           (long long)sqlvibe_last_insert_rowid(db));

    /* Constraint violations come back as SQLite's codes and messages. */
    if (sqlvibe_exec(db, "INSERT INTO fruit(name, price) VALUES('apple', 9)", NULL, NULL, NULL) != SQLVIBE_OK)
        printf("duplicate rejected: %s (extended code %d)\n", sqlvibe_errmsg(db), sqlvibe_extended_errcode(db));

    printf("fruit under 2.00:\n");
    print_fruit(db);
    if (sqlvibe_close(db) != SQLVIBE_OK) die(db, "close");
    printf("closed\n");

    db = NULL;
    if (sqlvibe_open_v2(path, &db, SQLVIBE_OPEN_READONLY, NULL) != SQLVIBE_OK) die(db, "reopen");
    printf("reopened read-only; fruit under 2.00:\n");
    print_fruit(db);
    sqlvibe_close(db);
    unlink(path);
    return 0;
}
