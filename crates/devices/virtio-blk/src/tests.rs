//! The block device driven the way Linux's virtio_blk drives it: a
//! header, data segments and a status byte per request, in indirect
//! tables when that was negotiated.

use alloc::vec;
use alloc::vec::Vec;

use wemu_dev_common::{IrqLevels, MemSize, MmioDevice, SinkLine};
use wemu_dev_virtio::driver::{self, Buf, DriverQueue};
use wemu_dev_virtio::mmio::{DEVICE_ID, STATUS};
use wemu_dev_virtio::{GuestRam, MmioTransport, VecRam, feature, status};

use super::*;

const RAM: u64 = 0x8000_0000;
const HDR: u64 = RAM + 0x1000;
const STAT: u64 = RAM + 0x1100;
const TABLE: u64 = RAM + 0x2000;
const DATA: u64 = RAM + 0x1_0000;
const DISK: usize = 1 << 20;

type Dev<B> = MmioTransport<VirtioBlk<B>, SinkLine<IrqLevels>, SinkLine<IrqLevels>>;

struct Rig<B> {
    dev: Dev<B>,
    ram: VecRam,
    q: DriverQueue,
    lines: IrqLevels,
    indirect: bool,
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn disk() -> VecBackend {
    VecBackend::new(pattern(DISK, 7))
}

impl<B: BlockBackend> Rig<B> {
    fn new(blk: VirtioBlk<B>, wanted: u64) -> Rig<B> {
        let lines = IrqLevels::new(2);
        let mut dev = MmioTransport::new(blk, lines.line(0), lines.line(1));
        let mut ram = VecRam::new(RAM, 0x10_0000);
        let negotiated = driver::init(&mut dev, wanted).unwrap();
        let q = DriverQueue::setup(&mut dev, &mut ram, 0, 128, RAM).unwrap();
        driver::driver_ok(&mut dev);
        let indirect = negotiated & feature::VIRTIO_F_INDIRECT_DESC != 0;
        Rig { dev, ram, q, lines, indirect }
    }

    /// Posts a request with `data` buffers between the header and the
    /// status byte, processes it, returns (status, used length).
    fn request(&mut self, request_type: u32, sector: u64, data: &[Buf]) -> (u8, u32) {
        self.ram.write(HDR, &RequestHeader { request_type, sector }.to_bytes()).unwrap();
        self.ram.write(STAT, &[0xff]).unwrap();
        let mut bufs = vec![(HDR, 16, false)];
        bufs.extend_from_slice(data);
        bufs.push((STAT, 1, true));
        if self.indirect {
            self.q.add_indirect(&mut self.ram, TABLE, &bufs).unwrap();
        } else {
            self.q.add(&mut self.ram, &bufs).unwrap();
        }
        self.q.notify(&mut self.dev);
        assert_eq!(self.dev.process(&mut self.ram), 1, "{:?}", self.dev.error());
        assert!(self.lines.level(0));
        driver::ack_interrupt(&mut self.dev);
        let (_, len) = self.q.pop_used(&mut self.ram).unwrap();
        let mut s = [0];
        self.ram.read(STAT, &mut s).unwrap();
        (s[0], len)
    }

    fn bytes(&mut self, gpa: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.ram.read(gpa, &mut v).unwrap();
        v
    }

    fn config(&mut self, offset: usize, size: MemSize) -> u64 {
        driver::config_read(&mut self.dev, offset as u64, size)
    }
}

const LINUX: u64 = VIRTIO_BLK_F_SEG_MAX
    | VIRTIO_BLK_F_BLK_SIZE
    | VIRTIO_BLK_F_FLUSH
    | VIRTIO_BLK_F_RO
    | VIRTIO_BLK_F_DISCARD
    | VIRTIO_BLK_F_WRITE_ZEROES
    | feature::VIRTIO_F_INDIRECT_DESC
    | feature::VIRTIO_F_EVENT_IDX;

#[test]
fn probe_features_and_config() {
    let mut r = Rig::new(VirtioBlk::new(disk()).with_block_size(4096), LINUX);
    assert_eq!(driver::read32(&mut r.dev, DEVICE_ID), 2);
    assert_eq!(
        r.dev.features(),
        VIRTIO_BLK_F_SEG_MAX
            | VIRTIO_BLK_F_BLK_SIZE
            | VIRTIO_BLK_F_FLUSH
            | VIRTIO_BLK_F_DISCARD
            | VIRTIO_BLK_F_WRITE_ZEROES
            | feature::VIRTIO_F_INDIRECT_DESC
            | feature::VIRTIO_F_EVENT_IDX
            | feature::VIRTIO_F_VERSION_1
    );
    assert_eq!(r.config(CONFIG_CAPACITY, MemSize::B8), (DISK / 512) as u64);
    assert_eq!(r.config(CONFIG_SEG_MAX, MemSize::B4), 254);
    assert_eq!(r.config(CONFIG_BLK_SIZE, MemSize::B4), 4096);
    assert_eq!(r.config(CONFIG_MAX_DISCARD_SECTORS, MemSize::B4), u64::from(MAX_DISCARD_SECTORS));
    assert_eq!(r.config(CONFIG_MAX_DISCARD_SEG, MemSize::B4), 16);
    assert_eq!(r.config(CONFIG_DISCARD_SECTOR_ALIGNMENT, MemSize::B4), 8);
    assert_eq!(r.config(CONFIG_MAX_WRITE_ZEROES_SECTORS, MemSize::B4), u64::from(MAX_DISCARD_SECTORS));
    assert_eq!(r.config(CONFIG_MAX_WRITE_ZEROES_SEG, MemSize::B4), 16);
    assert_eq!(r.config(CONFIG_WRITE_ZEROES_MAY_UNMAP, MemSize::B1), 0);
    assert_eq!(r.config(200, MemSize::B4), 0);
    // Configuration is read-only.
    let _ = r.dev.write(wemu_dev_virtio::mmio::CONFIG, MemSize::B4, 0);
    assert_eq!(r.config(CONFIG_CAPACITY, MemSize::B8), (DISK / 512) as u64);
    // A partial last sector is not reachable; bad block sizes are ignored.
    let blk = VirtioBlk::new(VecBackend::new(vec![0; 1000])).with_block_size(1000);
    let mut r = Rig::new(blk, LINUX);
    assert_eq!((r.config(CONFIG_CAPACITY, MemSize::B8), r.config(CONFIG_BLK_SIZE, MemSize::B4)), (1, 512));
}

#[test]
fn read_write_flush_get_id() {
    for wanted in [LINUX, LINUX & !feature::VIRTIO_F_INDIRECT_DESC] {
        let blk = VirtioBlk::new(disk()).with_serial(b"wemu-disk-0");
        let mut r = Rig::new(blk, wanted);
        // Read 3 sectors at sector 5 into two segments.
        let (st, len) = r.request(VIRTIO_BLK_T_IN, 5, &[(DATA, 1024, true), (DATA + 0x1000, 512, true)]);
        assert_eq!((st, len), (VIRTIO_BLK_S_OK, 1537));
        let want = pattern(DISK, 7);
        assert_eq!(r.bytes(DATA, 1024), &want[5 * 512..7 * 512]);
        assert_eq!(r.bytes(DATA + 0x1000, 512), &want[7 * 512..8 * 512]);

        // Write 2 sectors at sector 100 from three segments.
        let new = pattern(1024, 99);
        r.ram.write(DATA, &new).unwrap();
        let segs = [(DATA, 100, false), (DATA + 100, 412, false), (DATA + 512, 512, false)];
        assert_eq!(r.request(VIRTIO_BLK_T_OUT, 100, &segs), (VIRTIO_BLK_S_OK, 1));
        assert_eq!(&r.dev.device().backend().data()[100 * 512..102 * 512], &new[..]);

        assert_eq!(r.request(VIRTIO_BLK_T_FLUSH, 0, &[]), (VIRTIO_BLK_S_OK, 1));
        assert_eq!(r.dev.device().backend().flushes(), 1);

        assert_eq!(r.request(VIRTIO_BLK_T_GET_ID, 0, &[(DATA, 20, true)]), (VIRTIO_BLK_S_OK, 21));
        assert_eq!(r.bytes(DATA, 20), b"wemu-disk-0\0\0\0\0\0\0\0\0\0");
        // A short ID buffer gets what fits.
        assert_eq!(r.request(VIRTIO_BLK_T_GET_ID, 0, &[(DATA + 0x100, 4, true)]), (VIRTIO_BLK_S_OK, 5));
        assert_eq!(r.bytes(DATA + 0x100, 4), b"wemu");
    }
}

#[test]
fn large_transfers_pass_through_the_bounce_buffer() {
    let mut r = Rig::new(VirtioBlk::new(disk()), LINUX);
    // 200 KiB over 4 segments, both ways.
    let segs: Vec<Buf> = (0..4).map(|i| (DATA + i * 0x1_0000, 50 << 10, true)).collect();
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 8, &segs), (VIRTIO_BLK_S_OK, (200 << 10) + 1));
    let want = pattern(DISK, 7);
    for (i, s) in segs.iter().enumerate() {
        let from = 8 * 512 + i * (50 << 10);
        assert_eq!(r.bytes(s.0, 50 << 10), &want[from..from + (50 << 10)]);
    }
    let out: Vec<Buf> = segs.iter().map(|s| (s.0, s.1, false)).collect();
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 1000, &out), (VIRTIO_BLK_S_OK, 1));
    assert_eq!(
        &r.dev.device().backend().data()[1000 * 512..1000 * 512 + (200 << 10)],
        &want[8 * 512..8 * 512 + (200 << 10)]
    );
}

#[test]
fn bad_ranges_are_io_errors() {
    let mut r = Rig::new(VirtioBlk::new(disk()), LINUX);
    let last = (DISK / 512) as u64 - 1;
    assert_eq!(r.request(VIRTIO_BLK_T_IN, last, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_OK);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, last, &[(DATA, 1024, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, last + 1, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, u64::MAX, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, u64::MAX / 512, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0, &[(DATA, 100, true)]).0, VIRTIO_BLK_S_IOERR, "not whole sectors");
    let before = r.dev.device().backend().data().to_vec();
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, last, &[(DATA, 1024, false)]), (VIRTIO_BLK_S_IOERR, 1));
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 0, &[(DATA, 511, false)]), (VIRTIO_BLK_S_IOERR, 1));
    assert_eq!(r.dev.device().backend().data(), &before[..], "nothing written");
    // Data buffers outside RAM: the request fails, the device carries on.
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0, &[(0x1000, 512, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 0, &[(0x1000, 512, false)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.dev.device().backend().data(), &before[..]);
    // Requests the device does not know.
    for t in [VIRTIO_BLK_T_GET_LIFETIME, VIRTIO_BLK_T_SECURE_ERASE, 2, 3, 0xdead_beef] {
        assert_eq!(r.request(t, 0, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_UNSUPP, "type {t}");
    }
    assert_eq!(r.dev.status() & status::DEVICE_NEEDS_RESET, 0);
}

#[test]
fn read_only_images() {
    let before = pattern(DISK, 7);
    let mut r = Rig::new(VirtioBlk::new(VecBackend::new_read_only(before.clone())), LINUX);
    assert_ne!(r.dev.features() & VIRTIO_BLK_F_RO, 0);
    assert_eq!(r.dev.features() & (VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES), 0);
    assert_eq!(r.config(CONFIG_MAX_DISCARD_SECTORS, MemSize::B4), 0);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_OK);
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 0, &[(DATA, 512, false)]).0, VIRTIO_BLK_S_IOERR);
    let seg = DiscardSegment { sector: 0, num_sectors: 1, flags: 0 }.to_bytes();
    r.ram.write(DATA, &seg).unwrap();
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &[(DATA, 16, false)]).0, VIRTIO_BLK_S_UNSUPP);
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &[(DATA, 16, false)]).0, VIRTIO_BLK_S_UNSUPP);
    assert_eq!(r.request(VIRTIO_BLK_T_FLUSH, 0, &[]).0, VIRTIO_BLK_S_OK);
    assert_eq!(r.dev.device().backend().data(), &before[..]);
}

#[test]
fn discard_and_write_zeroes() {
    let mut r = Rig::new(VirtioBlk::new(disk()), LINUX);
    let put = |r: &mut Rig<VecBackend>, segs: &[DiscardSegment]| -> Vec<Buf> {
        for (i, s) in segs.iter().enumerate() {
            r.ram.write(DATA + 16 * i as u64, &s.to_bytes()).unwrap();
        }
        vec![(DATA, 16 * segs.len() as u32, false)]
    };
    let zeroed = |r: &Rig<VecBackend>, sector: usize, n: usize| {
        r.dev.device().backend().data()[sector * 512..(sector + n) * 512].iter().all(|&b| b == 0)
    };
    let bufs = put(&mut r, &[DiscardSegment { sector: 10, num_sectors: 2, flags: 0 }]);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &bufs), (VIRTIO_BLK_S_OK, 1));
    assert!(zeroed(&r, 10, 2) && !zeroed(&r, 12, 1));
    let bufs = put(
        &mut r,
        &[
            DiscardSegment { sector: 20, num_sectors: 1, flags: VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP },
            DiscardSegment { sector: 30, num_sectors: 3, flags: 0 },
        ],
    );
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &bufs).0, VIRTIO_BLK_S_OK);
    assert!(zeroed(&r, 20, 1) && zeroed(&r, 30, 3) && !zeroed(&r, 21, 1));

    // §5.2.6.2: unmap on a discard and unknown flags are unsupported.
    let bufs = put(&mut r, &[DiscardSegment { sector: 40, num_sectors: 1, flags: VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP }]);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &bufs).0, VIRTIO_BLK_S_UNSUPP);
    let bufs = put(&mut r, &[DiscardSegment { sector: 40, num_sectors: 1, flags: 2 }]);
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &bufs).0, VIRTIO_BLK_S_UNSUPP);
    // Too many segments; segments out of range or too long; a torn
    // segment; none at all.
    let many: Vec<DiscardSegment> =
        (0..17).map(|i| DiscardSegment { sector: 50 + i, num_sectors: 1, flags: 0 }).collect();
    let bufs = put(&mut r, &many);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &bufs).0, VIRTIO_BLK_S_UNSUPP);
    let bufs = put(
        &mut r,
        &[
            DiscardSegment { sector: 60, num_sectors: 1, flags: 0 },
            DiscardSegment { sector: u64::MAX, num_sectors: 1, flags: 0 },
        ],
    );
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &bufs).0, VIRTIO_BLK_S_IOERR);
    assert!(!zeroed(&r, 60, 1), "checked before any is carried out");
    let bufs = put(&mut r, &[DiscardSegment { sector: 0, num_sectors: MAX_DISCARD_SECTORS + 1, flags: 0 }]);
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &bufs).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &[(DATA, 15, false)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &[]).0, VIRTIO_BLK_S_IOERR);

    // Not negotiated: unsupported.
    let mut r = Rig::new(VirtioBlk::new(disk()), VIRTIO_BLK_F_FLUSH);
    let bufs = put(&mut r, &[DiscardSegment { sector: 1, num_sectors: 1, flags: 0 }]);
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &bufs).0, VIRTIO_BLK_S_UNSUPP);
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &bufs).0, VIRTIO_BLK_S_UNSUPP);
}

/// A backend whose every operation fails.
#[derive(Debug)]
struct Broken;

impl BlockBackend for Broken {
    fn len(&self) -> u64 {
        1 << 20
    }
    fn read_at(&mut self, _: u64, _: &mut [u8]) -> Result<(), BlockError> {
        Err(BlockError)
    }
    fn write_at(&mut self, _: u64, _: &[u8]) -> Result<(), BlockError> {
        Err(BlockError)
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        Err(BlockError)
    }
    fn discard(&mut self, _: u64, _: u64) -> Result<(), BlockError> {
        Err(BlockError)
    }
}

#[test]
fn backend_errors_are_io_errors() {
    let mut r = Rig::new(VirtioBlk::new(Broken), LINUX);
    assert!(Broken.len() != 0 && !Broken.is_empty());
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 0, &[(DATA, 512, false)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_FLUSH, 0, &[]).0, VIRTIO_BLK_S_IOERR);
    r.ram.write(DATA, &DiscardSegment { sector: 0, num_sectors: 1, flags: 0 }.to_bytes()).unwrap();
    assert_eq!(r.request(VIRTIO_BLK_T_DISCARD, 0, &[(DATA, 16, false)]).0, VIRTIO_BLK_S_IOERR);
    assert_eq!(r.request(VIRTIO_BLK_T_WRITE_ZEROES, 0, &[(DATA, 16, false)]).0, VIRTIO_BLK_S_IOERR);
}

#[test]
fn unanswerable_requests_need_reset() {
    let cases: [(&str, Vec<Buf>, &str); 4] = [
        (
            "short header",
            vec![(HDR, 15, false), (STAT, 1, true)],
            "virtio-blk: request without a readable 16-byte header",
        ),
        ("no status", vec![(HDR, 16, false)], "virtio-blk: request without a status byte"),
        ("status outside RAM", vec![(HDR, 16, false), (0x10, 1, true)], "virtio-blk: status byte is not in guest RAM"),
        (
            "header outside RAM",
            vec![(0x10, 16, false), (STAT, 1, true)],
            "virtio-blk: request without a readable 16-byte header",
        ),
    ];
    for (name, bufs, why) in cases {
        let mut r = Rig::new(VirtioBlk::new(disk()), LINUX);
        r.q.add(&mut r.ram, &bufs).unwrap();
        r.q.notify(&mut r.dev);
        assert_eq!(r.dev.process(&mut r.ram), 0, "{name}");
        assert_eq!(r.dev.error(), Some(why), "{name}");
        assert_ne!(driver::read32(&mut r.dev, STATUS) as u8 & status::DEVICE_NEEDS_RESET, 0, "{name}");
    }
}

#[test]
fn save_and_restore_mid_operation() {
    let mut r = Rig::new(VirtioBlk::new(disk()).with_serial(b"s"), LINUX);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 1, &[(DATA, 512, true)]).0, VIRTIO_BLK_S_OK);
    // A write is posted and notified, then the machine is saved.
    r.ram.write(DATA + 0x1000, &[0x5a; 512]).unwrap();
    r.ram.write(HDR, &RequestHeader { request_type: VIRTIO_BLK_T_OUT, sector: 3 }.to_bytes()).unwrap();
    r.q.add(&mut r.ram, &[(HDR, 16, false), (DATA + 0x1000, 512, false), (STAT, 1, true)]).unwrap();
    r.q.notify(&mut r.dev);
    let transport = r.dev.state();
    let device = r.dev.device().state();
    assert_eq!(device.features & VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_DISCARD);

    // Restore: the image comes from the host, not from the state.
    let Rig { dev, mut ram, mut q, .. } = r;
    let image = dev.device().backend().clone();
    let lines = IrqLevels::new(2);
    let blk = VirtioBlk::from_state(&device, image).with_serial(b"s");
    let mut dev: Dev<VecBackend> = MmioTransport::from_state(&transport, blk, lines.line(0), lines.line(1));
    assert!(lines.level(1), "the pending notification survives");
    assert_eq!(dev.process(&mut ram), 1);
    assert_eq!(q.pop_used(&mut ram), Some((1, 1)));
    assert_eq!(&dev.device().backend().data()[3 * 512..4 * 512], &[0x5a; 512]);
    assert_eq!(dev.device().state(), device);
    // Discard still works: the negotiated features came back.
    ram.write(DATA, &DiscardSegment { sector: 3, num_sectors: 1, flags: 0 }.to_bytes()).unwrap();
    ram.write(HDR, &RequestHeader { request_type: VIRTIO_BLK_T_DISCARD, sector: 0 }.to_bytes()).unwrap();
    q.add_indirect(&mut ram, TABLE, &[(HDR, 16, false), (DATA, 16, false), (STAT, 1, true)]).unwrap();
    assert_eq!(dev.process(&mut ram), 1);
    let mut s = [0xff];
    ram.read(STAT, &mut s).unwrap();
    assert_eq!(s[0], VIRTIO_BLK_S_OK);
    assert_eq!(&dev.device().backend().data()[3 * 512..4 * 512], &[0; 512]);
    // Reset forgets the features.
    driver::write32(&mut dev, STATUS, 0);
    assert_eq!(dev.device().state(), VirtioBlkState::default());
}

#[test]
fn random_requests_never_panic() {
    let mut x = 0x1234_5678_9abc_def0u64;
    let mut rng = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut r = Rig::new(VirtioBlk::new(VecBackend::new(vec![0; 64 << 10])), LINUX);
    for _ in 0..3000 {
        let types =
            [VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, 13, 99];
        let t = types[(rng() % types.len() as u64) as usize];
        let sector = match rng() % 3 {
            0 => rng(),
            _ => rng() % 200,
        };
        r.ram.write(HDR, &RequestHeader { request_type: t, sector }.to_bytes()).unwrap();
        r.ram.write(DATA, &rng().to_le_bytes()).unwrap();
        r.ram.write(DATA + 8, &rng().to_le_bytes()).unwrap();
        let mut bufs = vec![(HDR, if rng() % 8 == 0 { (rng() % 20) as u32 } else { 16 }, false)];
        for _ in 0..rng() % 4 {
            let len = match rng() % 4 {
                0 => rng() as u32,
                1 => 16,
                _ => 512 * (rng() % 4) as u32,
            };
            bufs.push((DATA + rng() % 0x1000, len, rng() % 2 == 0));
        }
        if rng() % 8 != 0 {
            bufs.push((STAT, 1, true));
        }
        let _ = if rng() % 2 == 0 { r.q.add(&mut r.ram, &bufs) } else { r.q.add_indirect(&mut r.ram, TABLE, &bufs) };
        r.q.notify(&mut r.dev);
        r.dev.process(&mut r.ram);
        while r.q.pop_used(&mut r.ram).is_some() {}
        if r.dev.error().is_some() {
            // A real driver would reset; so do we.
            driver::init(&mut r.dev, LINUX).unwrap();
            r.q = DriverQueue::setup(&mut r.dev, &mut r.ram, 0, 128, RAM).unwrap();
            driver::driver_ok(&mut r.dev);
        }
    }
}
