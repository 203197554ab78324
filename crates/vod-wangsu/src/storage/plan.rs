//! How a file splits into slice-upload blocks.
//!
//! Wangsu's rule is that every block but the last is a multiple of 4 MiB ([`BLOCK_UNIT`]): the
//! server hashes blocks in 4 MiB units, so a block of another size would change the file hash.
//! Each `mkblk` says the size of its own block (the last one's is what is left of the file). A
//! [`Block`] can only come from a [`BlockPlan`], so a block that breaks the rule cannot be sent.

use vod_core::{Error, Result};

use super::file_hash::HASH_BLOCK_BYTES;

/// The unit of slice-upload block sizes: 4 MiB.
pub const BLOCK_UNIT: u64 = HASH_BLOCK_BYTES;

/// The blocks of one file, for one block size.
///
/// ```
/// use vod_wangsu::storage::{BlockPlan, BLOCK_UNIT};
/// let plan = BlockPlan::new(2 * BLOCK_UNIT + 1, BLOCK_UNIT)?;
/// let sizes: Vec<u64> = plan.blocks().map(|b| b.size()).collect();
/// assert_eq!(sizes, [BLOCK_UNIT, BLOCK_UNIT, 1]);
/// assert!(BlockPlan::new(10, 1 << 20).is_err());
/// # Ok::<(), vod_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockPlan {
    file_size: u64,
    block_size: u64,
}

impl BlockPlan {
    /// The plan for a file of `file_size` bytes in blocks of `block_size` bytes, a positive
    /// multiple of [`BLOCK_UNIT`].
    pub fn new(file_size: u64, block_size: u64) -> Result<Self> {
        if block_size == 0 || block_size % BLOCK_UNIT != 0 {
            return Err(Error::invalid_input(
                "block_size",
                format!(
                    "must be a positive multiple of 4 MiB ({BLOCK_UNIT} bytes); got {block_size}"
                ),
            ));
        }
        Ok(Self {
            file_size,
            block_size,
        })
    }

    /// The file size.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The size of every block but the last.
    pub fn block_size(&self) -> u64 {
        self.block_size
    }

    /// How many blocks (none for an empty file).
    pub fn len(&self) -> u64 {
        self.file_size.div_ceil(self.block_size)
    }

    /// Whether the file has no blocks (it is empty).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Block `index` (from 0), if the file has it.
    pub fn block(&self, index: u64) -> Option<Block> {
        if index >= self.len() {
            return None;
        }
        let offset = index * self.block_size;
        Some(Block {
            index,
            offset,
            size: self.block_size.min(self.file_size - offset),
        })
    }

    /// Every block, in order.
    pub fn blocks(&self) -> impl Iterator<Item = Block> + '_ {
        (0..self.len()).filter_map(|i| self.block(i))
    }
}

/// One block of a [`BlockPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    index: u64,
    offset: u64,
    size: u64,
}

impl Block {
    /// The block's index in the file, from 0 (`mkblk/{size}/{index}`).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Where the block starts in the file.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The block's size in bytes (`mkblk/{size}/…`), never 0.
    pub fn size(&self) -> u64 {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() {
        let unit = BLOCK_UNIT;
        let sizes = |file, block| {
            BlockPlan::new(file, block)
                .unwrap()
                .blocks()
                .map(|b| (b.index(), b.offset(), b.size()))
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(0, unit), []);
        assert_eq!(sizes(1, unit), [(0, 0, 1)]);
        assert_eq!(sizes(unit, unit), [(0, 0, unit)]);
        assert_eq!(sizes(unit + 1, unit), [(0, 0, unit), (1, unit, 1)]);
        assert_eq!(
            sizes(5 * unit, 2 * unit),
            [
                (0, 0, 2 * unit),
                (1, 2 * unit, 2 * unit),
                (2, 4 * unit, unit)
            ]
        );
        assert_eq!(BlockPlan::new(1, unit).unwrap().block(1), None);
        assert_eq!(
            BlockPlan::new(u64::MAX, unit).unwrap().len(),
            u64::MAX.div_ceil(unit)
        );
    }

    #[test]
    fn block_sizes_are_multiples_of_four_mib() {
        for bad in [0, 1, BLOCK_UNIT - 1, BLOCK_UNIT + 1, 6 << 20] {
            let err = BlockPlan::new(10, bad).unwrap_err();
            assert_eq!(err.field(), Some("block_size"));
        }
    }
}
