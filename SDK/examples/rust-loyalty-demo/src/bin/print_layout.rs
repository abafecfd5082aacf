//! `print-layout`: prints the layout of the Rust bindings in src/abi.rs, one
//! line per struct and field, then the constants. `check_bindings.c` prints the
//! same lines from the real header; they must be identical.
#[path = "../abi.rs"]
#[allow(dead_code)]
mod abi;

fn main() {
    for line in abi::layout_lines().into_iter().chain(abi::constant_lines()) {
        println!("{}", line);
    }
}
