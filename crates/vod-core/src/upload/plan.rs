//! Cutting a file into parts by the vendor's rules.
//!
//! The layout of an upload is fixed once it starts: the vendor remembers parts by number (OSS) or
//! blocks by index (Wangsu), and a resumed upload must cut the file exactly as the first run did.
//! So the layout is a pure function of the file size, a preferred part size and the vendor's
//! [`PartRules`], and the checkpoint records the part size it chose.

use crate::{Error, Result};

/// A vendor's rules for the parts of a multipart upload.
///
/// ```
/// use vod_core::upload::PartRules;
/// // OSS: parts of at least 100 KiB, at most 10,000 of them, any byte size.
/// let oss = PartRules::new(100 * 1024, 10_000, 1, 5 << 30, 5 << 30);
/// assert_eq!(oss.max_parts, 10_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartRules {
    /// The smallest part but the last (OSS 100 KiB, Wangsu 4 MiB).
    pub min_part_size: u64,
    /// The most parts one upload may have (OSS 10,000).
    pub max_parts: u32,
    /// Every part but the last is a multiple of this (Wangsu 4 MiB, OSS 1).
    pub granularity: u64,
    /// The largest part (OSS 5 GiB).
    pub max_part_size: u64,
    /// The largest object one whole-object request may store (OSS PutObject 5 GiB, Wangsu form
    /// upload 2 GB).
    pub max_single_request: u64,
}

impl PartRules {
    /// Rules with every limit given.
    pub fn new(
        min_part_size: u64,
        max_parts: u32,
        granularity: u64,
        max_part_size: u64,
        max_single_request: u64,
    ) -> Self {
        Self {
            min_part_size,
            max_parts,
            granularity,
            max_part_size,
            max_single_request,
        }
    }

    fn check(&self) -> Result<()> {
        if self.granularity == 0 || self.max_parts == 0 || self.max_part_size == 0 {
            return Err(Error::config(
                "part_rules",
                "granularity, max_parts and max_part_size must be positive",
            ));
        }
        Ok(())
    }
}

/// How the bytes go up: one request, or numbered parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The whole file in one request (it fits in one part).
    Single,
    /// Numbered parts, then a completing request.
    Multipart,
}

/// One part of a plan: its number (from 1), where it starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSpec {
    /// The part number, from 1 (OSS `partNumber`; a Wangsu block index is `number - 1`).
    pub number: u32,
    /// The offset of its first byte in the file.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u64,
}

/// The layout of one upload.
///
/// ```
/// use vod_core::upload::{Mode, PartRules, Plan};
/// let rules = PartRules::new(100 * 1024, 10_000, 1, 5 << 30, 5 << 30);
/// let plan = Plan::new(25 << 20, 10 << 20, &rules).unwrap();
/// assert_eq!(plan.mode(), Mode::Multipart);
/// assert_eq!(plan.part_count(), 3);
/// assert_eq!(plan.part(3).unwrap().len, 5 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    size: u64,
    part_size: u64,
    mode: Mode,
}

impl Plan {
    /// Plans a file of `size` bytes with parts of about `preferred` bytes.
    ///
    /// The part size is `preferred`, raised to the vendor's minimum, rounded up to its granularity,
    /// then doubled until the file fits in the vendor's part count (as oss2's
    /// `determine_part_size` grows it). A file no larger than one part (and than one request may
    /// carry) goes up whole.
    pub fn new(size: u64, preferred: u64, rules: &PartRules) -> Result<Self> {
        rules.check()?;
        if preferred == 0 {
            return Err(Error::invalid_input("part_size", "must be at least 1 byte"));
        }
        let mut part_size = round_up(preferred.max(rules.min_part_size), rules.granularity)?;
        while part_count(size, part_size) > u64::from(rules.max_parts) {
            part_size = part_size.checked_mul(2).ok_or_else(|| too_large(size))?;
        }
        if part_size > rules.max_part_size {
            return Err(too_large(size));
        }
        let mode = if size <= part_size && size <= rules.max_single_request {
            Mode::Single
        } else {
            Mode::Multipart
        };
        Ok(Self {
            size,
            part_size,
            mode,
        })
    }

    /// Rebuilds the plan a checkpoint recorded: the same `part_size`, checked against the rules.
    pub fn resume(size: u64, part_size: u64, rules: &PartRules) -> Result<Self> {
        let plan = Self::new(size, part_size, rules)?;
        if plan.part_size != part_size {
            return Err(Error::invalid_input(
                "part_size",
                format!(
                    "{part_size} bytes breaks the vendor's part rules (it would be {})",
                    plan.part_size
                ),
            ));
        }
        Ok(plan)
    }

    /// The file size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The size of every part but the last.
    pub fn part_size(&self) -> u64 {
        self.part_size
    }

    /// One request or parts.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How many parts (1 for a whole-object upload, even of 0 bytes).
    pub fn part_count(&self) -> u32 {
        match self.mode {
            Mode::Single => 1,
            // `new` bounded the count by `max_parts`, a u32.
            Mode::Multipart => part_count(self.size, self.part_size) as u32,
        }
    }

    /// Part `number` (from 1), or `None` past the last.
    pub fn part(&self, number: u32) -> Option<PartSpec> {
        if number == 0 || number > self.part_count() {
            return None;
        }
        let offset = u64::from(number - 1) * self.part_size;
        let len = (self.size - offset).min(self.part_size);
        Some(PartSpec {
            number,
            offset,
            len,
        })
    }

    /// Every part, in order.
    pub fn parts(&self) -> impl Iterator<Item = PartSpec> + '_ {
        (1..=self.part_count()).filter_map(|n| self.part(n))
    }
}

fn part_count(size: u64, part_size: u64) -> u64 {
    size.div_ceil(part_size).max(1)
}

fn round_up(value: u64, granularity: u64) -> Result<u64> {
    value
        .div_ceil(granularity)
        .checked_mul(granularity)
        .ok_or_else(|| Error::invalid_input("part_size", "is too large"))
}

fn too_large(size: u64) -> Error {
    Error::invalid_input(
        "file",
        format!("{size} bytes is more than the vendor's largest multipart upload"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;

    fn oss() -> PartRules {
        PartRules::new(100 * KIB, 10_000, 1, 5 << 30, 5 << 30)
    }

    fn wangsu() -> PartRules {
        PartRules::new(4 * MIB, 100_000, 4 * MIB, 1 << 40, 2_000_000_000)
    }

    fn lens(plan: &Plan) -> Vec<u64> {
        plan.parts().map(|p| p.len).collect()
    }

    #[test]
    fn empty_and_tiny_files_go_up_whole() {
        for size in [0, 1] {
            let plan = Plan::new(size, MIB, &oss()).unwrap();
            assert_eq!(plan.mode(), Mode::Single);
            assert_eq!(plan.part_count(), 1);
            assert_eq!(lens(&plan), [size]);
        }
    }

    #[test]
    fn around_one_part() {
        let rules = oss();
        let one = Plan::new(MIB - 1, MIB, &rules).unwrap();
        assert_eq!((one.mode(), lens(&one)), (Mode::Single, vec![MIB - 1]));
        let exact = Plan::new(MIB, MIB, &rules).unwrap();
        assert_eq!((exact.mode(), lens(&exact)), (Mode::Single, vec![MIB]));
        let over = Plan::new(MIB + 1, MIB, &rules).unwrap();
        assert_eq!((over.mode(), lens(&over)), (Mode::Multipart, vec![MIB, 1]));
        assert_eq!(over.part(2).unwrap().offset, MIB);
        assert_eq!(over.part(3), None);
        assert_eq!(over.part(0), None);
    }

    #[test]
    fn many_parts_cover_the_file_exactly() {
        let plan = Plan::new(10 * MIB + 7, MIB, &oss()).unwrap();
        assert_eq!(plan.part_count(), 11);
        let mut next = 0;
        for (i, p) in plan.parts().enumerate() {
            assert_eq!(p.number as usize, i + 1);
            assert_eq!(p.offset, next);
            next += p.len;
        }
        assert_eq!(next, plan.size());
        assert_eq!(plan.part(11).unwrap().len, 7);
    }

    #[test]
    fn part_size_is_raised_to_the_minimum() {
        let plan = Plan::new(MIB, 1, &oss()).unwrap();
        assert_eq!(plan.part_size(), 100 * KIB);
        assert_eq!(plan.part_count(), 11);
    }

    #[test]
    fn part_size_doubles_until_the_file_fits_in_ten_thousand_parts() {
        let rules = oss();
        // Exactly 10,000 parts of 1 MiB: no growth.
        let fits = Plan::new(10_000 * MIB, MIB, &rules).unwrap();
        assert_eq!((fits.part_size(), fits.part_count()), (MIB, 10_000));
        // One byte more: doubled once.
        let grown = Plan::new(10_000 * MIB + 1, MIB, &rules).unwrap();
        assert_eq!((grown.part_size(), grown.part_count()), (2 * MIB, 5_001));
        // 100 GiB with 1 MiB parts needs 11 MiB; doubling gives 16 MiB.
        let big = Plan::new(100 << 30, MIB, &rules).unwrap();
        assert_eq!(big.part_size(), 16 * MIB);
        assert!(big.part_count() <= 10_000);
    }

    #[test]
    fn wangsu_blocks_are_multiples_of_four_mib_but_the_last() {
        let plan = Plan::new(9 * MIB, MIB, &wangsu()).unwrap();
        assert_eq!(plan.part_size(), 4 * MIB);
        assert_eq!(lens(&plan), [4 * MIB, 4 * MIB, MIB]);
        let plan = Plan::new(20 * MIB, 5 * MIB, &wangsu()).unwrap();
        assert_eq!(plan.part_size(), 8 * MIB);
        assert_eq!(lens(&plan), [8 * MIB, 8 * MIB, 4 * MIB]);
    }

    #[test]
    fn a_file_over_the_single_request_limit_goes_in_parts_even_if_it_fits_one() {
        let rules = PartRules::new(1, 10, 1, 1000, 50);
        let plan = Plan::new(60, 100, &rules).unwrap();
        assert_eq!((plan.mode(), plan.part_count()), (Mode::Multipart, 1));
    }

    #[test]
    fn impossible_layouts_are_errors() {
        let rules = PartRules::new(1, 2, 1, 10, 10);
        let err = Plan::new(21, 10, &rules).unwrap_err();
        assert_eq!(err.field(), Some("file"));
        let err = Plan::new(5, 0, &rules).unwrap_err();
        assert_eq!(err.field(), Some("part_size"));
        assert!(Plan::new(u64::MAX, u64::MAX / 2, &oss()).is_err());
        assert!(Plan::new(1, 1, &PartRules::new(1, 0, 1, 1, 1)).is_err());
    }

    #[test]
    fn resume_keeps_the_recorded_part_size_or_refuses() {
        let rules = oss();
        let plan = Plan::resume(5 * MIB, MIB, &rules).unwrap();
        assert_eq!(plan.part_size(), MIB);
        let err = Plan::resume(5 * MIB, KIB, &rules).unwrap_err();
        assert_eq!(err.field(), Some("part_size"));
    }
}
