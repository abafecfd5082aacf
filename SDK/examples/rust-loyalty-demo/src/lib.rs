//! com.example.loyalty — an EOP plugin in Rust, using only the standard library.
//!
//!  - subscribes to `order.order.placed`; inside the delivery's transaction it
//!    upserts a per-customer counter in its own table (`customer_orders`,
//!    created by migrations/0001_create_counts.sql) through `eop.sql.v1`, and
//!    publishes `com.example.loyalty.points.earned` (one point per whole currency unit);
//!  - answers `GET /api/com.example.loyalty/customers/{customer}` with
//!    `{"customer":"…","orders":N}` read from SQL (0 for an unknown customer);
//!  - keeps an in-memory tally of the orders its handler has counted since the
//!    host started, carried from one version to the next by a hot swap
//!    (`state_export` / `state_import`, ABI 1.1), shown by
//!    `GET /api/com.example.loyalty/status`.
//!
//! Every export is wrapped in `std::panic::catch_unwind`: a panic becomes
//! EOP_FAIL with its message in `err`, never an unwind across the C boundary.

mod abi;
mod json;

use abi::*;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

const PLUGIN_ID: &str = "com.example.loyalty";
/// The version the descriptor reports; it must equal the manifest's. Set
/// `LOYALTY_VERSION=1.1.0` when building to make a second version of the same
/// source (the host's hot-swap test does).
const PLUGIN_VERSION: &str = match option_env!("LOYALTY_VERSION") {
    Some(v) => v,
    None => "1.0.0",
};
const POINTS_TOPIC: &str = "com.example.loyalty.points.earned";

/// Layout of the state `state_export` writes: format 1 is the tally as 8 bytes,
/// little-endian. A later layout gets number 2, and `state_import` keeps reading 1.
const STATE_FORMAT: u32 = 1;

static DESCRIPTOR: eop_plugin_descriptor_t = eop_plugin_descriptor_t {
    struct_size: std::mem::size_of::<eop_plugin_descriptor_t>() as u32,
    abi_version: EOP_ABI_VERSION_INIT,
    id: eop_str_t::from_str(PLUGIN_ID),
    version: eop_str_t::from_str(PLUGIN_VERSION),
    init: Some(loyalty_init),
    activate: Some(loyalty_activate),
    deactivate: Some(loyalty_deactivate),
    destroy: Some(loyalty_destroy),
    state_export: Some(loyalty_state_export),
    state_import: Some(loyalty_state_import),
};

/// The one entry symbol. Cheap: no allocation, no host calls.
#[no_mangle]
pub extern "C" fn eop_plugin_entry() -> *const eop_plugin_descriptor_t {
    &DESCRIPTOR
}

/// What init() creates. Route handlers on any thread and the event handler on
/// the mailbox share it: `host` and `sql` never change, and the tally is atomic.
struct State {
    host: *const eop_host_t,
    sql: *const eop_sql_v1_t,
    /// Orders counted by the handler since the host started (this instance and
    /// the ones it was swapped from). In memory only: a restart sets it to 0.
    orders_seen: AtomicU64,
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
        Err("com.example.loyalty: called without the context init() created".to_string())
    } else {
        Ok(unsafe { &*(ctx as *const State) })
    }
}

// --- lifecycle -------------------------------------------------------------

unsafe extern "C" fn loyalty_init(host: *const eop_host_t, plugin_ctx: *mut *mut c_void, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "com.example.loyalty init", || {
        if host.is_null() || plugin_ctx.is_null() {
            return Err("init called without a host table".into());
        }
        let h = unsafe { &*host };
        // Every 1.0 slot this plugin calls must be inside the host's table.
        let needed = std::mem::offset_of!(eop_host_t, now_unix_us) + std::mem::size_of::<usize>();
        if (h.struct_size as usize) < needed || h.get_extension.is_none() || h.publish.is_none() || h.log.is_none() {
            return Err("this host's table is too old for com.example.loyalty".into());
        }
        let get_extension = h.get_extension.unwrap();
        let sql = unsafe { get_extension(host, EOP_EXT_SQL_V1.as_ptr() as *const c_char) } as *const eop_sql_v1_t;
        if sql.is_null() {
            return Err("com.example.loyalty needs eop.sql.v1: this host runs without a database".into());
        }
        let s = unsafe { &*sql };
        if (s.struct_size as usize) < std::mem::size_of::<eop_sql_v1_t>() || s.execute.is_none() {
            return Err("this host's eop.sql.v1 table is smaller than com.example.loyalty expects".into());
        }
        let state = Box::new(State { host, sql, orders_seen: AtomicU64::new(0) });
        unsafe { *plugin_ctx = Box::into_raw(state) as *mut c_void };
        Ok(EOP_OK)
    })
}

unsafe extern "C" fn loyalty_activate(ctx: *mut c_void, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "com.example.loyalty activate", || {
        state(ctx)?.log(EOP_LOG_INFO, "com.example.loyalty (Rust) is active");
        Ok(EOP_OK)
    })
}

unsafe extern "C" fn loyalty_deactivate(ctx: *mut c_void) {
    let _ = catch_unwind(|| {
        if let Ok(s) = state(ctx) {
            s.log(EOP_LOG_INFO, "com.example.loyalty (Rust) is stopping");
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

// --- hot swap (ABI 1.1) ------------------------------------------------------

/// Old instance: the host has paused deliveries and waited for the handler in
/// flight, so the tally no longer moves. Writes it in layout STATE_FORMAT. [control]
unsafe extern "C" fn loyalty_state_export(ctx: *mut c_void, format: *mut u32, out: *mut eop_reply_t, err: *mut eop_error_t) -> eop_status_t {
    guarded(err, "com.example.loyalty state_export", || {
        let s = state(ctx)?;
        if format.is_null() || out.is_null() {
            return Err("state_export called without a format or an output".into());
        }
        let bytes = s.orders_seen.load(Ordering::SeqCst).to_le_bytes();
        let write = unsafe { (*out).write }.ok_or("the host's reply has no write")?;
        unsafe { *format = STATE_FORMAT };
        Ok(unsafe { write(out, bytes.as_ptr(), bytes.len()) })
    })
}

/// New instance, after init and before activate: reads what the old one wrote.
/// Refuses a layout it does not know, so the swap rolls back. [control]
unsafe extern "C" fn loyalty_state_import(
    ctx: *mut c_void,
    from_version: eop_str_t,
    format: u32,
    data: *const u8,
    len: usize,
    err: *mut eop_error_t,
) -> eop_status_t {
    guarded(err, "com.example.loyalty state_import", || {
        let s = state(ctx)?;
        let from = String::from_utf8_lossy(unsafe { from_version.as_bytes() }).into_owned();
        let bytes: &[u8] = if data.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(data, len) } };
        match format {
            1 => {
                let tally: [u8; 8] = bytes.try_into().map_err(|_| {
                    format!("{} {}: state format 1 from {} is 8 bytes, got {}", PLUGIN_ID, PLUGIN_VERSION, from, bytes.len())
                })?;
                s.orders_seen.store(u64::from_le_bytes(tally), Ordering::SeqCst);
                s.log(EOP_LOG_INFO, &format!("carried a tally of {} orders from {}", u64::from_le_bytes(tally), from));
                Ok(EOP_OK)
            }
            other => Err(format!(
                "{} {} cannot read state format {} from {} (it reads format 1)",
                PLUGIN_ID, PLUGIN_VERSION, other, from
            )),
        }
    })
}

// --- the fact handler ------------------------------------------------------

/// `order.order.placed` → upsert the customer's counter and publish
/// `com.example.loyalty.points.earned`, all in the delivery's transaction. [mailbox]
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
        // Counted only on success: a retried delivery is not seen twice.
        s.orders_seen.fetch_add(1, Ordering::SeqCst);
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

/// GET /api/com.example.loyalty/customers/{customer} → {"customer":"…","orders":N}. [any-thread]
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

/// GET /api/com.example.loyalty/status → {"plugin":"…","version":"…","orders_seen":N}. [any-thread]
#[no_mangle]
pub unsafe extern "C" fn loyalty_http_status(
    ctx: *mut c_void,
    request: *const eop_http_request_t,
    response: *mut eop_http_response_t,
    err: *mut eop_error_t,
) -> eop_status_t {
    let _ = request;
    guarded(err, "loyalty_http_status", || {
        let s = state(ctx)?;
        if response.is_null() {
            return Err("no response".into());
        }
        let body = format!(
            "{{\"plugin\":{},\"version\":{},\"orders_seen\":{}}}",
            json::quote(PLUGIN_ID),
            json::quote(PLUGIN_VERSION),
            s.orders_seen.load(Ordering::SeqCst)
        );
        let write = unsafe { (*response).write }.ok_or("the response has no write")?;
        Ok(unsafe { write(response, body.as_ptr(), body.len()) })
    })
}
