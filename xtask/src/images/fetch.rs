//! HTTP(S) downloads with timeouts on every phase, and SHA256 checks.

use std::io::Read;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The lower-case hex SHA256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `data` against an expected size and SHA256.
pub fn verify(what: &str, data: &[u8], size: Option<u64>, sha256: &str) -> Result<(), String> {
    if let Some(size) = size
        && data.len() as u64 != size
    {
        return Err(format!("{what}: size mismatch: got {} bytes, the archive lists {size}", data.len()));
    }
    let got = sha256_hex(data);
    if !got.eq_ignore_ascii_case(sha256) {
        return Err(format!("{what}: SHA256 mismatch: got {got}, the archive lists {sha256}"));
    }
    Ok(())
}

/// An HTTP client for the archive.
#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
}

/// How long one download may take in all (the largest, a kernel package,
/// is tens of MB); connecting and each read have shorter limits.
const TOTAL: Duration = Duration::from_secs(900);
const CONNECT: Duration = Duration::from_secs(15);
const PER_READ: Duration = Duration::from_secs(30);

impl Http {
    pub fn new() -> Http {
        let agent = ureq::Agent::config_builder()
            .timeout_resolve(Some(CONNECT))
            .timeout_connect(Some(CONNECT))
            .timeout_recv_response(Some(PER_READ))
            .timeout_per_read(Some(PER_READ))
            .timeout_global(Some(TOTAL))
            .user_agent(concat!("wemu-xtask/", env!("CARGO_PKG_VERSION")))
            // The system's trust store (and its local CAs, as on machines
            // behind a TLS-inspecting proxy), not a built-in root list.
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier).build())
            .build()
            .into();
        Http { agent }
    }

    /// The body of `url`; `Ok(None)` for a 404. At most `limit` bytes.
    pub fn get(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        let start = Instant::now();
        let mut resp = match self.agent.get(url).call() {
            Ok(r) => r,
            Err(ureq::Error::StatusCode(404)) => return Ok(None),
            Err(ureq::Error::StatusCode(code)) => return Err(format!("{url}: HTTP status {code}")),
            Err(e) => {
                return Err(format!("cannot fetch {url}: {e} (is the network reachable? `--offline` uses the cache)"));
            }
        };
        let mut body = Vec::new();
        resp.body_mut()
            .with_config()
            .limit(limit)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| format!("{url}: download failed after {:.0} s: {e}", start.elapsed().as_secs_f64()))?;
        Ok(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answers() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn verification() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(verify("x", b"abc", Some(3), abc).is_ok());
        assert!(verify("x", b"abc", None, &abc.to_ascii_uppercase()).is_ok());
        let e = verify("x.deb", b"abd", Some(3), abc).unwrap_err();
        assert!(e.starts_with("x.deb: SHA256 mismatch: got "), "{e}");
        let e = verify("x.deb", b"abcd", Some(3), abc).unwrap_err();
        assert!(e.contains("size mismatch"), "{e}");
    }

    #[test]
    fn unreachable_host_is_a_clear_error() {
        // A closed port on this machine: refused at once, no traffic leaves.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let e = Http::new().get(&format!("http://127.0.0.1:{port}/dists/sid/InRelease"), 1 << 20).unwrap_err();
        assert!(e.starts_with("cannot fetch http://127.0.0.1:"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
