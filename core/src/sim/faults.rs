//! Fault injection for the simulator (being written).
