/* Builds a sqlvibe client against the system libsqlite3 instead (compile with
 * -DUSE_SQLITE -lsqlite3): every sqlvibe_* name used by the C tests and the
 * shell maps to its sqlite3_* twin. This is how the C tests' expectations are
 * checked against SQLite itself (`make ctest-sqlite`), and it shows that the
 * two APIs differ only in their prefix. */
#ifndef SQLVIBE_ON_SQLITE3_H
#define SQLVIBE_ON_SQLITE3_H
#include <sqlite3.h>

#define sqlvibe sqlite3
#define sqlvibe_stmt sqlite3_stmt
#define sqlvibe_int64 sqlite3_int64
#define sqlvibe_uint64 sqlite3_uint64
#define sqlvibe_destructor_type sqlite3_destructor_type
#define sqlvibe_callback sqlite3_callback

#define sqlvibe_open sqlite3_open
#define sqlvibe_open_v2 sqlite3_open_v2
#define sqlvibe_close sqlite3_close
#define sqlvibe_close_v2 sqlite3_close_v2
#define sqlvibe_exec sqlite3_exec
#define sqlvibe_busy_timeout sqlite3_busy_timeout
#define sqlvibe_wal_checkpoint_v2 sqlite3_wal_checkpoint_v2
#define sqlvibe_wal_autocheckpoint sqlite3_wal_autocheckpoint
#define SQLVIBE_CHECKPOINT_PASSIVE SQLITE_CHECKPOINT_PASSIVE
#define SQLVIBE_CHECKPOINT_FULL SQLITE_CHECKPOINT_FULL
#define SQLVIBE_CHECKPOINT_RESTART SQLITE_CHECKPOINT_RESTART
#define SQLVIBE_CHECKPOINT_TRUNCATE SQLITE_CHECKPOINT_TRUNCATE
#define sqlvibe_get_autocommit sqlite3_get_autocommit
#define sqlvibe_interrupt sqlite3_interrupt
#define sqlvibe_changes sqlite3_changes
#define sqlvibe_total_changes sqlite3_total_changes
#define sqlvibe_last_insert_rowid sqlite3_last_insert_rowid
#define sqlvibe_errcode sqlite3_errcode
#define sqlvibe_extended_errcode sqlite3_extended_errcode
#define sqlvibe_errmsg sqlite3_errmsg
#define sqlvibe_errstr sqlite3_errstr
#define sqlvibe_malloc sqlite3_malloc
#define sqlvibe_free sqlite3_free
#define sqlvibe_libversion sqlite3_libversion
#define sqlvibe_libversion_number sqlite3_libversion_number
#define sqlvibe_prepare_v2 sqlite3_prepare_v2
#define sqlvibe_step sqlite3_step
#define sqlvibe_reset sqlite3_reset
#define sqlvibe_finalize sqlite3_finalize
#define sqlvibe_sql sqlite3_sql
#define sqlvibe_stmt_readonly sqlite3_stmt_readonly
#define sqlvibe_stmt_isexplain sqlite3_stmt_isexplain
#define sqlvibe_data_count sqlite3_data_count
#define sqlvibe_clear_bindings sqlite3_clear_bindings
#define sqlvibe_bind_null sqlite3_bind_null
#define sqlvibe_bind_int sqlite3_bind_int
#define sqlvibe_bind_int64 sqlite3_bind_int64
#define sqlvibe_bind_double sqlite3_bind_double
#define sqlvibe_bind_text sqlite3_bind_text
#define sqlvibe_bind_text64 sqlite3_bind_text64
#define sqlvibe_bind_blob sqlite3_bind_blob
#define sqlvibe_bind_blob64 sqlite3_bind_blob64
#define sqlvibe_bind_zeroblob sqlite3_bind_zeroblob
#define sqlvibe_bind_parameter_count sqlite3_bind_parameter_count
#define sqlvibe_bind_parameter_index sqlite3_bind_parameter_index
#define sqlvibe_bind_parameter_name sqlite3_bind_parameter_name
#define sqlvibe_column_count sqlite3_column_count
#define sqlvibe_column_name sqlite3_column_name
#define sqlvibe_column_decltype sqlite3_column_decltype
#define sqlvibe_column_type sqlite3_column_type
#define sqlvibe_column_int sqlite3_column_int
#define sqlvibe_column_int64 sqlite3_column_int64
#define sqlvibe_column_double sqlite3_column_double
#define sqlvibe_column_text sqlite3_column_text
#define sqlvibe_column_blob sqlite3_column_blob
#define sqlvibe_column_bytes sqlite3_column_bytes

#define SQLVIBE_OK SQLITE_OK
#define SQLVIBE_ERROR SQLITE_ERROR
#define SQLVIBE_INTERNAL SQLITE_INTERNAL
#define SQLVIBE_ABORT SQLITE_ABORT
#define SQLVIBE_BUSY SQLITE_BUSY
#define SQLVIBE_NOMEM SQLITE_NOMEM
#define SQLVIBE_READONLY SQLITE_READONLY
#define SQLVIBE_INTERRUPT SQLITE_INTERRUPT
#define SQLVIBE_CORRUPT SQLITE_CORRUPT
#define SQLVIBE_CANTOPEN SQLITE_CANTOPEN
#define SQLVIBE_CONSTRAINT SQLITE_CONSTRAINT
#define SQLVIBE_MISMATCH SQLITE_MISMATCH
#define SQLVIBE_MISUSE SQLITE_MISUSE
#define SQLVIBE_RANGE SQLITE_RANGE
#define SQLVIBE_TOOBIG SQLITE_TOOBIG
#define SQLVIBE_NOTADB SQLITE_NOTADB
#define SQLVIBE_ROW SQLITE_ROW
#define SQLVIBE_DONE SQLITE_DONE
#define SQLVIBE_CONSTRAINT_UNIQUE SQLITE_CONSTRAINT_UNIQUE
#define SQLVIBE_CONSTRAINT_NOTNULL SQLITE_CONSTRAINT_NOTNULL
#define SQLVIBE_CONSTRAINT_PRIMARYKEY SQLITE_CONSTRAINT_PRIMARYKEY
#define SQLVIBE_CONSTRAINT_CHECK SQLITE_CONSTRAINT_CHECK
#define SQLVIBE_INTEGER SQLITE_INTEGER
#define SQLVIBE_FLOAT SQLITE_FLOAT
#define SQLVIBE_TEXT SQLITE_TEXT
#define SQLVIBE_BLOB SQLITE_BLOB
#define SQLVIBE_NULL SQLITE_NULL
#define SQLVIBE_UTF8 SQLITE_UTF8
#define SQLVIBE_OPEN_READONLY SQLITE_OPEN_READONLY
#define SQLVIBE_OPEN_READWRITE SQLITE_OPEN_READWRITE
#define SQLVIBE_OPEN_CREATE SQLITE_OPEN_CREATE
#define SQLVIBE_STATIC SQLITE_STATIC
#define SQLVIBE_TRANSIENT SQLITE_TRANSIENT

#endif /* SQLVIBE_ON_SQLITE3_H */
