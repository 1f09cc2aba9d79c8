//! A stable 64-bit key for a base id, stored in the index so hits map to in-memory data
//! without reading documents.

/// FNV-1a of the id's bytes. Stable across builds and platforms (unlike `std`'s hasher), which
/// matters because the key is persisted in the index.
pub fn base_key(id: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    id.bytes().fold(OFFSET, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_is_stable() {
        assert_eq!(super::base_key(""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(super::base_key("lucheng-001"), super::base_key("lucheng-002"));
    }
}
