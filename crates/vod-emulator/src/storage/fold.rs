//! Folding the parts of a multipart upload into the object's running checksums as they arrive
//! in order, so digest mode never writes them to disk (see the [storage docs](super)).
//!
//! The fold holds the checksums of parts `1..next` back to back. A part numbered `next` that
//! arrives while the fold is idle *claims* it: its bytes stream into a copy of the fold as well
//! as into the part's own checksums, and the copy becomes the fold once the part is complete
//! (a part that fails leaves the fold as it was). Any other part is spooled to disk; when the
//! fold reaches a spooled part, the part is read back into it and deleted ([`Fold::claim`] is
//! used for that too). MD5 state cannot be split or merged, so this is the only way to know an
//! object's MD5 without keeping its parts.

use super::digest::{Digests, Want};

/// The in-order prefix of a multipart upload, folded.
#[derive(Clone)]
pub(crate) struct Fold {
    digests: Digests,
    next: u32,
    /// (part number, MD5) of every folded part, in order.
    folded: Vec<(u32, [u8; 16])>,
    /// The token of the claim in progress, if any.
    claimed: Option<u64>,
    /// The last token handed out.
    tokens: u64,
}

impl std::fmt::Debug for Fold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fold")
            .field("next", &self.next)
            .field("folded", &self.folded.len())
            .field("claimed", &self.claimed.is_some())
            .finish()
    }
}

impl Fold {
    /// An empty fold whose first part is `first`.
    pub(crate) fn new(first: u32) -> Self {
        Fold {
            digests: Digests::new(Want::MD5),
            next: first,
            folded: Vec::new(),
            claimed: None,
            tokens: 0,
        }
    }

    /// The part number the fold waits for.
    pub(crate) fn next(&self) -> u32 {
        self.next
    }

    /// When `number` is the next part and no other part is being folded: claims the fold and
    /// returns the claim's token and a copy of the checksums to extend with the part's bytes.
    pub(crate) fn claim(&mut self, number: u32) -> Option<(u64, Digests)> {
        (self.claimed.is_none() && number == self.next).then(|| self.take_claim())
    }

    /// Claims the fold for `number` even if another claim is in progress, which then can no
    /// longer commit (a block restarted by a new `mkblk` while its first attempt still holds the
    /// fold).
    pub(crate) fn steal(&mut self, number: u32) -> Option<(u64, Digests)> {
        (number == self.next).then(|| self.take_claim())
    }

    fn take_claim(&mut self) -> (u64, Digests) {
        self.tokens += 1;
        self.claimed = Some(self.tokens);
        (self.tokens, self.digests.clone())
    }

    /// The claimed part arrived whole: `digests` (the claimed copy, extended) becomes the fold
    /// and `id` (the part's MD5, or any identity) is recorded for it. False, and nothing
    /// changes, when `token` is not the claim in progress.
    pub(crate) fn commit(&mut self, token: u64, id: [u8; 16], digests: Digests) -> bool {
        if self.claimed != Some(token) {
            return false;
        }
        self.folded.push((self.next, id));
        self.next += 1;
        self.digests = digests;
        self.claimed = None;
        true
    }

    /// The claimed part failed: the fold stays as it was.
    pub(crate) fn release(&mut self, token: u64) {
        if self.claimed == Some(token) {
            self.claimed = None;
        }
    }

    /// The MD5 a folded part had, if `number` was folded.
    pub(crate) fn folded_md5(&self, number: u32) -> Option<[u8; 16]> {
        self.folded
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, md5)| *md5)
    }

    /// When `listed` (part number, MD5) starts with exactly the folded parts: the fold's
    /// checksums, to be extended with the rest of `listed`, and how many parts they cover.
    pub(crate) fn prefix_of(&self, listed: &[(u32, [u8; 16])]) -> Option<(Digests, usize)> {
        let count = self.folded.len();
        (listed.len() >= count && listed[..count] == self.folded[..])
            .then(|| (self.digests.clone(), count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_only_the_next_part_once() {
        let mut fold = Fold::new(1);
        assert!(fold.claim(2).is_none());
        let (token, mut running) = fold.claim(1).unwrap();
        assert!(fold.claim(1).is_none(), "busy");
        running.update(b"ab");
        assert!(fold.commit(token, [1; 16], running.clone()));
        assert!(
            !fold.commit(token, [1; 16], running),
            "a token commits once"
        );
        assert_eq!(fold.next(), 2);
        let (old, _) = fold.claim(2).unwrap();
        let (new, _) = fold.steal(2).unwrap();
        assert!(
            !fold.commit(old, [9; 16], Digests::new(Want::MD5)),
            "stolen"
        );
        fold.release(old);
        assert!(fold.claim(2).is_none(), "the thief still holds it");
        fold.release(new);
        assert!(fold.claim(2).is_some());
        assert_eq!(fold.folded_md5(1), Some([1; 16]));
        let (digests, count) = fold.prefix_of(&[(1, [1; 16]), (3, [3; 16])]).unwrap();
        assert_eq!((digests.size(), count), (2, 1));
        assert!(fold.prefix_of(&[(2, [1; 16])]).is_none());
        assert!(fold.prefix_of(&[]).is_none());
    }
}
