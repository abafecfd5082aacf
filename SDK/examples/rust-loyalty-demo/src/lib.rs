//! loyalty-demo — an EOP plugin in Rust, using only the standard library.
//!
//!  - subscribes to `order.order.placed`; inside the delivery's transaction it
//!    upserts a per-customer counter in its own table (`customer_orders`,
//!    created by migrations/0001_create_counts.sql) through `eop.sql.v1`, and
//!    publishes `loyalty-demo.points.earned` (one point per whole currency unit);
//!  - answers `GET /api/loyalty-demo/customers/{customer}` with
//!    `{"customer":"…","orders":N}` read from SQL (0 for an unknown customer).
//!
//! Every export is wrapped in `std::panic::catch_unwind`: a panic becomes
//! EOP_FAIL with its message in `err`, never an unwind across the C boundary.

mod abi;
mod json;

use abi::*;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

const PLUGIN_ID: &str = "loyalty-demo";
const PLUGIN_VERSION: &str = "1.0.0";
const POINTS_TOPIC: &str = "loyalty-demo.points.earned";

static DESCRIPTOR: eop_plugin_descriptor_t = eop_plugin_descriptor_t {
    struct_size: std::mem::size_of::<eop_plugin_descriptor_t>() as u32,
    abi_version: EOP_ABI_VERSION_INIT,
    id: eop_str_t::from_str(PLUGIN_ID),
    version: eop_str_t::from_str(PLUGIN_VERSION),
    init: Some(loyalty_init),
    activate: Some(loyalty_activate),
    deactivate: Some(loyalty_deactivate),
    destroy: Some(loyalty_destroy),
    state_export: None,
    state_import: None,
};

/// The one entry symbol. Cheap: no allocation, no host calls.
#[no_mangle]
pub extern "C" fn eop_plugin_entry() -> *const eop_plugin_descriptor_t {
    &DESCRIPTOR
}

/// What init() creates; immutable afterwards, so route handlers on any thread
/// and the event handler on the mailbox share it without a lock.
struct State {
    host: *const eop_host_t,
    sql: *const eop_sql_v1_t,
}

// --- helpers ---------------------------------------------------------------

/// Copies `message` into a host-owned error, truncated to its capacity.
fn set_error(err: *mut eop_error_t, message: &str) {
    if err.is_null() {
        return;
    }
    unsafe {
        let e = &mut *err;
        if e.message.is_null() {
            return;
        }
        let n = message.len().min(e.capacity);
        ptr::copy_nonoverlapping(message.as_ptr(), e.message as *mut u8, n);
        e.len = n;
    }
}

/// Runs `body`, turning a panic into EOP_FAIL with the panic's message.
fn guarded(err: *mut eop_error_t, what: &str, body: impl FnOnce() -> Result<eop_status_t, String>) -> eop_status_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(message)) => {
            set_error(err, &message);
            EOP_FAIL
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_error(err, &format!("{} panicked: {}", what, detail));
            EOP_FAIL
        }
    }
}

impl State {
    fn host(&self) -> &eop_host_t {
        unsafe { &*self.host }
    }
    fn sql(&self) -> &eop_sql_v1_t {
        unsafe { &*self.sql }
    }

    fn log(&self, level: eop_log_level_t, message: &str) {
        if let Some(log) = self.host().log {
            unsafe { log(self.host, level, eop_str_t::from_str(message)) }
        }
    }

    /// Runs one statement and reads column 0 of row 0 as int64 (None when no row).
    fn query_int64(&self, sql: &str, params: &[eop_sql_value_t], err: *mut eop_error_t) -> Result<Option<i64>, eop_status_t> {
        let s = self.sql();
        let execute = s.execute.ok_or(EOP_ERR_INTERNAL)?;
        let mut rows: *mut eop_sql_rows_t = ptr::null_mut();
        let status = unsafe { execute(self.host, eop_str_t::from_str(sql), params.as_ptr(), params.len(), &mut rows, err) };
        if status != EOP_OK {
            return Err(status);
        }
        let result = (|| {
            let row_count = s.row_count.ok_or(EOP_ERR_INTERNAL)?;
            if unsafe { row_count(rows) } == 0 {
                return Ok(None);
            }
            let get = s.get_int64.ok_or(EOP_ERR_INTERNAL)?;
            let (mut value, mut is_null) = (0i64, 0i32);
            let st = unsafe { get(rows, 0, 0, &mut value, &mut is_null) };
            if st != EOP_OK {
                return Err(st);
            }
            Ok(if is_null != 0 { None } else { Some(value) })
        })();
        if let Some(release) = s.rows_release {
            unsafe { release(rows) }
        }
        result
    }
}

fn text(s: &str) -> eop_sql_value_t {
    eop_sql_value_t { type_: EOP_SQL_TEXT, int64: 0, number: 0.0, text: eop_str_t::from_str(s) }
}

fn int64(v: i64) -> eop_sql_value_t {
    eop_sql_value_t { type_: EOP_SQL_INT64, int64: v, number: 0.0, text: eop_str_t::empty() }
}

/// The state a handler gets, or an error when the host passed none.
fn state<'a>(ctx: *mut c_void) -> Result<&'a State, String> {
    if ctx.is_null() {
        Err("loyalty-demo: called without the context init() created".to_string())
    } else {
        Ok(unsafe { &*(ctx as *const State) })
    }
}

// --- lifecycle -------------------------------------------------------------

unsafe extern "C" fn loyalty_init(host: *const eop_host_t, plugin_ctx: *mut *mut c_void, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "loyalty-demo init", || {
        if host.is_null() || plugin_ctx.is_null() {
            return Err("init called without a host table".into());
        }
        let h = unsafe { &*host };
        // Every 1.0 slot this plugin calls must be inside the host's table.
        let needed = std::mem::offset_of!(eop_host_t, now_unix_us) + std::mem::size_of::<usize>();
        if (h.struct_size as usize) < needed || h.get_extension.is_none() || h.publish.is_none() || h.log.is_none() {
            return Err("this host's table is too old for loyalty-demo".into());
        }
        let get_extension = h.get_extension.unwrap();
        let sql = unsafe { get_extension(host, EOP_EXT_SQL_V1.as_ptr() as *const c_char) } as *const eop_sql_v1_t;
        if sql.is_null() {
            return Err("loyalty-demo needs eop.sql.v1: this host runs without a database".into());
        }
        let s = unsafe { &*sql };
        if (s.struct_size as usize) < std::mem::size_of::<eop_sql_v1_t>() || s.execute.is_none() {
            return Err("this host's eop.sql.v1 table is smaller than loyalty-demo expects".into());
        }
        let state = Box::new(State { host, sql });
        unsafe { *plugin_ctx = Box::into_raw(state) as *mut c_void };
        Ok(EOP_OK)
    })
}

unsafe extern "C" fn loyalty_activate(ctx: *mut c_void, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "loyalty-demo activate", || {
        state(ctx)?.log(EOP_LOG_INFO, "loyalty-demo (Rust) is active");
        Ok(EOP_OK)
    })
}

unsafe extern "C" fn loyalty_deactivate(ctx: *mut c_void) {
    let _ = catch_unwind(|| {
        if let Ok(s) = state(ctx) {
            s.log(EOP_LOG_INFO, "loyalty-demo (Rust) is stopping");
        }
    });
}

unsafe extern "C" fn loyalty_destroy(ctx: *mut c_void) {
    let _ = catch_unwind(|| {
        if !ctx.is_null() {
            drop(unsafe { Box::from_raw(ctx as *mut State) });
        }
    });
}

// --- the fact handler ------------------------------------------------------

/// `order.order.placed` → upsert the customer's counter and publish
/// `loyalty-demo.points.earned`, all in the delivery's transaction. [mailbox]
#[no_mangle]
pub unsafe extern "C" fn loyalty_on_order_placed(ctx: *mut c_void, event: *const eop_event_t, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "loyalty_on_order_placed", || {
        let s = state(ctx)?;
        if event.is_null() {
            return Err("no event".into());
        }
        let e = unsafe { &*event };
        let payload: &[u8] = if e.payload.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(e.payload, e.payload_len) } };
        let order = json::parse(payload).map_err(|m| format!("order.order.placed payload is not JSON: {}", m))?;
        let order_id = order.get("order_id").and_then(|v| v.as_str()).ok_or("order.order.placed without order_id")?;
        let total = order.get("total").and_then(|v| v.as_i64()).ok_or("order.order.placed without an integer total")?;
        let customer = match order.get("customer").and_then(|v| v.as_str()) {
            Some(c) if !c.is_empty() => c,
            _ => {
                s.log(EOP_LOG_DEBUG, &format!("order {} has no customer: nothing to count", order_id));
                return Ok(EOP_OK);
            }
        };
        let points = (total / 100).max(0);

        let params = [text(customer), text(order_id), int64(points)];
        let orders = match s.query_int64(
            "INSERT INTO customer_orders (customer, orders, points, last_order_id) VALUES ($1, 1, $3, $2) \
             ON CONFLICT (customer) DO UPDATE SET orders = customer_orders.orders + 1, \
             points = customer_orders.points + EXCLUDED.points, last_order_id = EXCLUDED.last_order_id, updated_at = now() \
             RETURNING orders",
            &params,
            err,
        ) {
            Ok(Some(n)) => n,
            Ok(None) => return Err("the upsert returned no row".into()),
            // The host already wrote PostgreSQL's message into err; let it retry.
            Err(_) => return Ok(EOP_RETRY),
        };

        let body = format!(
            "{{\"customer\":{},\"order_id\":{},\"orders\":{},\"points\":{}}}",
            json::quote(customer),
            json::quote(order_id),
            orders,
            points
        );
        let fact = eop_event_t {
            struct_size: std::mem::size_of::<eop_event_t>() as u32,
            topic: eop_str_t::from_str(POINTS_TOPIC),
            schema_version: 0,
            content_type: eop_str_t::empty(),
            payload: body.as_ptr(),
            payload_len: body.len(),
            id: eop_uuid_t { bytes: [0; 16] },
            time_unix_us: 0,
            source: eop_str_t::empty(),
            correlation_id: eop_uuid_t { bytes: [0; 16] },
            causation_id: eop_uuid_t { bytes: [0; 16] },
        };
        let publish = s.host().publish.ok_or("the host has no publish")?;
        let status = unsafe { publish(s.host, &fact, ptr::null_mut(), err) };
        if status != EOP_OK {
            // The counter rolls back with the delivery; a denied or invalid fact would never succeed.
            return Ok(if status == EOP_ERR_DENIED || status == EOP_ERR_INVALID { EOP_FAIL } else { EOP_RETRY });
        }
        Ok(EOP_OK)
    })
}

// --- the HTTP route --------------------------------------------------------

fn path_param<'a>(request: &'a eop_http_request_t, name: &str) -> Option<&'a [u8]> {
    if request.path_params.is_null() {
        return None;
    }
    let pairs = unsafe { std::slice::from_raw_parts(request.path_params, request.path_param_count) };
    pairs.iter().find(|p| unsafe { p.name.as_bytes() } == name.as_bytes()).map(|p| unsafe { p.value.as_bytes() })
}

/// GET /api/loyalty-demo/customers/{customer} → {"customer":"…","orders":N}. [any-thread]
#[no_mangle]
pub unsafe extern "C" fn loyalty_http_customer(
    ctx: *mut c_void,
    request: *const eop_http_request_t,
    response: *mut eop_http_response_t,
    err: *mut eop_error_t,
) -> eop_status_t {
    guarded(err, "loyalty_http_customer", || {
        let s = state(ctx)?;
        if request.is_null() || response.is_null() {
            return Err("no request or response".into());
        }
        let request = unsafe { &*request };
        let customer = path_param(request, "customer").ok_or("the route has no {customer} parameter")?;
        let customer = std::str::from_utf8(customer).map_err(|_| "the customer id is not UTF-8".to_string())?;
        let orders = match s.query_int64("SELECT orders FROM customer_orders WHERE customer = $1", &[text(customer)], err) {
            Ok(n) => n.unwrap_or(0),
            Err(status) => return Ok(status),
        };
        let body = format!("{{\"customer\":{},\"orders\":{}}}", json::quote(customer), orders);
        let r = unsafe { &mut *response };
        let write = r.write.ok_or("the response has no write")?;
        Ok(unsafe { write(response, body.as_ptr(), body.len()) })
    })
}
