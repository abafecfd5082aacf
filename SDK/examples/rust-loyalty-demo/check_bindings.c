/*
 * check_bindings.c — prints the layout of every struct src/abi.rs binds, from
 * the real headers, in the same format as `print-layout` (the Rust side):
 *     <struct> size N align A
 *     <struct>.<field> offset O size S
 *     const <NAME> <value>
 * The two outputs must be identical; RustPluginTests compares them and names
 * the first difference.
 *
 * Build: cc -std=c11 -I../../include check_bindings.c -o check_bindings && ./check_bindings
 */
#include <eop/plugin.h>
#include <eop/ext/sql.h>
#include <stdalign.h>
#include <stdio.h>

#define S(T) printf("%s size %zu align %zu\n", #T, sizeof(T), (size_t)alignof(T))
#define F(T, f) printf("%s.%s offset %zu size %zu\n", #T, #f, offsetof(T, f), sizeof(((T *)0)->f))
#define C(name) printf("const %s %lld\n", #name, (long long)(name))

int main(void) {
    S(eop_version_t); F(eop_version_t, major); F(eop_version_t, minor); F(eop_version_t, patch);
    S(eop_str_t); F(eop_str_t, ptr); F(eop_str_t, len);
    S(eop_uuid_t); F(eop_uuid_t, bytes);
    S(eop_buffer_t); F(eop_buffer_t, struct_size); F(eop_buffer_t, data); F(eop_buffer_t, len);
    S(eop_error_t); F(eop_error_t, struct_size); F(eop_error_t, code); F(eop_error_t, message);
    F(eop_error_t, capacity); F(eop_error_t, len);
    S(eop_reply_t); F(eop_reply_t, struct_size); F(eop_reply_t, host_data); F(eop_reply_t, write);
    S(eop_event_t); F(eop_event_t, struct_size); F(eop_event_t, topic); F(eop_event_t, schema_version);
    F(eop_event_t, content_type); F(eop_event_t, payload); F(eop_event_t, payload_len); F(eop_event_t, id);
    F(eop_event_t, time_unix_us); F(eop_event_t, source); F(eop_event_t, correlation_id); F(eop_event_t, causation_id);
    S(eop_host_t); F(eop_host_t, struct_size); F(eop_host_t, abi_version); F(eop_host_t, host_data);
    F(eop_host_t, get_extension); F(eop_host_t, log); F(eop_host_t, publish); F(eop_host_t, request);
    F(eop_host_t, setting_get); F(eop_host_t, format_money); F(eop_host_t, timer_start); F(eop_host_t, timer_cancel);
    F(eop_host_t, buffer_release); F(eop_host_t, new_id); F(eop_host_t, now_unix_us);
    S(eop_plugin_descriptor_t); F(eop_plugin_descriptor_t, struct_size); F(eop_plugin_descriptor_t, abi_version);
    F(eop_plugin_descriptor_t, id); F(eop_plugin_descriptor_t, version); F(eop_plugin_descriptor_t, init);
    F(eop_plugin_descriptor_t, activate); F(eop_plugin_descriptor_t, deactivate); F(eop_plugin_descriptor_t, destroy);
    F(eop_plugin_descriptor_t, state_export); F(eop_plugin_descriptor_t, state_import);
    S(eop_http_pair_t); F(eop_http_pair_t, name); F(eop_http_pair_t, value);
    S(eop_principal_t); F(eop_principal_t, struct_size); F(eop_principal_t, kind); F(eop_principal_t, id);
    F(eop_principal_t, permissions); F(eop_principal_t, permission_count);
    S(eop_http_request_t); F(eop_http_request_t, struct_size); F(eop_http_request_t, method); F(eop_http_request_t, path);
    F(eop_http_request_t, path_params); F(eop_http_request_t, path_param_count); F(eop_http_request_t, query);
    F(eop_http_request_t, query_count); F(eop_http_request_t, headers); F(eop_http_request_t, header_count);
    F(eop_http_request_t, body); F(eop_http_request_t, body_len); F(eop_http_request_t, principal);
    F(eop_http_request_t, request_id);
    S(eop_http_response_t); F(eop_http_response_t, struct_size); F(eop_http_response_t, host_data);
    F(eop_http_response_t, set_status); F(eop_http_response_t, add_header); F(eop_http_response_t, write);
    S(eop_sql_value_t); F(eop_sql_value_t, type); F(eop_sql_value_t, int64); F(eop_sql_value_t, number); F(eop_sql_value_t, text);
    S(eop_sql_v1_t); F(eop_sql_v1_t, struct_size); F(eop_sql_v1_t, begin); F(eop_sql_v1_t, commit); F(eop_sql_v1_t, rollback);
    F(eop_sql_v1_t, execute); F(eop_sql_v1_t, row_count); F(eop_sql_v1_t, affected); F(eop_sql_v1_t, column_count);
    F(eop_sql_v1_t, column_name); F(eop_sql_v1_t, get_text); F(eop_sql_v1_t, get_int64); F(eop_sql_v1_t, get_double);
    F(eop_sql_v1_t, get_bool); F(eop_sql_v1_t, get_bytes); F(eop_sql_v1_t, rows_release); F(eop_sql_v1_t, last_sqlstate);

    C(EOP_ABI_VERSION_MAJOR); C(EOP_ABI_VERSION_MINOR); C(EOP_ABI_VERSION_PATCH);
    C(EOP_OK); C(EOP_RETRY); C(EOP_FAIL); C(EOP_ERR_INVALID); C(EOP_ERR_DENIED); C(EOP_ERR_NOT_FOUND);
    C(EOP_ERR_TIMEOUT); C(EOP_ERR_UNAVAILABLE); C(EOP_ERR_INTERNAL);
    C(EOP_LOG_TRACE); C(EOP_LOG_DEBUG); C(EOP_LOG_INFO); C(EOP_LOG_NOTICE); C(EOP_LOG_WARNING); C(EOP_LOG_ERROR);
    C(EOP_PRINCIPAL_ANONYMOUS); C(EOP_PRINCIPAL_STAFF); C(EOP_PRINCIPAL_CUSTOMER); C(EOP_PRINCIPAL_GUEST);
    C(EOP_SQL_NULL); C(EOP_SQL_TEXT); C(EOP_SQL_INT64); C(EOP_SQL_DOUBLE); C(EOP_SQL_BOOL); C(EOP_SQL_BYTES);
    printf("const EOP_EXT_SQL_V1 \"%s\"\n", EOP_EXT_SQL_V1);
    printf("const EOP_PLUGIN_ENTRY_SYMBOL \"%s\"\n", EOP_PLUGIN_ENTRY_SYMBOL);
    return 0;
}
