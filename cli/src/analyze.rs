//! `pullpath analyze` (being written).

pub fn run(_args: &[String]) -> u8 {
    eprintln!("pullpath analyze: not built yet");
    2
}
