//! `pullpath plan` (being written).

pub fn run(_args: &[String]) -> u8 {
    eprintln!("pullpath plan: not built yet");
    2
}
