/* The port-by-#define story: bench.c is written once against these neutral
 * names and compiled twice. Without USE_SQLITE they are sqlvibe's functions;
 * with -DUSE_SQLITE they are SQLite's, whose calls have the same shapes,
 * result codes and ownership rules. */
#ifndef BENCH_API_H
#define BENCH_API_H

#ifdef USE_SQLITE
#include <sqlite3.h>
#define ENGINE_NAME "sqlite"
#define engine_version sqlite3_libversion
typedef sqlite3 db_t;
typedef sqlite3_stmt stmt_t;
#define db_open sqlite3_open
#define db_close sqlite3_close
#define db_exec sqlite3_exec
#define db_errmsg sqlite3_errmsg
#define db_free sqlite3_free
#define db_prepare sqlite3_prepare_v2
#define db_step sqlite3_step
#define db_reset sqlite3_reset
#define db_finalize sqlite3_finalize
#define db_bind_int64 sqlite3_bind_int64
#define db_bind_text sqlite3_bind_text
#define db_column_int64 sqlite3_column_int64
#define db_column_text sqlite3_column_text
#define db_column_bytes sqlite3_column_bytes
#define DB_OK SQLITE_OK
#define DB_ROW SQLITE_ROW
#define DB_DONE SQLITE_DONE
#define DB_STATIC SQLITE_STATIC
#define DB_TRANSIENT SQLITE_TRANSIENT
#else
#include "sqlvibe.h"
#define ENGINE_NAME "sqlvibe"
#define engine_version sqlvibe_libversion
typedef sqlvibe db_t;
typedef sqlvibe_stmt stmt_t;
#define db_open sqlvibe_open
#define db_close sqlvibe_close
#define db_exec sqlvibe_exec
#define db_errmsg sqlvibe_errmsg
#define db_free sqlvibe_free
#define db_prepare sqlvibe_prepare_v2
#define db_step sqlvibe_step
#define db_reset sqlvibe_reset
#define db_finalize sqlvibe_finalize
#define db_bind_int64 sqlvibe_bind_int64
#define db_bind_text sqlvibe_bind_text
#define db_column_int64 sqlvibe_column_int64
#define db_column_text sqlvibe_column_text
#define db_column_bytes sqlvibe_column_bytes
#define DB_OK SQLVIBE_OK
#define DB_ROW SQLVIBE_ROW
#define DB_DONE SQLVIBE_DONE
#define DB_STATIC SQLVIBE_STATIC
#define DB_TRANSIENT SQLVIBE_TRANSIENT
#endif

#endif /* BENCH_API_H */
