//! One entry of a split virtqueue's descriptor table (VIRTIO 1.2 §2.7.5),
//! in the two layers smoltcp uses for wire formats: [`DescView`], a
//! zero-copy view over bytes whose accessors never panic, and
//! [`Descriptor`], the plain value parsed from and emitted to those bytes.
//!
//! ```text
//! struct virtq_desc {
//!     le64 addr;   // guest-physical address of the buffer
//!     le32 len;    // its length in bytes
//!     le16 flags;  // VIRTQ_DESC_F_NEXT | _WRITE | _INDIRECT
//!     le16 next;   // the next descriptor of the chain, if F_NEXT
//! };
//! ```
//!
//! Nothing here judges a descriptor: chains are validated where they are
//! walked ([`crate::SplitQueue::pop`]).

/// Size of a descriptor in bytes.
pub const DESC_SIZE: usize = 16;

/// The buffer continues via the `next` field.
pub const VIRTQ_DESC_F_NEXT: u16 = 1;
/// The buffer is device write-only (otherwise device read-only).
pub const VIRTQ_DESC_F_WRITE: u16 = 2;
/// The buffer holds a table of indirect descriptors (§2.7.5.3).
pub const VIRTQ_DESC_F_INDIRECT: u16 = 4;

/// A view of a descriptor in a byte buffer. The accessors never panic:
/// bytes missing from a short buffer read as zero and are not written.
/// [`DescView::new_checked`] refuses a buffer shorter than [`DESC_SIZE`].
///
/// ```
/// use wemu_dev_virtio::{DescView, VIRTQ_DESC_F_NEXT};
///
/// let mut bytes = [0u8; 16];
/// let mut d = DescView::new_checked(&mut bytes[..]).unwrap();
/// d.set_addr(0x8000_1000);
/// d.set_len(512);
/// d.set_flags(VIRTQ_DESC_F_NEXT);
/// d.set_next(3);
/// assert_eq!((d.addr(), d.len(), d.flags(), d.next()), (0x8000_1000, 512, 1, 3));
/// assert!(DescView::new_checked(&bytes[..15]).is_none());
/// assert_eq!(DescView::new_unchecked(&bytes[..10]).next(), 0); // short: no panic
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescView<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> DescView<T> {
    /// A view over `buffer`, whatever its length.
    pub const fn new_unchecked(buffer: T) -> DescView<T> {
        DescView { buffer }
    }

    /// A view over `buffer` if it holds a whole descriptor.
    pub fn new_checked(buffer: T) -> Option<DescView<T>> {
        (buffer.as_ref().len() >= DESC_SIZE).then_some(DescView { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn field<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0; N];
        let bytes = self.buffer.as_ref();
        for (i, b) in out.iter_mut().enumerate() {
            *b = bytes.get(at + i).copied().unwrap_or(0);
        }
        out
    }

    /// The `addr` field: guest-physical address of the buffer.
    pub fn addr(&self) -> u64 {
        u64::from_le_bytes(self.field(0))
    }

    /// The `len` field: length of the buffer in bytes.
    #[allow(clippy::len_without_is_empty, reason = "the field is named `len` in the specification")]
    pub fn len(&self) -> u32 {
        u32::from_le_bytes(self.field(8))
    }

    /// The `flags` field.
    pub fn flags(&self) -> u16 {
        u16::from_le_bytes(self.field(12))
    }

    /// The `next` field.
    pub fn next(&self) -> u16 {
        u16::from_le_bytes(self.field(14))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> DescView<T> {
    fn set_field(&mut self, at: usize, value: &[u8]) {
        let bytes = self.buffer.as_mut();
        for (i, &v) in value.iter().enumerate() {
            if let Some(b) = bytes.get_mut(at + i) {
                *b = v;
            }
        }
    }

    pub fn set_addr(&mut self, value: u64) {
        self.set_field(0, &value.to_le_bytes())
    }

    pub fn set_len(&mut self, value: u32) {
        self.set_field(8, &value.to_le_bytes())
    }

    pub fn set_flags(&mut self, value: u16) {
        self.set_field(12, &value.to_le_bytes())
    }

    pub fn set_next(&mut self, value: u16) {
        self.set_field(14, &value.to_le_bytes())
    }
}

/// A descriptor as a value.
///
/// ```
/// use wemu_dev_virtio::{Descriptor, VIRTQ_DESC_F_WRITE};
///
/// let d = Descriptor { addr: 0x1000, len: 1, flags: VIRTQ_DESC_F_WRITE, next: 0 };
/// assert_eq!(Descriptor::from_bytes(&d.to_bytes()), d);
/// assert!(d.is_write() && !d.has_next() && !d.is_indirect());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Descriptor {
    pub addr: u64,
    pub len: u32,
    pub flags: u16,
    pub next: u16,
}

impl Descriptor {
    /// The descriptor a view shows.
    pub fn parse<T: AsRef<[u8]>>(view: &DescView<T>) -> Descriptor {
        Descriptor { addr: view.addr(), len: view.len(), flags: view.flags(), next: view.next() }
    }

    /// The descriptor in `bytes`.
    pub fn from_bytes(bytes: &[u8; DESC_SIZE]) -> Descriptor {
        Descriptor::parse(&DescView::new_unchecked(&bytes[..]))
    }

    /// The descriptor as table bytes.
    pub fn to_bytes(&self) -> [u8; DESC_SIZE] {
        let mut bytes = [0; DESC_SIZE];
        self.emit(&mut DescView::new_unchecked(&mut bytes[..]));
        bytes
    }

    /// Writes the descriptor into a view.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, view: &mut DescView<T>) {
        view.set_addr(self.addr);
        view.set_len(self.len);
        view.set_flags(self.flags);
        view.set_next(self.next);
    }

    pub fn has_next(&self) -> bool {
        self.flags & VIRTQ_DESC_F_NEXT != 0
    }

    pub fn is_write(&self) -> bool {
        self.flags & VIRTQ_DESC_F_WRITE != 0
    }

    pub fn is_indirect(&self) -> bool {
        self.flags & VIRTQ_DESC_F_INDIRECT != 0
    }
}
