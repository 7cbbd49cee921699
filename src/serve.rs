//! `watch --serve`: the output folder over HTTP, read-only (I/O).
//!
//! Every response is one whole version of a file: the file is opened once,
//! and its bytes, `ETag` and `Last-Modified` all come from that open file
//! (feeds are replaced by rename, so an open file never changes).

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;

use crate::error::FatalError;
use crate::layout;

/// A running server; dropping it (or [`Server::stop`]) shuts it down.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `addr` now (so a bad address is an error before anything else)
/// and serves `root` from a thread of its own.
pub fn start(addr: &str, root: &Path, max_age: u64) -> Result<Server, FatalError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        FatalError::Usage(format!(
            "cannot listen on {addr}: {e} — choose another address with --serve ADDR or `serve` in feedsmith.toml"
        ))
    })?;
    listener.set_nonblocking(true).map_err(|e| FatalError::Other(format!("{addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| FatalError::Other(format!("{addr}: {e}")))?;
    std::fs::create_dir_all(root).map_err(|source| FatalError::Io { path: root.to_owned(), source })?;
    let real_root = std::fs::canonicalize(root).map_err(|source| FatalError::Io { path: root.to_owned(), source })?;
    let shared = Arc::new(Shared { root: root.to_owned(), real_root, max_age, cache: Mutex::new(HashMap::new()) });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| FatalError::Other(format!("cannot start the HTTP server: {e}")))?;
    let thread = std::thread::Builder::new()
        .name("serve".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!("HTTP server: {e}");
                        return;
                    }
                };
                let app =
                    Router::new().fallback(move |method, uri, headers| handle(shared.clone(), method, uri, headers));
                let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
                let served = axum::serve(listener, app).with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                    let _ = stopping_tx.send(());
                });
                // Requests in flight get a moment to finish; a client that
                // never completes its request must not hold up the exit.
                let deadline = async {
                    let _ = stopping_rx.await;
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                };
                tokio::select! {
                    result = served => if let Err(e) = result {
                        tracing::error!("HTTP server stopped: {e}");
                    },
                    () = deadline => {}
                }
            });
        })
        .map_err(|e| FatalError::Other(format!("cannot start the HTTP server: {e}")))?;
    tracing::info!("serving {} at http://{local}/", root.display());
    Ok(Server { addr: local, stop: Some(stop_tx), thread: Some(thread) })
}

/// Files larger than this are read for each request, not kept in memory.
const CACHE_MAX_FILE: u64 = 1 << 20;
/// At most this many files are kept; the cache starts afresh beyond it.
const CACHE_MAX_ENTRIES: usize = 20_000;

fn compressible(rel: &Path) -> bool {
    matches!(rel.extension().and_then(|e| e.to_str()), Some("xml" | "json" | "html" | "txt" | "svg"))
}

struct Shared {
    root: PathBuf,
    /// `root` with symlinks resolved, once.
    real_root: PathBuf,
    max_age: u64,
    /// Bodies by path, valid while the file's (inode, mtime, length) match.
    cache: Mutex<HashMap<PathBuf, Arc<Cached>>>,
}

struct Cached {
    version: (u64, i64, i64, u64),
    modified: SystemTime,
    etag: String,
    body: bytes::Bytes,
    gzip: bytes::Bytes,
}

async fn handle(shared: Arc<Shared>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED, &[(header::ALLOW, "GET, HEAD")]);
    }
    let Some(rel) = request_path(uri.path()) else {
        return status(StatusCode::NOT_FOUND, &[]);
    };
    let shared2 = shared.clone();
    let rel2 = rel.clone();
    let file = tokio::task::spawn_blocking(move || load(&shared2, &rel2)).await;
    let Ok(Some(file)) = file else {
        return status(StatusCode::NOT_FOUND, &[]);
    };
    let gzip = accepts_gzip(&headers) && !file.gzip.is_empty();
    let etag = if gzip { format!("\"{}-gz\"", file.etag) } else { format!("\"{}\"", file.etag) };
    let last_modified = httpdate::fmt_http_date(file.modified);
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, layout::content_type(&rel))
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, &last_modified)
        .header(header::CACHE_CONTROL, format!("public, max-age={}", shared.max_age))
        .header(header::VARY, "Accept-Encoding");
    if not_modified(&headers, &file, file.modified) {
        return builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    let body = if gzip {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
        file.gzip.clone()
    } else {
        file.body.clone()
    };
    builder = builder.header(header::CONTENT_LENGTH, body.len());
    let body = if method == Method::HEAD { Body::empty() } else { Body::from(body) };
    builder.status(StatusCode::OK).body(body).unwrap_or_default()
}

fn status(code: StatusCode, headers: &[(header::HeaderName, &'static str)]) -> Response {
    let mut response = Response::new(Body::from(format!("{code}\n")));
    *response.status_mut() = code;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    for (name, value) in headers {
        response.headers_mut().insert(name.clone(), HeaderValue::from_static(value));
    }
    response
}

/// `If-None-Match` (weak comparison, either encoding's tag) first, else
/// `If-Modified-Since` at one-second precision.
fn not_modified(headers: &HeaderMap, file: &Cached, modified: SystemTime) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .any(|t| t == "*" || t == file.etag || t.strip_suffix("-gz") == Some(file.etag.as_str()));
    }
    if let Some(ims) = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) {
        if let Ok(since) = httpdate::parse_http_date(ims) {
            let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            return secs(modified) <= secs(since);
        }
    }
    false
}

/// `gzip` is acceptable when named with q > 0, or covered by `*` with
/// q > 0 and not refused by name (`gzip;q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else { return false };
    let mut named = None;
    let mut star = None;
    for part in value.split(',') {
        let mut pieces = part.split(';').map(str::trim);
        let coding = pieces.next().unwrap_or("");
        let q = pieces.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") {
            named = Some(q > 0.0);
        } else if coding == "*" {
            star = Some(q > 0.0);
        }
    }
    named.or(star).unwrap_or(false)
}

/// The request path as a relative path inside the output folder, or `None`
/// for anything that could step outside it or reach a hidden/temp file.
/// Percent-decoded exactly once, so `%252e%252e` stays a literal name.
pub fn request_path(path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut rel = PathBuf::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains(':') {
            return None;
        }
        rel.push(segment);
    }
    if decoded.ends_with('/') || rel.as_os_str().is_empty() {
        rel.push(layout::INDEX_PAGE);
    }
    rel.components().all(|c| matches!(c, Component::Normal(_))).then_some(rel)
}

/// Opens the file once and takes bytes and validators from that open file.
fn load(shared: &Shared, rel: &Path) -> Option<Arc<Cached>> {
    let path = shared.root.join(rel);
    // Only regular files: opening a FIFO would block the request forever.
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(&path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    // Nothing reached through a symlink may lie outside the folder.
    let real = std::fs::canonicalize(&path).ok()?;
    if !real.starts_with(&shared.real_root) {
        return None;
    }
    let version = (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.len());
    let cacheable = meta.len() <= CACHE_MAX_FILE;
    let cache = shared.cache.lock().ok()?;
    if let Some(cached) = cache.get(rel).filter(|c| c.version == version) {
        return Some(cached.clone());
    }
    drop(cache);
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).ok()?;
    let etag = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
    // Feeds and pages compress well; media is already compressed.
    let gzip = if compressible(rel) {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&bytes).ok()?;
        encoder.finish().ok()?
    } else {
        Vec::new()
    };
    let cached =
        Arc::new(Cached { version, modified: meta.modified().ok()?, etag, body: bytes.into(), gzip: gzip.into() });
    if cacheable {
        let mut cache = shared.cache.lock().ok()?;
        if cache.len() >= CACHE_MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(rel.to_owned(), cached.clone());
    }
    Some(cached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_never_leave_the_folder() {
        let ok = [
            ("/", "index.html"),
            ("/rss.xml", "rss.xml"),
            ("/tags/ba-ba/atom.xml", "tags/ba-ba/atom.xml"),
            ("//rss.xml", "rss.xml"),
            ("/tags/", "tags/index.html"),
        ];
        for (path, want) in ok {
            assert_eq!(request_path(path), Some(PathBuf::from(want)), "{path}");
        }
        let refused = [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/x",
            "/tags/../../x",
            "/..%2fx",
            "/..%5cx",
            "/a%5c..%5cb",
            "/%00rss.xml",
            "/.feedsmith-1.tmp",
            "/.git/config",
            "/C:/x",
            "/%ff",
        ];
        for path in refused {
            assert_eq!(request_path(path), None, "{path}");
        }
        assert_eq!(request_path("/%252e%252e/x"), Some(PathBuf::from("%2e%2e/x")), "decoded once: a literal name");
    }

    #[test]
    fn gzip_negotiation() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).expect("header"));
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("gzip;q=0, *")), "refused by name wins over *");
        assert!(accepts_gzip(&h("br, *")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
