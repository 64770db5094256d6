//! Console bytes: what a UART sends and receives through its host.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// A byte pipe to the host's console (a terminal, xterm.js, a log file).
pub trait CharBackend {
    /// Sends bytes the guest transmitted. Never blocks: a backend that
    /// cannot take them now buffers or drops them.
    fn write(&mut self, bytes: &[u8]);

    /// The next byte of input, if one is ready. Never blocks.
    fn read(&mut self) -> Option<u8> {
        None
    }
}

impl<B: CharBackend + ?Sized> CharBackend for Box<B> {
    fn write(&mut self, bytes: &[u8]) {
        (**self).write(bytes)
    }
    fn read(&mut self) -> Option<u8> {
        (**self).read()
    }
}

/// A console that discards output and has no input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NullBackend;

impl CharBackend for NullBackend {
    fn write(&mut self, _: &[u8]) {}
}

/// A console in memory: output collects in a buffer, input is queued by
/// the test or host.
///
/// ```
/// use wemu_dev_common::{BufferBackend, CharBackend};
///
/// let mut b = BufferBackend::new();
/// b.write(b"hi");
/// b.push_input(b"y");
/// assert_eq!((b.read(), b.read()), (Some(b'y'), None));
/// assert_eq!(b.output(), b"hi");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BufferBackend {
    input: VecDeque<u8>,
    output: Vec<u8>,
}

impl BufferBackend {
    pub fn new() -> BufferBackend {
        BufferBackend::default()
    }

    /// Queues bytes for the guest to read.
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.input.extend(bytes)
    }

    /// Input not yet read.
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }

    /// Everything written so far.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Takes the output written so far.
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.output)
    }
}

impl CharBackend for BufferBackend {
    fn write(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes)
    }
    fn read(&mut self) -> Option<u8> {
        self.input.pop_front()
    }
}
