/*
 * eop/ext/sql.h — the SQL extension, "eop.sql.v1".
 *
 *     const eop_sql_v1_t *sql = host->get_extension(host, EOP_EXT_SQL_V1);
 *
 * NULL when the host runs without a database. Every statement runs as the
 * plugin's own PostgreSQL role, in the plugin's own schema (the search_path);
 * another module's tables answer "permission denied" (SQLSTATE 42501).
 *
 * Only parameterised statements cross the boundary: one statement per call,
 * parameters as $1, $2, … with values in `params` (never spliced into the SQL).
 *
 * Transactions. Inside an event handler the host has already opened the
 * delivery's transaction: the handler's statements, the facts it publishes and
 * the host's record that the event was handled commit together after the
 * handler returns EOP_OK, and roll back together on RETRY or FAIL. There,
 * begin/commit/rollback work as a savepoint. Elsewhere (init, activate, timers,
 * queries) begin() opens a transaction on a connection held for this thread
 * until commit() or rollback(); a statement outside any transaction commits
 * on its own.
 *
 * Errors fill `err` with PostgreSQL's message; last_sqlstate() gives the
 * five-character SQLSTATE of this thread's last failed call (e.g. "23505").
 */
#ifndef EOP_EXT_SQL_H
#define EOP_EXT_SQL_H

#include "../host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EOP_EXT_SQL_V1 "eop.sql.v1"

/* Parameter and column types. */
typedef int32_t eop_sql_type_t;
#define EOP_SQL_NULL   0
#define EOP_SQL_TEXT   1   /* UTF-8 text (also uuid, timestamptz, numeric as text) */
#define EOP_SQL_INT64  2
#define EOP_SQL_DOUBLE 3
#define EOP_SQL_BOOL   4
#define EOP_SQL_BYTES  5   /* bytea */

/* One parameter. Set `type` and the matching field; `text` serves TEXT and BYTES.
 * borrowed until return. */
typedef struct eop_sql_value {
    eop_sql_type_t type;
    int64_t int64;       /* EOP_SQL_INT64; EOP_SQL_BOOL as 0/1 */
    double number;       /* EOP_SQL_DOUBLE */
    eop_str_t text;      /* EOP_SQL_TEXT (UTF-8) or EOP_SQL_BYTES (raw bytes) */
} eop_sql_value_t;

/* The rows of one statement; opaque. host-owned until rows_release(). */
typedef struct eop_sql_rows eop_sql_rows_t;

typedef struct eop_sql_v1 {
    uint32_t struct_size;

    /* --- since ABI 1.0 --- */

    /* Open a transaction (a savepoint inside an event handler). [any-thread] [may-block] */
    eop_status_t (EOP_ABI *begin)(const eop_host_t *host, eop_error_t *err);
    /* Commit it (release the savepoint inside a handler). [any-thread] [may-block] */
    eop_status_t (EOP_ABI *commit)(const eop_host_t *host, eop_error_t *err);
    /* Roll it back (to the savepoint inside a handler). [any-thread] [may-block] */
    eop_status_t (EOP_ABI *rollback)(const eop_host_t *host, eop_error_t *err);

    /* Run one parameterised statement. `rows` may be NULL when the result is not
     * wanted; else *rows receives the result: caller releases with rows_release().
     * sql, params: borrowed until return. [any-thread] [may-block] */
    eop_status_t (EOP_ABI *execute)(const eop_host_t *host, eop_str_t sql,
                                    const eop_sql_value_t *params, size_t n_params,
                                    eop_sql_rows_t **rows, eop_error_t *err);

    /* Rows returned, and rows changed by INSERT/UPDATE/DELETE. [any-thread] */
    size_t (EOP_ABI *row_count)(const eop_sql_rows_t *rows);
    int64_t (EOP_ABI *affected)(const eop_sql_rows_t *rows);
    size_t (EOP_ABI *column_count)(const eop_sql_rows_t *rows);
    /* A column's name; valid until rows_release(). [any-thread] */
    eop_str_t (EOP_ABI *column_name)(const eop_sql_rows_t *rows, size_t column);

    /* Typed getters. Each returns EOP_OK, EOP_ERR_NOT_FOUND for a row or column out
     * of range, EOP_ERR_INVALID when the value does not convert; *is_null is set to 1
     * for SQL NULL (and *out left untouched). Text and bytes stay valid until
     * rows_release(). [any-thread] */
    eop_status_t (EOP_ABI *get_text)(const eop_sql_rows_t *rows, size_t row, size_t column, eop_str_t *out, int32_t *is_null);
    eop_status_t (EOP_ABI *get_int64)(const eop_sql_rows_t *rows, size_t row, size_t column, int64_t *out, int32_t *is_null);
    eop_status_t (EOP_ABI *get_double)(const eop_sql_rows_t *rows, size_t row, size_t column, double *out, int32_t *is_null);
    eop_status_t (EOP_ABI *get_bool)(const eop_sql_rows_t *rows, size_t row, size_t column, int32_t *out, int32_t *is_null);
    eop_status_t (EOP_ABI *get_bytes)(const eop_sql_rows_t *rows, size_t row, size_t column, eop_str_t *out, int32_t *is_null);

    /* Free a result. NULL-safe. [any-thread] */
    void (EOP_ABI *rows_release)(eop_sql_rows_t *rows);

    /* The SQLSTATE of this thread's last failed call of this extension, written as
     * 5 characters and a NUL into out[6]; "" when the last call succeeded or the
     * failure did not come from PostgreSQL. [any-thread] */
    void (EOP_ABI *last_sqlstate)(const eop_host_t *host, char out[6]);
} eop_sql_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* EOP_EXT_SQL_H */
