//! Decoding `application/x-www-form-urlencoded` text: query strings and form bodies.
//!
//! Both vendors take parameters this way, and both vendors' SDKs rely on the server keeping
//! every pair as sent: empty values (`SignatureType=`), repeated names and the original order
//! all matter to signature checks. A `Vec` of pairs keeps all three, where a map would not.

use percent_encoding::percent_decode;

/// Decoded `name=value` pairs, in the order sent.
pub(crate) type Pairs = Vec<(String, String)>;

/// Splits `text` on `&`, decodes `+` as a space and `%XY` escapes as UTF-8 (invalid sequences
/// become U+FFFD, which then fails the signature check instead of the parser). A pair without `=`
/// has an empty value; empty segments are skipped.
pub(crate) fn decode(text: &str) -> Pairs {
    text.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            (decode_component(name), decode_component(value))
        })
        .collect()
}

/// Decodes one form component: `+` is a space, then percent-decoding.
fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode(spaced.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// The value of the first pair called `name`.
pub(crate) fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_empties_and_decodes_plus_and_escapes() {
        let pairs = decode("b=1&a=x+y%2Bz&SignatureType=&flag&&c=%E6%B5%8B");
        let expected = [
            ("b", "1"),
            ("a", "x y+z"),
            ("SignatureType", ""),
            ("flag", ""),
            ("c", "测"),
        ];
        assert_eq!(pairs.len(), expected.len());
        for ((n, v), (en, ev)) in pairs.iter().zip(expected) {
            assert_eq!((n.as_str(), v.as_str()), (en, ev));
        }
        assert_eq!(first(&pairs, "a"), Some("x y+z"));
        assert_eq!(first(&pairs, "missing"), None);
    }
}
