//! Aliyun's percent-encoding, the one every Aliyun signature is built on.
//!
//! Aliyun does not use `application/x-www-form-urlencoded` (space as `+`) nor the
//! `percent-encoding` crate's presets: it wants RFC 3986 with the smallest safe set.
//! The bytes `A-Z a-z 0-9 - _ . ~` stay literal and every other byte of the UTF-8
//! form becomes `%XY` with upper-case hex, so a space is `%20`, `*` is `%2A` and `~`
//! stays `~`. The official SDKs reach this by patching the output of their language's
//! URL encoder; here it is written directly so that it is exact and allocation-aware.
//!
//! Encoding is a pure function of the bytes, so `encode(a) == encode(b)` exactly when
//! `a == b`, and percent-decoding the result gives the input back.

/// Whether `byte` is written literally (`A-Z a-z 0-9 - _ . ~`); every other byte is escaped.
#[inline]
pub const fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[byte as usize]
}

/// [`is_unreserved`] as a table: one load per byte in the encoding loops.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    table
};

/// The escape `%XY` of every byte, upper-case hex.
///
/// Tables of ready `&str`s instead of formatting at run time: escaping a byte is then
/// one copy of a few bytes.
const ESCAPES: [&str; 256] = escape_table(&ESCAPE_BYTES);
const ESCAPE_BYTES: [[u8; 3]; 256] = escape_bytes(b"%");

/// The escape of the escape, `%25XY`: encoding an encoded string turns each escape's
/// `%` into `%25` and leaves everything else alone, so the RPC string to sign, which
/// encodes the encoded query once more, is built in one pass with this table.
const ESCAPES_TWICE: [&str; 256] = escape_table(&ESCAPE_TWICE_BYTES);
const ESCAPE_TWICE_BYTES: [[u8; 5]; 256] = escape_bytes(b"%25");

/// `prefix` followed by the two upper-case hex digits, for every byte.
const fn escape_bytes<const W: usize>(prefix: &[u8]) -> [[u8; W]; 256] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; W]; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < prefix.len() {
            table[b][i] = prefix[i];
            i += 1;
        }
        table[b][W - 2] = HEX[b >> 4];
        table[b][W - 1] = HEX[b & 0x0f];
        b += 1;
    }
    table
}

/// Views each entry of an ASCII byte table as a `&str`, at compile time.
const fn escape_table<const W: usize>(bytes: &'static [[u8; W]; 256]) -> [&'static str; 256] {
    let mut table = [""; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match std::str::from_utf8(&bytes[b]) {
            Ok(escape) => escape,
            Err(_) => panic!("escape tables are ASCII"),
        };
        b += 1;
    }
    table
}

/// Percent-encodes `input` the Aliyun way (see the [module docs](self)).
///
/// ```
/// use vod_aliyun::sign::encode::encode;
///
/// assert_eq!(encode("My video *~ (1)"), "My%20video%20%2A~%20%281%29");
/// assert_eq!(encode("测"), "%E6%B5%8B");
/// ```
pub fn encode(input: &str) -> String {
    let mut out = String::with_capacity(encoded_len(input));
    encode_into(&mut out, input);
    out
}

/// Appends the encoding of `input` to `out`, so callers building a larger string
/// allocate once.
pub fn encode_into(out: &mut String, input: &str) {
    write_encoded(out, input, &ESCAPES);
}

/// The length in bytes of [`encode`]`(input)`, computed without encoding.
pub fn encoded_len(input: &str) -> usize {
    input
        .bytes()
        .map(|b| if is_unreserved(b) { 1 } else { 3 })
        .sum()
}

/// Appends `encode(encode(input))` to `out` in one pass.
///
/// Encoding twice turns each escaped byte into `%25XY` and leaves the literal bytes
/// alone; the RPC string to sign encodes the already-encoded query once more, and
/// this avoids building the intermediate string.
pub(crate) fn encode_twice_into(out: &mut String, input: &str) {
    write_encoded(out, input, &ESCAPES_TWICE);
}

/// The length in bytes of `encode(encode(input))`.
pub(crate) fn encoded_twice_len(input: &str) -> usize {
    input
        .bytes()
        .map(|b| if is_unreserved(b) { 1 } else { 5 })
        .sum()
}

/// Copies runs of literal bytes as slices and replaces every other byte with its entry
/// in `escapes`.
fn write_encoded(out: &mut String, input: &str, escapes: &[&str; 256]) {
    let bytes = input.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        // A non-empty run holds only literal (ASCII) bytes, so it starts and ends on
        // char boundaries; an empty one may start inside a multi-byte char, so skip it.
        if run_start < i {
            out.push_str(&input[run_start..i]);
        }
        out.push_str(escapes[usize::from(b)]);
        run_start = i + 1;
    }
    if run_start < bytes.len() {
        out.push_str(&input[run_start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_set_is_exactly_the_documented_one() {
        let literal: Vec<u8> = (0..=255u8).filter(|&b| is_unreserved(b)).collect();
        let expected: Vec<u8> =
            b"-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~".to_vec();
        assert_eq!(literal, expected);
    }

    #[test]
    fn documented_special_cases() {
        assert_eq!(encode(" "), "%20");
        assert_eq!(encode("*"), "%2A");
        assert_eq!(encode("~"), "~");
        assert_eq!(encode("+/="), "%2B%2F%3D");
        assert_eq!(encode("&%"), "%26%25");
        assert_eq!(encode(""), "");
        assert_eq!(encode("\u{1F600}"), "%F0%9F%98%80");
        assert_eq!(encode("\u{0}\u{7f}"), "%00%7F");
    }

    #[test]
    fn every_byte_escape_is_upper_case_hex() {
        for b in 0..=255u8 {
            assert_eq!(ESCAPES[usize::from(b)], format!("%{b:02X}"));
            assert_eq!(ESCAPES_TWICE[usize::from(b)], format!("%25{b:02X}"));
        }
    }

    #[test]
    fn twice_equals_encoding_the_encoding() {
        for s in [
            "",
            "abc",
            "a b*c~",
            "测试 upload",
            "k=v&x=%41",
            "\u{1F600}!",
        ] {
            let mut twice = String::new();
            encode_twice_into(&mut twice, s);
            assert_eq!(twice, encode(&encode(s)), "{s:?}");
            assert_eq!(twice.len(), encoded_twice_len(s), "{s:?}");
            assert_eq!(encode(s).len(), encoded_len(s), "{s:?}");
        }
    }
}
