/*
 * sqlvibe - the command-line shell, a C client of include/sqlvibe.h only.
 *
 *   sqlvibe [FILE] [SQL|.COMMAND ...]
 *
 * With SQL arguments, runs each and exits; otherwise reads SQL and dot
 * commands from standard input. Output is byte-identical to the sqlite3
 * 3.40 shell for the modes it supports, so scripts can be diffed against
 * sqlite3: list (default, "|" between columns, NULL as ""), csv, line and
 * json; .headers on|off, .tables, .schema, .read FILE, .quit.
 *
 * Errors go to stderr as sqlite3 words them ("Parse error near line N: ...",
 * "Runtime error near line N: ... (CODE)", "Error: in prepare, ..."); the
 * exit status is non-zero after any error. sqlite3's caret line under a
 * syntax error needs the error offset, which the API does not expose yet,
 * so it is not printed.
 *
 * Compiled with -DUSE_SQLITE (and -Ic-tests -lsqlite3) it runs on SQLite
 * itself, which is how its output formats were checked.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef USE_SQLITE
#include "sqlvibe_on_sqlite3.h"
#else
#include "sqlvibe.h"
#endif

enum mode { MODE_LIST, MODE_CSV, MODE_LINE, MODE_JSON };

struct shell {
    sqlvibe *db;
    enum mode mode;
    int headers;
    const char *col_sep; /* between columns in list and csv modes */
    const char *row_sep; /* after each row in list and csv modes */
    int interactive;     /* stdin is a terminal: prompts, no line numbers */
    int arg_mode;        /* SQL came from the command line */
    sqlvibe_stmt *fmt_real; /* formats REALs for json mode, prepared on first use */
};

/* A growable text buffer. */
struct buf {
    char *z;
    size_t len, cap;
};

static void buf_append(struct buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *z = realloc(b->z, cap);
        if (!z) {
            fprintf(stderr, "Error: out of memory\n");
            exit(1);
        }
        b->z = z;
        b->cap = cap;
    }
    memcpy(b->z + b->len, s, n);
    b->len += n;
    b->z[b->len] = '\0';
}

/* ---- Statement boundaries ------------------------------------------------
 * A statement is complete when it ends (ignoring trailing whitespace and
 * comments) with a ';' that is outside string literals ('...'), quoted
 * identifiers ("...", `...`, [...]) and comments (-- to end of line,
 * slash-star to star-slash). Inside CREATE [TEMP] TRIGGER the body's own
 * ';'s do not count: only "END ;" completes it. */

static int is_word_char(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

static int word_is(const char *w, size_t n, const char *kw) {
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

/* Skips a comment or quoted token starting at z[i]; returns the index just
 * past it, i itself if z[i] starts none, or (size_t)-1 if it is unterminated. */
static size_t skip_quoted_or_comment(const char *z, size_t i) {
    char c = z[i];
    if (c == '-' && z[i + 1] == '-') {
        while (z[i] && z[i] != '\n') i++;
        return i;
    }
    if (c == '/' && z[i + 1] == '*') {
        const char *end = strstr(z + i + 2, "*/");
        return end ? (size_t)(end - z) + 2 : (size_t)-1;
    }
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
        char close = c == '[' ? ']' : c;
        const char *end = strchr(z + i + 1, close);
        return end ? (size_t)(end - z) + 1 : (size_t)-1;
    }
    return i;
}

static int sql_is_complete(const char *z) {
    int complete = 0;
    int words = 0;        /* words since the statement started */
    int trigger = 0;      /* 1: saw CREATE [TEMP], 2: inside CREATE TRIGGER */
    int after_end = 0;    /* previous token was the word END */
    size_t i = 0;
    while (z[i]) {
        unsigned char c = (unsigned char)z[i];
        if (isspace(c)) {
            i++;
            continue;
        }
        size_t next = skip_quoted_or_comment(z, i);
        if (next == (size_t)-1) return 0;
        if (next != i) {
            if (!(c == '-' || c == '/')) { /* a literal or identifier, not a comment */
                complete = 0;
                after_end = 0;
                words++;
            }
            i = next;
            continue;
        }
        if (c == ';') {
            if (trigger == 2 && !after_end) {
                complete = 0;
            } else {
                complete = 1;
                words = 0;
                trigger = 0;
            }
            after_end = 0;
            i++;
            continue;
        }
        complete = 0;
        if (is_word_char(c)) {
            size_t start = i;
            while (z[i] && is_word_char((unsigned char)z[i])) i++;
            const char *w = z + start;
            size_t n = i - start;
            if (words == 0 && word_is(w, n, "CREATE")) {
                trigger = 1;
            } else if (trigger == 1 && (word_is(w, n, "TEMP") || word_is(w, n, "TEMPORARY"))) {
                /* still possibly a trigger */
            } else if (trigger == 1 && word_is(w, n, "TRIGGER")) {
                trigger = 2;
            } else if (trigger == 1) {
                trigger = 0;
            }
            after_end = trigger == 2 && word_is(w, n, "END");
            words++;
            continue;
        }
        after_end = 0;
        words++;
        i++;
    }
    return complete;
}

/* True when z holds only whitespace and comments. */
static int all_whitespace(const char *z) {
    size_t i = 0;
    while (z[i]) {
        if (isspace((unsigned char)z[i])) {
            i++;
            continue;
        }
        if ((z[i] == '-' && z[i + 1] == '-') || (z[i] == '/' && z[i + 1] == '*')) {
            size_t next = skip_quoted_or_comment(z, i);
            if (next == (size_t)-1) return 1; /* an unterminated comment */
            i = next;
            continue;
        }
        return 0;
    }
    return 1;
}

/* ---- Output modes -------------------------------------------------------- */

static void print_csv_field(struct shell *sh, const char *z) {
    if (!z) return; /* NULL prints as the (empty) null value */
    int quote = z[0] == '\0' || strstr(z, sh->col_sep) != NULL;
    for (const unsigned char *p = (const unsigned char *)z; *p && !quote; p++) {
        if (*p <= ' ' || *p == '"' || *p == '\'' || *p == ',' || *p >= 0x7f) quote = 1;
    }
    if (!quote) {
        fputs(z, stdout);
        return;
    }
    putchar('"');
    for (const char *p = z; *p; p++) {
        if (*p == '"') putchar('"');
        putchar(*p);
    }
    putchar('"');
}

static void print_json_string(const char *z, int n) {
    putchar('"');
    for (int i = 0; n < 0 ? z[i] != '\0' : i < n; i++) {
        unsigned char c = (unsigned char)z[i];
        switch (c) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\b': fputs("\\b", stdout); break;
        case '\f': fputs("\\f", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (c <= 0x1f) printf("\\u%04x", c);
            else putchar(c);
        }
    }
    putchar('"');
}

/* A REAL in json mode, as sqlite3 prints it: "%!.20g" of its own printf
 * (20 significant digits from its extended-precision digit generator, and
 * always a decimal point or an exponent), infinities as 1e999. The library's
 * printf() SQL function is that same formatter, so the shell asks it through
 * a statement kept for the purpose. */
static void print_json_real(struct shell *sh, double r) {
    if (r > 1.7976931348623157e308 || r < -1.7976931348623157e308) {
        fputs(r > 0 ? "1e999" : "-1e999", stdout);
        return;
    }
    if (!sh->fmt_real &&
        sqlvibe_prepare_v2(sh->db, "SELECT printf('%!.20g', ?1)", -1, &sh->fmt_real, NULL) != SQLVIBE_OK) {
        printf("%.17g", r);
        return;
    }
    sqlvibe_bind_double(sh->fmt_real, 1, r);
    if (sqlvibe_step(sh->fmt_real) == SQLVIBE_ROW) {
        const char *z = (const char *)sqlvibe_column_text(sh->fmt_real, 0);
        fputs(z ? z : "null", stdout);
    } else {
        printf("%.17g", r);
    }
    sqlvibe_reset(sh->fmt_real);
}

/* A result column's name ("" if the library has none to give). */
static const char *col_name(sqlvibe_stmt *st, int i) {
    const char *z = sqlvibe_column_name(st, i);
    return z ? z : "";
}

/* Prints the current row of st; `row` counts rows of this statement from 0. */
static void print_row(struct shell *sh, sqlvibe_stmt *st, int row) {
    int n = sqlvibe_column_count(st);
    switch (sh->mode) {
    case MODE_LIST:
    case MODE_CSV:
        if (row == 0 && sh->headers) {
            for (int i = 0; i < n; i++) {
                if (sh->mode == MODE_CSV) print_csv_field(sh, col_name(st, i));
                else fputs(col_name(st, i), stdout);
                fputs(i == n - 1 ? sh->row_sep : sh->col_sep, stdout);
            }
        }
        for (int i = 0; i < n; i++) {
            const char *z = (const char *)sqlvibe_column_text(st, i);
            if (sh->mode == MODE_CSV) print_csv_field(sh, z);
            else if (z) fputs(z, stdout);
            fputs(i == n - 1 ? sh->row_sep : sh->col_sep, stdout);
        }
        break;
    case MODE_LINE: {
        int w = 5;
        for (int i = 0; i < n; i++) {
            int len = (int)strlen(col_name(st, i));
            if (len > w) w = len;
        }
        if (row > 0) putchar('\n');
        for (int i = 0; i < n; i++) {
            const char *z = (const char *)sqlvibe_column_text(st, i);
            printf("%*s = %s\n", w, col_name(st, i), z ? z : "");
        }
        break;
    }
    case MODE_JSON:
        fputs(row == 0 ? "[{" : ",\n{", stdout);
        for (int i = 0; i < n; i++) {
            print_json_string(col_name(st, i), -1);
            putchar(':');
            switch (sqlvibe_column_type(st, i)) {
            case SQLVIBE_NULL: fputs("null", stdout); break;
            case SQLVIBE_FLOAT: print_json_real(sh, sqlvibe_column_double(st, i)); break;
            case SQLVIBE_BLOB: {
                const char *b = sqlvibe_column_blob(st, i);
                print_json_string(b ? b : "", sqlvibe_column_bytes(st, i));
                break;
            }
            default: {
                const char *z = (const char *)sqlvibe_column_text(st, i);
                if (sqlvibe_column_type(st, i) == SQLVIBE_TEXT) print_json_string(z ? z : "", -1);
                else fputs(z ? z : "null", stdout);
                break;
            }
            }
            if (i < n - 1) putchar(',');
        }
        putchar('}');
        break;
    }
}

/* ---- Running SQL --------------------------------------------------------- */

static void report(struct shell *sh, int in_prepare, int startline, int rc) {
    const char *msg = sqlvibe_errmsg(sh->db);
    if (sh->arg_mode) {
        if (in_prepare) fprintf(stderr, "Error: in prepare, %s\n", msg);
        else fprintf(stderr, "Error: stepping, %s (%d)\n", msg, rc);
        return;
    }
    const char *kind = in_prepare ? "Parse error" : "Runtime error";
    if (sh->interactive) fprintf(stderr, "%s: %s", kind, msg);
    else fprintf(stderr, "%s near line %d: %s", kind, startline, msg);
    if (in_prepare) fputc('\n', stderr);
    else fprintf(stderr, " (%d)\n", rc);
}

/* Runs every statement of sql, printing rows. Returns 0 or the error code
 * of the statement that failed (the rest is skipped, as sqlite3 does). */
/* EXPLAIN QUERY PLAN output as a tree, the way the sqlite3 shell draws it:
 * "QUERY PLAN", then each row under its parent, "|--" before a row with a
 * later sibling and "`--" before the last one; children are indented by
 * "|  " or "   " accordingly. */
struct eqp_row {
    int id, parent;
    char *detail;
};

static void eqp_draw(const struct eqp_row *rows, int n, int parent, char *prefix, size_t plen) {
    for (int i = 0; i < n; i++) {
        if (rows[i].parent != parent) continue;
        int last = 1;
        for (int j = i + 1; j < n; j++)
            if (rows[j].parent == parent) last = 0;
        printf("%s%s%s\n", prefix, last ? "`--" : "|--", rows[i].detail);
        if (plen + 4 < 256) {
            memcpy(prefix + plen, last ? "   " : "|  ", 4);
            eqp_draw(rows, n, rows[i].id, prefix, plen + 3);
            prefix[plen] = 0;
        }
    }
}

/* Steps an EXPLAIN QUERY PLAN statement to the end and draws its rows. */
static int run_eqp(sqlvibe_stmt *st) {
    struct eqp_row *rows = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlvibe_step(st)) == SQLVIBE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct eqp_row *grown = realloc(rows, (size_t)cap * sizeof *rows);
            if (!grown) break;
            rows = grown;
        }
        const char *d = (const char *)sqlvibe_column_text(st, 3);
        rows[n].id = sqlvibe_column_int(st, 0);
        rows[n].parent = sqlvibe_column_int(st, 1);
        rows[n].detail = strdup(d ? d : "");
        n++;
    }
    if (n > 0) {
        char prefix[256] = "";
        puts("QUERY PLAN");
        eqp_draw(rows, n, 0, prefix, 0);
    }
    for (int i = 0; i < n; i++) free(rows[i].detail);
    free(rows);
    return rc;
}

static int run_sql(struct shell *sh, const char *sql, int startline) {
    const char *z = sql;
    while (*z) {
        sqlvibe_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlvibe_prepare_v2(sh->db, z, -1, &st, &tail);
        if (rc != SQLVIBE_OK) {
            report(sh, 1, startline, rc);
            return rc;
        }
        if (!st) {
            if (!tail || tail == z) break;
            z = tail;
            continue;
        }
        int row = 0;
        if (sqlvibe_stmt_isexplain(st) == 2)
            rc = run_eqp(st);
        else
            while ((rc = sqlvibe_step(st)) == SQLVIBE_ROW) print_row(sh, st, row++);
        if (row > 0 && sh->mode == MODE_JSON) fputs("]\n", stdout);
        if (rc != SQLVIBE_DONE) {
            report(sh, 0, startline, rc);
            sqlvibe_finalize(st);
            return rc;
        }
        sqlvibe_finalize(st);
        z = tail;
    }
    return 0;
}

/* Runs a query and hands each row's first column to fn. */
static int for_each_text(struct shell *sh, const char *sql, const char *arg,
                         void (*fn)(void *, const char *), void *ctx) {
    sqlvibe_stmt *st = NULL;
    int rc = sqlvibe_prepare_v2(sh->db, sql, -1, &st, NULL);
    if (rc != SQLVIBE_OK) {
        fprintf(stderr, "Error: %s\n", sqlvibe_errmsg(sh->db));
        return 1;
    }
    if (arg) sqlvibe_bind_text(st, 1, arg, -1, SQLVIBE_TRANSIENT);
    while ((rc = sqlvibe_step(st)) == SQLVIBE_ROW) {
        const char *z = (const char *)sqlvibe_column_text(st, 0);
        fn(ctx, z ? z : "");
    }
    sqlvibe_finalize(st);
    if (rc != SQLVIBE_DONE) {
        fprintf(stderr, "Error: %s\n", sqlvibe_errmsg(sh->db));
        return 1;
    }
    return 0;
}

struct names {
    char **v;
    int n, cap;
};

static void collect_name(void *ctx, const char *z) {
    struct names *ns = ctx;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = realloc(ns->v, sizeof(char *) * (size_t)ns->cap);
        if (!ns->v) exit(1);
    }
    ns->v[ns->n++] = strdup(z);
}

/* .tables: names in columns, filled top to bottom, as wide as fits 80. */
static int cmd_tables(struct shell *sh, const char *pattern) {
    struct names ns = {NULL, 0, 0};
    int rc = for_each_text(sh,
                           pattern ? "SELECT name FROM sqlite_master WHERE (type = 'table' OR type = 'view')"
                                     " AND name NOT LIKE 'sqlite_%' AND name LIKE ?1 ORDER BY 1"
                                   : "SELECT name FROM sqlite_master WHERE (type = 'table' OR type = 'view')"
                                     " AND name NOT LIKE 'sqlite_%' ORDER BY 1",
                           pattern, collect_name, &ns);
    int width = 0;
    for (int i = 0; i < ns.n; i++) {
        int len = (int)strlen(ns.v[i]);
        if (len > width) width = len;
    }
    if (ns.n > 0) {
        int cols = 80 / (width + 2);
        if (cols < 1) cols = 1;
        int rows = (ns.n + cols - 1) / cols;
        for (int r = 0; r < rows; r++) {
            for (int j = r; j < ns.n; j += rows) printf("%s%-*s", j < rows ? "" : "  ", width, ns.v[j]);
            putchar('\n');
        }
    }
    for (int i = 0; i < ns.n; i++) free(ns.v[i]);
    free(ns.v);
    return rc;
}

/* .schema: each CREATE statement followed by ";", in creation order. A
 * CREATE TABLE of a quoted name is shown as CREATE TABLE IF NOT EXISTS, as
 * sqlite3 shows it. */
static void print_schema_line(void *ctx, const char *z) {
    (void)ctx;
    if (strncmp(z, "CREATE TABLE ", 13) == 0 && (z[13] == '"' || z[13] == '\'')) {
        printf("CREATE TABLE IF NOT EXISTS %s;\n", z + 13);
    } else {
        printf("%s;\n", z);
    }
}

static int cmd_schema(struct shell *sh, const char *pattern) {
    return for_each_text(sh,
                         pattern ? "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                                   " AND name NOT LIKE 'sqlite_%' AND tbl_name LIKE ?1 ORDER BY rowid"
                                 : "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                                   " AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
                         pattern, print_schema_line, NULL);
}

static int process_input(struct shell *sh, FILE *in);

/* Runs one dot command. Returns 0 on success, 1 on error, 2 for .quit. */
static int meta_command(struct shell *sh, char *line) {
    char *argv[8];
    int argc = 0;
    char *p = line + 1;
    while (*p && argc < 8) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            argv[argc++] = p;
            while (*p && *p != q) p++;
        } else {
            argv[argc++] = p;
            while (*p && !isspace((unsigned char)*p)) p++;
        }
        if (*p) *p++ = '\0';
    }
    if (argc == 0) return 0;
    const char *cmd = argv[0];
    size_t n = strlen(cmd);
    if (strncmp(cmd, "quit", n) == 0 && n >= 1 && argc == 1) return 2;
    if (strncmp(cmd, "headers", n) == 0 && n >= 1 && argc == 2) {
        if (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "1") == 0 || strcmp(argv[1], "yes") == 0) {
            sh->headers = 1;
            return 0;
        }
        if (strcmp(argv[1], "off") == 0 || strcmp(argv[1], "0") == 0 || strcmp(argv[1], "no") == 0) {
            sh->headers = 0;
            return 0;
        }
    }
    if (strncmp(cmd, "headers", n) == 0 && n >= 1) {
        fprintf(stderr, "Usage: .headers on|off\n");
        return 1;
    }
    if (strncmp(cmd, "mode", n) == 0 && n >= 1 && argc == 2) {
        const char *m = argv[1];
        if (strcmp(m, "list") == 0) {
            sh->mode = MODE_LIST;
            sh->col_sep = "|";
            sh->row_sep = "\n";
        } else if (strcmp(m, "csv") == 0) {
            sh->mode = MODE_CSV;
            sh->col_sep = ",";
            sh->row_sep = "\r\n";
        } else if (strcmp(m, "line") == 0) {
            sh->mode = MODE_LINE;
            sh->row_sep = "\n";
        } else if (strcmp(m, "json") == 0) {
            sh->mode = MODE_JSON;
        } else {
            fprintf(stderr, "Error: mode should be one of: list csv line json\n");
            return 1;
        }
        return 0;
    }
    if (strncmp(cmd, "help", n) == 0 && n >= 1) {
        fputs(".headers on|off          Turn display of headers on or off\n"
              ".help                    Show this message\n"
              ".mode MODE               Set output mode: csv json line list\n"
              ".quit                    Exit this program\n"
              ".read FILE               Read input from FILE\n"
              ".schema ?PATTERN?        Show the CREATE statements matching PATTERN\n"
              ".tables ?PATTERN?        List names of tables matching a LIKE pattern\n",
              stdout);
        return 0;
    }
    if (strncmp(cmd, "mode", n) == 0 && n >= 1 && argc == 1) {
        static const char *const names[] = {"list", "csv", "line", "json"};
        printf("current output mode: %s\n", names[sh->mode]);
        return 0;
    }
    if (strncmp(cmd, "tables", n) == 0 && n >= 2 && argc <= 2) return cmd_tables(sh, argc == 2 ? argv[1] : NULL);
    if (strncmp(cmd, "schema", n) == 0 && n >= 2 && argc <= 2) return cmd_schema(sh, argc == 2 ? argv[1] : NULL);
    if (strncmp(cmd, "read", n) == 0 && n >= 1 && argc == 2) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
            fprintf(stderr, "Error: cannot open \"%s\"\n", argv[1]);
            return 1;
        }
        int saved = sh->interactive;
        sh->interactive = 0;
        int rc = process_input(sh, f);
        sh->interactive = saved;
        fclose(f);
        return rc == 2 ? 2 : rc != 0;
    }
    fprintf(stderr, "Error: unknown command or invalid arguments:  \"%s\". Enter \".help\" for help\n", cmd);
    return 1;
}

/* Reads SQL and dot commands from `in` until EOF or .quit. Returns 2 after
 * .quit, else 1 if anything failed, else 0. */
static int process_input(struct shell *sh, FILE *in) {
    struct buf sql = {NULL, 0, 0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, startline = 0, errors = 0, quit = 0;
    if (sh->interactive) fputs("sqlvibe> ", stdout);
    while ((n = getline(&line, &cap, in)) != -1) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r') line[--n] = '\0';
        if (sql.len == 0 && all_whitespace(line)) {
            if (sh->interactive) fputs("sqlvibe> ", stdout);
            continue;
        }
        if (sql.len == 0 && (line[0] == '.' || line[0] == '#')) {
            if (line[0] == '.') {
                int rc = meta_command(sh, line);
                if (rc == 2) {
                    quit = 1;
                    break;
                }
                if (rc) errors++;
            }
            if (sh->interactive) fputs("sqlvibe> ", stdout);
            continue;
        }
        const char *start = line;
        if (sql.len == 0) {
            while (isspace((unsigned char)*start)) start++;
            startline = lineno;
        }
        buf_append(&sql, start, strlen(start));
        buf_append(&sql, "\n", 1);
        if (strchr(start, ';') && sql_is_complete(sql.z)) {
            if (run_sql(sh, sql.z, startline)) errors++;
            sql.len = 0;
            sql.z[0] = '\0';
        }
        if (sh->interactive) fputs(sql.len ? "   ...> " : "sqlvibe> ", stdout);
    }
    if (!quit && sql.len > 0 && !all_whitespace(sql.z)) {
        if (run_sql(sh, sql.z, startline)) errors++;
    }
    free(line);
    free(sql.z);
    if (quit) return 2;
    return errors > 0;
}

int main(int argc, char **argv) {
    struct shell sh = {NULL, MODE_LIST, 0, "|", "\n", 0, 0, NULL};
    const char *file = ":memory:";
    int first_cmd = argc;
    int argi = 1;
    for (; argi < argc && argv[argi][0] == '-'; argi++) {
        fprintf(stderr, "sqlvibe: Error: unknown option: %s\n", argv[argi]);
        return 1;
    }
    if (argi < argc) file = argv[argi++];
    first_cmd = argi;
    if (sqlvibe_open(file, &sh.db) != SQLVIBE_OK) {
        fprintf(stderr, "Error: unable to open database \"%s\": %s\n", file, sqlvibe_errmsg(sh.db));
        sqlvibe_close(sh.db);
        return 1;
    }
    int rc = 0;
    if (first_cmd < argc) {
        sh.arg_mode = 1;
        for (int i = first_cmd; i < argc && rc == 0; i++) {
            if (argv[i][0] == '.') {
                char *copy = strdup(argv[i]);
                int mrc = meta_command(&sh, copy);
                free(copy);
                if (mrc == 2) break;
                rc = mrc;
            } else {
                rc = run_sql(&sh, argv[i], 1);
            }
        }
    } else {
        sh.interactive = isatty(0);
        rc = process_input(&sh, stdin) == 1;
        if (sh.interactive) putchar('\n');
    }
    fflush(stdout);
    sqlvibe_finalize(sh.fmt_real);
    if (sqlvibe_close(sh.db) != SQLVIBE_OK) {
        fprintf(stderr, "Error: %s\n", sqlvibe_errmsg(sh.db));
        return 1;
    }
    return rc;
}
