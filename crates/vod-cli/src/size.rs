//! Byte sizes as people type them (`--part-size 16MiB`) and as the CLI prints them.
//!
//! Only binary units, spelled exactly: `KiB`, `MiB`, `GiB`. `MB` could mean 10^6 or 2^20 depending
//! on who wrote it, and a part size off by 5% breaks Wangsu's 4 MiB block rule, so an ambiguous
//! unit is refused rather than guessed.

const UNITS: [(&str, u64); 3] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30)];

/// Parses a size: a whole number of bytes, optionally followed by `KiB`, `MiB` or `GiB` (a space
/// before the unit is allowed). Zero is refused. The error is a sentence clap prints after
/// "invalid value '…' for '--part-size <SIZE>'".
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    };
    let rule = "expected a whole number of bytes, or one followed by KiB, MiB or GiB (e.g. 8MiB)";
    if digits.is_empty() {
        return Err(rule.into());
    }
    let multiplier = match unit {
        "" => 1,
        _ => match UNITS.iter().find(|(name, _)| *name == unit) {
            Some((_, m)) => *m,
            None => return Err(format!("unknown unit `{unit}`: {rule}")),
        },
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{digits} is too large"))?;
    let bytes = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text} is more bytes than fit in 64 bits"))?;
    if bytes == 0 {
        return Err("must be at least 1 byte".into());
    }
    Ok(bytes)
}

/// `bytes` in the largest binary unit that keeps it at 1 or more, with one decimal
/// (`12.0 MiB`), or in bytes below 1 KiB.
pub fn human(bytes: u64) -> String {
    match UNITS.iter().rev().find(|(_, m)| bytes >= *m) {
        Some((name, m)) => format!("{:.1} {name}", bytes as f64 / *m as f64),
        None => format!("{bytes} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_binary_units() {
        assert_eq!(parse("1"), Ok(1));
        assert_eq!(parse("102400"), Ok(102_400));
        assert_eq!(parse("100KiB"), Ok(102_400));
        assert_eq!(parse("8MiB"), Ok(8 << 20));
        assert_eq!(parse("8 MiB"), Ok(8 << 20));
        assert_eq!(parse(" 2GiB "), Ok(2 << 30));
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        for bad in [
            "", "MiB", "-1", "1.5MiB", "8MB", "8mib", "8 M", "8KB", "8 GiBs", "0x10",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains("KiB, MiB or GiB"), "{bad}: {err}");
        }
        assert_eq!(parse("0"), Err("must be at least 1 byte".into()));
        assert_eq!(parse("0MiB"), Err("must be at least 1 byte".into()));
        assert!(
            parse("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse("17179869184GiB").unwrap_err().contains("64 bits"));
    }

    #[test]
    fn printed_in_the_largest_unit() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1024), "1.0 KiB");
        assert_eq!(human(12 << 20), "12.0 MiB");
        assert_eq!(human(3 << 29), "1.5 GiB");
    }
}
