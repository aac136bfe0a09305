//! The loopback ARM emulator (to be built: see ARCHITECTURE.md).
fn main() {}
