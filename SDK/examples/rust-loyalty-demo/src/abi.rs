//! Hand-written `#[repr(C)]` bindings to the parts of `SDK/include/eop/*.h`
//! (and `eop/ext/sql.h`) this plugin uses. Keep them in step with the header:
//! `check_bindings.c` prints the C layout, `print-layout` prints this one, and
//! the host's test `RustPluginTests` fails naming the first difference.
#![allow(non_camel_case_types, dead_code)]

use std::ffi::{c_char, c_void};

// --- version.h ---
pub const EOP_ABI_VERSION_MAJOR: u32 = 1;
pub const EOP_ABI_VERSION_MINOR: u32 = 1;
pub const EOP_ABI_VERSION_PATCH: u32 = 0;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct eop_version_t {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

pub const EOP_ABI_VERSION_INIT: eop_version_t = eop_version_t {
    major: EOP_ABI_VERSION_MAJOR,
    minor: EOP_ABI_VERSION_MINOR,
    patch: EOP_ABI_VERSION_PATCH,
};

// --- types.h ---
pub type eop_status_t = i32;
pub const EOP_OK: eop_status_t = 0;
pub const EOP_RETRY: eop_status_t = 1;
pub const EOP_FAIL: eop_status_t = 2;
pub const EOP_ERR_INVALID: eop_status_t = -1;
pub const EOP_ERR_DENIED: eop_status_t = -2;
pub const EOP_ERR_NOT_FOUND: eop_status_t = -3;
pub const EOP_ERR_TIMEOUT: eop_status_t = -4;
pub const EOP_ERR_UNAVAILABLE: eop_status_t = -5;
pub const EOP_ERR_INTERNAL: eop_status_t = -6;

/// UTF-8 bytes with a length; not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct eop_str_t {
    pub ptr: *const c_char,
    pub len: usize,
}

impl eop_str_t {
    /// Borrows a Rust string (no copy); valid as long as `s`.
    pub const fn from_str(s: &str) -> Self {
        eop_str_t { ptr: s.as_ptr() as *const c_char, len: s.len() }
    }
    pub const fn empty() -> Self {
        eop_str_t { ptr: std::ptr::null(), len: 0 }
    }
    /// The bytes, or empty for a NULL pointer.
    /// Safety: `ptr` must point at `len` readable bytes for the lifetime used.
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr as *const u8, self.len)
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct eop_uuid_t {
    pub bytes: [u8; 16],
}

#[repr(C)]
#[derive(Debug)]
pub struct eop_buffer_t {
    pub struct_size: u32,
    pub data: *mut u8,
    pub len: usize,
}

#[repr(C)]
#[derive(Debug)]
pub struct eop_error_t {
    pub struct_size: u32,
    pub code: i32,
    pub message: *mut c_char,
    pub capacity: usize,
    pub len: usize,
}

#[repr(C)]
pub struct eop_reply_t {
    pub struct_size: u32,
    pub host_data: *mut c_void,
    pub write: Option<unsafe extern "C" fn(reply: *mut eop_reply_t, data: *const u8, len: usize) -> eop_status_t>,
}

// --- events.h ---
#[repr(C)]
pub struct eop_event_t {
    pub struct_size: u32,
    pub topic: eop_str_t,
    pub schema_version: u32,
    pub content_type: eop_str_t,
    pub payload: *const u8,
    pub payload_len: usize,
    pub id: eop_uuid_t,
    pub time_unix_us: i64,
    pub source: eop_str_t,
    pub correlation_id: eop_uuid_t,
    pub causation_id: eop_uuid_t,
}

// --- host.h ---
pub type eop_log_level_t = i32;
pub const EOP_LOG_TRACE: eop_log_level_t = 0;
pub const EOP_LOG_DEBUG: eop_log_level_t = 1;
pub const EOP_LOG_INFO: eop_log_level_t = 2;
pub const EOP_LOG_NOTICE: eop_log_level_t = 3;
pub const EOP_LOG_WARNING: eop_log_level_t = 4;
pub const EOP_LOG_ERROR: eop_log_level_t = 5;

pub type eop_timer_fn = Option<unsafe extern "C" fn(plugin_ctx: *mut c_void, timer_id: u64)>;

#[repr(C)]
pub struct eop_host_t {
    pub struct_size: u32,
    pub abi_version: eop_version_t,
    pub host_data: *mut c_void,
    pub get_extension: Option<unsafe extern "C" fn(host: *const eop_host_t, id: *const c_char) -> *const c_void>,
    pub log: Option<unsafe extern "C" fn(host: *const eop_host_t, level: eop_log_level_t, message: eop_str_t)>,
    pub publish: Option<
        unsafe extern "C" fn(host: *const eop_host_t, event: *const eop_event_t, out_id: *mut eop_uuid_t, err: *mut eop_error_t) -> eop_status_t,
    >,
    pub request: Option<
        unsafe extern "C" fn(
            host: *const eop_host_t,
            query: *const eop_event_t,
            timeout_ms: u32,
            reply: *mut eop_buffer_t,
            err: *mut eop_error_t,
        ) -> eop_status_t,
    >,
    pub setting_get: Option<
        unsafe extern "C" fn(host: *const eop_host_t, key: eop_str_t, out: *mut eop_buffer_t, err: *mut eop_error_t) -> eop_status_t,
    >,
    pub format_money: Option<
        unsafe extern "C" fn(
            host: *const eop_host_t,
            minor_units: i64,
            currency: eop_str_t,
            out: *mut eop_buffer_t,
            err: *mut eop_error_t,
        ) -> eop_status_t,
    >,
    pub timer_start: Option<
        unsafe extern "C" fn(
            host: *const eop_host_t,
            delay_ms: u32,
            interval_ms: u32,
            f: eop_timer_fn,
            out_timer_id: *mut u64,
            err: *mut eop_error_t,
        ) -> eop_status_t,
    >,
    pub timer_cancel: Option<unsafe extern "C" fn(host: *const eop_host_t, timer_id: u64) -> eop_status_t>,
    pub buffer_release: Option<unsafe extern "C" fn(host: *const eop_host_t, buffer: *mut eop_buffer_t)>,
    pub new_id: Option<unsafe extern "C" fn(host: *const eop_host_t) -> eop_uuid_t>,
    pub now_unix_us: Option<unsafe extern "C" fn(host: *const eop_host_t) -> i64>,
}

// --- plugin.h ---
#[repr(C)]
pub struct eop_plugin_descriptor_t {
    pub struct_size: u32,
    pub abi_version: eop_version_t,
    pub id: eop_str_t,
    pub version: eop_str_t,
    pub init: Option<unsafe extern "C" fn(host: *const eop_host_t, plugin_ctx: *mut *mut c_void, err: *mut eop_error_t) -> eop_status_t>,
    pub activate: Option<unsafe extern "C" fn(plugin_ctx: *mut c_void, err: *mut eop_error_t) -> eop_status_t>,
    pub deactivate: Option<unsafe extern "C" fn(plugin_ctx: *mut c_void)>,
    pub destroy: Option<unsafe extern "C" fn(plugin_ctx: *mut c_void)>,
    // since ABI 1.1: hot swap
    pub state_export: Option<
        unsafe extern "C" fn(plugin_ctx: *mut c_void, format: *mut u32, out: *mut eop_reply_t, err: *mut eop_error_t) -> eop_status_t,
    >,
    pub state_import: Option<
        unsafe extern "C" fn(
            plugin_ctx: *mut c_void,
            from_version: eop_str_t,
            format: u32,
            data: *const u8,
            len: usize,
            err: *mut eop_error_t,
        ) -> eop_status_t,
    >,
}

// The descriptor is a constant the host only reads; its pointers are to 'static data.
unsafe impl Sync for eop_plugin_descriptor_t {}

pub const EOP_PLUGIN_ENTRY_SYMBOL: &str = "eop_plugin_entry";

// --- http.h ---
#[repr(C)]
pub struct eop_http_pair_t {
    pub name: eop_str_t,
    pub value: eop_str_t,
}

pub type eop_principal_kind_t = i32;
pub const EOP_PRINCIPAL_ANONYMOUS: eop_principal_kind_t = 0;
pub const EOP_PRINCIPAL_STAFF: eop_principal_kind_t = 1;
pub const EOP_PRINCIPAL_CUSTOMER: eop_principal_kind_t = 2;
pub const EOP_PRINCIPAL_GUEST: eop_principal_kind_t = 3;

#[repr(C)]
pub struct eop_principal_t {
    pub struct_size: u32,
    pub kind: eop_principal_kind_t,
    pub id: eop_str_t,
    pub permissions: *const eop_str_t,
    pub permission_count: usize,
}

#[repr(C)]
pub struct eop_http_request_t {
    pub struct_size: u32,
    pub method: eop_str_t,
    pub path: eop_str_t,
    pub path_params: *const eop_http_pair_t,
    pub path_param_count: usize,
    pub query: *const eop_http_pair_t,
    pub query_count: usize,
    pub headers: *const eop_http_pair_t,
    pub header_count: usize,
    pub body: *const u8,
    pub body_len: usize,
    pub principal: *const eop_principal_t,
    pub request_id: eop_str_t,
}

#[repr(C)]
pub struct eop_http_response_t {
    pub struct_size: u32,
    pub host_data: *mut c_void,
    pub set_status: Option<unsafe extern "C" fn(response: *mut eop_http_response_t, status: u16)>,
    pub add_header: Option<unsafe extern "C" fn(response: *mut eop_http_response_t, name: eop_str_t, value: eop_str_t) -> eop_status_t>,
    pub write: Option<unsafe extern "C" fn(response: *mut eop_http_response_t, data: *const u8, len: usize) -> eop_status_t>,
}

// --- ext/sql.h ---
pub const EOP_EXT_SQL_V1: &[u8] = b"eop.sql.v1\0";

pub type eop_sql_type_t = i32;
pub const EOP_SQL_NULL: eop_sql_type_t = 0;
pub const EOP_SQL_TEXT: eop_sql_type_t = 1;
pub const EOP_SQL_INT64: eop_sql_type_t = 2;
pub const EOP_SQL_DOUBLE: eop_sql_type_t = 3;
pub const EOP_SQL_BOOL: eop_sql_type_t = 4;
pub const EOP_SQL_BYTES: eop_sql_type_t = 5;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct eop_sql_value_t {
    pub type_: eop_sql_type_t,
    pub int64: i64,
    pub number: f64,
    pub text: eop_str_t,
}

/// Opaque result rows, host-owned until rows_release().
#[repr(C)]
pub struct eop_sql_rows_t {
    _private: [u8; 0],
}

#[repr(C)]
pub struct eop_sql_v1_t {
    pub struct_size: u32,
    pub begin: Option<unsafe extern "C" fn(host: *const eop_host_t, err: *mut eop_error_t) -> eop_status_t>,
    pub commit: Option<unsafe extern "C" fn(host: *const eop_host_t, err: *mut eop_error_t) -> eop_status_t>,
    pub rollback: Option<unsafe extern "C" fn(host: *const eop_host_t, err: *mut eop_error_t) -> eop_status_t>,
    pub execute: Option<
        unsafe extern "C" fn(
            host: *const eop_host_t,
            sql: eop_str_t,
            params: *const eop_sql_value_t,
            n_params: usize,
            rows: *mut *mut eop_sql_rows_t,
            err: *mut eop_error_t,
        ) -> eop_status_t,
    >,
    pub row_count: Option<unsafe extern "C" fn(rows: *const eop_sql_rows_t) -> usize>,
    pub affected: Option<unsafe extern "C" fn(rows: *const eop_sql_rows_t) -> i64>,
    pub column_count: Option<unsafe extern "C" fn(rows: *const eop_sql_rows_t) -> usize>,
    pub column_name: Option<unsafe extern "C" fn(rows: *const eop_sql_rows_t, column: usize) -> eop_str_t>,
    pub get_text: Option<
        unsafe extern "C" fn(rows: *const eop_sql_rows_t, row: usize, column: usize, out: *mut eop_str_t, is_null: *mut i32) -> eop_status_t,
    >,
    pub get_int64: Option<
        unsafe extern "C" fn(rows: *const eop_sql_rows_t, row: usize, column: usize, out: *mut i64, is_null: *mut i32) -> eop_status_t,
    >,
    pub get_double: Option<
        unsafe extern "C" fn(rows: *const eop_sql_rows_t, row: usize, column: usize, out: *mut f64, is_null: *mut i32) -> eop_status_t,
    >,
    pub get_bool: Option<
        unsafe extern "C" fn(rows: *const eop_sql_rows_t, row: usize, column: usize, out: *mut i32, is_null: *mut i32) -> eop_status_t,
    >,
    pub get_bytes: Option<
        unsafe extern "C" fn(rows: *const eop_sql_rows_t, row: usize, column: usize, out: *mut eop_str_t, is_null: *mut i32) -> eop_status_t,
    >,
    pub rows_release: Option<unsafe extern "C" fn(rows: *mut eop_sql_rows_t)>,
    pub last_sqlstate: Option<unsafe extern "C" fn(host: *const eop_host_t, out: *mut c_char)>,
}

// --- layout report (compared with check_bindings.c) ---

fn size_of_field<T, F>(_: fn(&T) -> &F) -> usize {
    std::mem::size_of::<F>()
}

macro_rules! layout {
    ($out:ident, $t:ident { $($f:ident => $cf:ident),* $(,)? }) => {{
        $out.push(format!("{} size {} align {}", stringify!($t), std::mem::size_of::<$t>(), std::mem::align_of::<$t>()));
        $(
            $out.push(format!("{}.{} offset {} size {}", stringify!($t), stringify!($cf),
                std::mem::offset_of!($t, $f), size_of_field::<$t, _>(|s: &$t| &s.$f)));
        )*
    }};
}

/// One line per struct (`<name> size N align A`) and per field
/// (`<name>.<field> offset O size S`), in header order; the C field name is used.
pub fn layout_lines() -> Vec<String> {
    let mut out = Vec::new();
    layout!(out, eop_version_t { major => major, minor => minor, patch => patch });
    layout!(out, eop_str_t { ptr => ptr, len => len });
    layout!(out, eop_uuid_t { bytes => bytes });
    layout!(out, eop_buffer_t { struct_size => struct_size, data => data, len => len });
    layout!(out, eop_error_t { struct_size => struct_size, code => code, message => message, capacity => capacity, len => len });
    layout!(out, eop_reply_t { struct_size => struct_size, host_data => host_data, write => write });
    layout!(out, eop_event_t {
        struct_size => struct_size, topic => topic, schema_version => schema_version, content_type => content_type,
        payload => payload, payload_len => payload_len, id => id, time_unix_us => time_unix_us, source => source,
        correlation_id => correlation_id, causation_id => causation_id,
    });
    layout!(out, eop_host_t {
        struct_size => struct_size, abi_version => abi_version, host_data => host_data, get_extension => get_extension,
        log => log, publish => publish, request => request, setting_get => setting_get, format_money => format_money,
        timer_start => timer_start, timer_cancel => timer_cancel, buffer_release => buffer_release, new_id => new_id,
        now_unix_us => now_unix_us,
    });
    layout!(out, eop_plugin_descriptor_t {
        struct_size => struct_size, abi_version => abi_version, id => id, version => version, init => init,
        activate => activate, deactivate => deactivate, destroy => destroy,
        state_export => state_export, state_import => state_import,
    });
    layout!(out, eop_http_pair_t { name => name, value => value });
    layout!(out, eop_principal_t { struct_size => struct_size, kind => kind, id => id, permissions => permissions, permission_count => permission_count });
    layout!(out, eop_http_request_t {
        struct_size => struct_size, method => method, path => path, path_params => path_params,
        path_param_count => path_param_count, query => query, query_count => query_count, headers => headers,
        header_count => header_count, body => body, body_len => body_len, principal => principal, request_id => request_id,
    });
    layout!(out, eop_http_response_t { struct_size => struct_size, host_data => host_data, set_status => set_status, add_header => add_header, write => write });
    layout!(out, eop_sql_value_t { type_ => type, int64 => int64, number => number, text => text });
    layout!(out, eop_sql_v1_t {
        struct_size => struct_size, begin => begin, commit => commit, rollback => rollback, execute => execute,
        row_count => row_count, affected => affected, column_count => column_count, column_name => column_name,
        get_text => get_text, get_int64 => get_int64, get_double => get_double, get_bool => get_bool,
        get_bytes => get_bytes, rows_release => rows_release, last_sqlstate => last_sqlstate,
    });
    out
}

/// The constants, as `const NAME VALUE` lines (also compared with the header).
pub fn constant_lines() -> Vec<String> {
    let pairs: &[(&str, i64)] = &[
        ("EOP_ABI_VERSION_MAJOR", EOP_ABI_VERSION_MAJOR as i64),
        ("EOP_ABI_VERSION_MINOR", EOP_ABI_VERSION_MINOR as i64),
        ("EOP_ABI_VERSION_PATCH", EOP_ABI_VERSION_PATCH as i64),
        ("EOP_OK", EOP_OK as i64),
        ("EOP_RETRY", EOP_RETRY as i64),
        ("EOP_FAIL", EOP_FAIL as i64),
        ("EOP_ERR_INVALID", EOP_ERR_INVALID as i64),
        ("EOP_ERR_DENIED", EOP_ERR_DENIED as i64),
        ("EOP_ERR_NOT_FOUND", EOP_ERR_NOT_FOUND as i64),
        ("EOP_ERR_TIMEOUT", EOP_ERR_TIMEOUT as i64),
        ("EOP_ERR_UNAVAILABLE", EOP_ERR_UNAVAILABLE as i64),
        ("EOP_ERR_INTERNAL", EOP_ERR_INTERNAL as i64),
        ("EOP_LOG_TRACE", EOP_LOG_TRACE as i64),
        ("EOP_LOG_DEBUG", EOP_LOG_DEBUG as i64),
        ("EOP_LOG_INFO", EOP_LOG_INFO as i64),
        ("EOP_LOG_NOTICE", EOP_LOG_NOTICE as i64),
        ("EOP_LOG_WARNING", EOP_LOG_WARNING as i64),
        ("EOP_LOG_ERROR", EOP_LOG_ERROR as i64),
        ("EOP_PRINCIPAL_ANONYMOUS", EOP_PRINCIPAL_ANONYMOUS as i64),
        ("EOP_PRINCIPAL_STAFF", EOP_PRINCIPAL_STAFF as i64),
        ("EOP_PRINCIPAL_CUSTOMER", EOP_PRINCIPAL_CUSTOMER as i64),
        ("EOP_PRINCIPAL_GUEST", EOP_PRINCIPAL_GUEST as i64),
        ("EOP_SQL_NULL", EOP_SQL_NULL as i64),
        ("EOP_SQL_TEXT", EOP_SQL_TEXT as i64),
        ("EOP_SQL_INT64", EOP_SQL_INT64 as i64),
        ("EOP_SQL_DOUBLE", EOP_SQL_DOUBLE as i64),
        ("EOP_SQL_BOOL", EOP_SQL_BOOL as i64),
        ("EOP_SQL_BYTES", EOP_SQL_BYTES as i64),
    ];
    let mut out: Vec<String> = pairs.iter().map(|(n, v)| format!("const {} {}", n, v)).collect();
    let ext = std::str::from_utf8(&EOP_EXT_SQL_V1[..EOP_EXT_SQL_V1.len() - 1]).unwrap_or("?");
    out.push(format!("const EOP_EXT_SQL_V1 \"{}\"", ext));
    out.push(format!("const EOP_PLUGIN_ENTRY_SYMBOL \"{}\"", EOP_PLUGIN_ENTRY_SYMBOL));
    out
}
