//! A small, fast, deterministic hasher and the maps and sets built on it, for the analysis'
//! internal indexes. Not here: anything that knows what the keys mean.

use std::collections::HashMap;

/// A small, fast, deterministic hasher for the analysis' internal maps (keys are ids and
/// indexes from the user's own snapshot, so hash flooding is not a concern; SipHash showed up
/// in profiles of large tenants). The multiply-rotate scheme of rustc's FxHasher.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Whole words first, then the zero-padded tail. Copying every chunk into a buffer with
        // a variable-length `copy_from_slice` compiled to a `memcpy` call per 8 bytes, which
        // was a tenth of a large analysis; the hash values are the same.
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.write_u64(u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            self.write_u64(tail.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<FastHasher>>;
