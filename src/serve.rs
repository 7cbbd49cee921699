//! `watch --serve`: the output folder over HTTP, read-only (I/O).
//!
//! Every response is one whole version of a file: the file is opened once,
//! and its bytes, `ETag` and `Last-Modified` all come from that open file
//! (feeds are replaced by rename, so an open file never changes). Small
//! files (feeds, pages) are kept in memory, up to a byte budget; large ones
//! (media) are streamed from the open file, never read whole, and answer
//! `Range` requests. Connections are capped and a client that does not send
//! its request headers in time is dropped, so no client can take the
//! daemon's file descriptors.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::Response;

use crate::error::FatalError;
use crate::layout;

/// Connections served at once; more are closed at once. Kept well below
/// the 1,024 descriptors a process gets by default (the service unit sets
/// `LimitNOFILE` to match), leaving room for story files and the watcher.
pub const MAX_CONNECTIONS: usize = 256;

/// A client must send its request headers within this; an idle keep-alive
/// connection is closed after it too.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A response must make progress: a client that stops reading for this
/// long is dropped, so it cannot hold a connection slot for ever.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection whose writes must make progress within [`WRITE_TIMEOUT`].
struct Timed {
    stream: tokio::net::TcpStream,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl tokio::io::AsyncRead for Timed {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Timed {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::future::Future;
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let stalled = this.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_TIMEOUT)));
                match stalled.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

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

/// What the server says about the files it serves.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// `Cache-Control: max-age`, in seconds.
    pub max_age: u64,
    /// Where the output folder is published: feeds' self URLs derive from it.
    pub feeds_url: Option<url::Url>,
    /// WebSub hubs, advertised in `Link` headers of every feed file (WebSub
    /// discovery; some hubs read nothing else).
    pub hubs: Vec<String>,
    /// The daemon's health and metrics, answered at `/healthz` and
    /// `/metrics` (when serving beside `watch`).
    pub monitor: Option<std::sync::Arc<crate::health::Monitor>>,
}

/// Binds `addr` now (so a bad address is an error before anything else)
/// and serves `root` from a thread of its own.
pub fn start(addr: &str, root: &Path, site: Site) -> Result<Server, FatalError> {
    let listener = bind(addr, "--serve ADDR or `serve`")?;
    std::fs::create_dir_all(root).map_err(|source| FatalError::Io { path: root.to_owned(), source })?;
    let real = std::fs::canonicalize(root).map_err(|source| FatalError::Io { path: root.to_owned(), source })?;
    let files = Some(Root { path: root.to_owned(), real });
    let what = format!("{}", root.display());
    run(listener, Shared { files, site, cache: Mutex::new(Cache::default()) }, &what)
}

/// The admin address: `/healthz` and `/metrics` only, no files. Bound
/// now, like [`start`]; `addr` as [`admin_address`] makes it.
pub fn start_admin(addr: &str, monitor: Arc<crate::health::Monitor>) -> Result<Server, FatalError> {
    let listener = bind(addr, "`admin`")?;
    let site = Site { monitor: Some(monitor), ..Site::default() };
    run(listener, Shared { files: None, site, cache: Mutex::new(Cache::default()) }, "/healthz and /metrics")
}

/// `admin` as written in the configuration to an address to bind: a bare
/// port (`9180` or `:9180`) is on loopback, so metrics are never public
/// unless an address says so.
pub fn admin_address(admin: &str) -> String {
    let port = admin.strip_prefix(':').unwrap_or(admin);
    match port.parse::<u16>() {
        Ok(port) => format!("127.0.0.1:{port}"),
        Err(_) => admin.to_owned(),
    }
}

fn bind(addr: &str, setting: &str) -> Result<std::net::TcpListener, FatalError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        FatalError::Usage(format!(
            "cannot listen on {addr}: {e} — choose another address with {setting} in feedsmith.toml"
        ))
    })?;
    listener.set_nonblocking(true).map_err(|e| FatalError::Other(format!("{addr}: {e}")))?;
    Ok(listener)
}

fn run(listener: std::net::TcpListener, shared: Shared, what: &str) -> Result<Server, FatalError> {
    let local = listener.local_addr().map_err(|e| FatalError::Other(format!("cannot listen: {e}")))?;
    let shared = Arc::new(shared);
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
                let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
                let served = accept_loop(listener, shared, async {
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
                    () = served => {}
                    () = deadline => {}
                }
            });
        })
        .map_err(|e| FatalError::Other(format!("cannot start the HTTP server: {e}")))?;
    tracing::info!("serving {what} at http://{local}/");
    Ok(Server { addr: local, stop: Some(stop_tx), thread: Some(thread) })
}

/// How many connections may be open at once: [`MAX_CONNECTIONS`], or a
/// quarter of the process's file descriptor limit when that is lower, so
/// that clients can never take the descriptors story files, folders and
/// feed files need.
pub fn connection_cap() -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let descriptors = if known { usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX) } else { 1024 };
    (descriptors / 4).clamp(8, MAX_CONNECTIONS)
}

/// Accepts connections until `stop` completes: at most
/// [`connection_cap`] at once (beyond, a new connection is closed at
/// once), each with [`HEADER_TIMEOUT`] to send its request headers.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    stop: impl std::future::Future<Output = ()>,
) {
    let cap = connection_cap();
    let slots = Arc::new(tokio::sync::Semaphore::new(cap));
    let mut full_logged = false;
    // An accept error (out of descriptors) is said once while it lasts.
    let mut failing = false;
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: wait a moment rather than spin.
                if !failing {
                    tracing::warn!("HTTP server: cannot accept a connection: {e} (said once until one is accepted)");
                    failing = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if failing {
            tracing::info!("HTTP server: accepting connections again");
            failing = false;
        }
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if !full_logged {
                tracing::warn!("HTTP server: {cap} connections open; closing new ones until some end");
                full_logged = true;
            }
            drop(stream);
            continue;
        };
        full_logged = false;
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                let shared = shared.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(
                        handle(shared, request.method(), request.uri().path(), request.headers()).await,
                    )
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(Timed { stream, stalled: None }), service);
            let _ = connection.await;
            drop(slot);
        });
    }
}

/// Files larger than this are streamed from disk for each request, not kept in memory.
const CACHE_MAX_FILE: u64 = 1 << 20;
/// The bytes (bodies and their gzip) the cache keeps at most; it starts
/// afresh beyond them.
const CACHE_MAX_BYTES: usize = 64 << 20;
/// A streamed file is read in chunks of this size.
const CHUNK: usize = 64 << 10;

fn compressible(rel: &Path) -> bool {
    matches!(rel.extension().and_then(|e| e.to_str()), Some("xml" | "json" | "html" | "txt" | "svg" | "xsl"))
}

struct Shared {
    /// The folder served; none on the admin address.
    files: Option<Root>,
    site: Site,
    /// Bodies by path, valid while the file's (inode, mtime, length) match.
    cache: Mutex<Cache>,
}

struct Root {
    path: PathBuf,
    /// `path` with symlinks resolved, once.
    real: PathBuf,
}

#[derive(Default)]
struct Cache {
    files: HashMap<PathBuf, Arc<Cached>>,
    bytes: usize,
}

/// A small file, whole in memory.
struct Cached {
    version: (u64, i64, i64, u64),
    modified: SystemTime,
    etag: String,
    body: bytes::Bytes,
    gzip: bytes::Bytes,
}

/// What a request is answered from.
enum Served {
    Memory(Arc<Cached>),
    /// A large file, open: streamed from this very open file.
    Disk {
        file: std::fs::File,
        len: u64,
        modified: SystemTime,
        etag: String,
    },
}

impl Served {
    fn etag(&self) -> &str {
        match self {
            Served::Memory(c) => &c.etag,
            Served::Disk { etag, .. } => etag,
        }
    }

    fn modified(&self) -> SystemTime {
        match self {
            Served::Memory(c) => c.modified,
            Served::Disk { modified, .. } => *modified,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Served::Memory(c) => c.body.len() as u64,
            Served::Disk { len, .. } => *len,
        }
    }
}

/// `/healthz`: 200 `ok` when the feeds are published and current, 503
/// with the reason in one line otherwise; never cached.
fn health_answer(health: &crate::health::Health) -> Response {
    let (code, text) = match health.check() {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
    };
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(text))
        .unwrap_or_default()
}

/// `/metrics`: everything [`crate::metrics::Metrics`] counts; never cached.
fn metrics_answer(metrics: &crate::metrics::Metrics) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(metrics.encode()))
        .unwrap_or_default()
}

async fn handle(shared: Arc<Shared>, method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED, &[(header::ALLOW, "GET, HEAD")]);
    }
    if let Some(monitor) = &shared.site.monitor {
        match path.split('?').next().unwrap_or(path) {
            "/healthz" => return health_answer(&monitor.health),
            "/metrics" => return metrics_answer(&monitor.metrics),
            _ => {}
        }
    }
    let Some(rel) = request_path(path) else {
        return status(StatusCode::NOT_FOUND, &[]);
    };
    // Browsers ask for `/favicon.ico` whatever the page names: the site
    // icon in whatever type it was given, or nothing (not an error).
    let wanted: Vec<PathBuf> = match rel == Path::new("favicon.ico") {
        true => layout::icon_files().collect(),
        false => vec![rel.clone()],
    };
    let shared2 = shared.clone();
    let found =
        tokio::task::spawn_blocking(move || wanted.into_iter().find_map(|r| load(&shared2, &r).map(|f| (r, f)))).await;
    let Ok(Some((rel, file))) = found else {
        if rel == Path::new("favicon.ico") {
            return status(StatusCode::NO_CONTENT, &[]);
        }
        return status(StatusCode::NOT_FOUND, &[]);
    };
    let range = requested_range(headers, &file);
    let gzip =
        range == Part::Whole && accepts_gzip(headers) && matches!(&file, Served::Memory(c) if !c.gzip.is_empty());
    // A browser opening an RSS or Atom file gets it as XML, so that it
    // applies the feed's stylesheet (browsers show application/rss+xml as
    // text); the bytes are the same, the variant has its own ETag.
    let page = is_xml_feed(&rel) && browser_navigation(headers);
    let content_type = if page { "application/xml; charset=utf-8".to_owned() } else { layout::content_type(&rel) };
    let etag = format!("\"{}{}{}\"", file.etag(), if page { "-page" } else { "" }, if gzip { "-gz" } else { "" });
    let vary = if is_xml_feed(&rel) { "Accept-Encoding, Accept" } else { "Accept-Encoding" };
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, httpdate::fmt_http_date(file.modified()))
        .header(header::CACHE_CONTROL, format!("public, max-age={}", shared.site.max_age))
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::VARY, vary);
    if let Some(links) = websub_links(&shared.site, &rel) {
        builder = builder.header(header::LINK, links);
    }
    if not_modified(headers, file.etag(), file.modified()) {
        return builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    let len = file.len();
    let (code, start, end) = match range {
        Part::Whole => (StatusCode::OK, 0, len),
        Part::Bytes(start, end) => {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", end - 1));
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        Part::Unsatisfiable => {
            return builder
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .body(Body::empty())
                .unwrap_or_default();
        }
    };
    let body = match file {
        Served::Memory(cached) if gzip => {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            builder = builder.header(header::CONTENT_LENGTH, cached.gzip.len());
            Body::from(cached.gzip.clone())
        }
        Served::Memory(cached) => {
            builder = builder.header(header::CONTENT_LENGTH, end - start);
            Body::from(cached.body.slice(usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0)))
        }
        Served::Disk { file, .. } => {
            builder = builder.header(header::CONTENT_LENGTH, end - start);
            if method == Method::HEAD {
                Body::empty()
            } else {
                stream_file(file, start, end)
            }
        }
    };
    let body = if method == Method::HEAD { Body::empty() } else { body };
    builder.status(code).body(body).unwrap_or_default()
}

/// The `Link` header of a feed file when hubs are configured: each hub
/// (`rel="hub"`) and the feed's own URL (`rel="self"`).
fn websub_links(site: &Site, rel: &Path) -> Option<String> {
    let feeds_url = site.feeds_url.as_ref().filter(|_| !site.hubs.is_empty() && layout::is_feed_file(rel))?;
    let mut links: Vec<String> = site.hubs.iter().map(|hub| format!("<{hub}>; rel=\"hub\"")).collect();
    links.push(format!("<{}>; rel=\"self\"", layout::url_of(feeds_url, rel)));
    Some(links.join(", "))
}

/// What part of a file a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The whole file: no range, several ranges, not bytes, or an
    /// `If-Range` that no longer matches.
    Whole,
    /// The bytes `[start, end)`.
    Bytes(u64, u64),
    Unsatisfiable,
}

/// The part of the file a `Range` header asks for.
fn requested_range(headers: &HeaderMap, file: &Served) -> Part {
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else { return Part::Whole };
    if let Some(if_range) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        let matches = match if_range.trim().strip_prefix('"') {
            Some(tag) => tag.strip_suffix('"') == Some(file.etag()),
            None => httpdate::parse_http_date(if_range).ok() == Some(truncate(file.modified())),
        };
        if !matches {
            return Part::Whole;
        }
    }
    parse_range(value, file.len())
}

/// A moment at the whole-second precision of HTTP dates.
/// `t` within what an HTTP date can say: 1970-01-01 to 9999-12-31.
fn http_time(t: SystemTime) -> SystemTime {
    const LAST: Duration = Duration::from_secs(253_402_300_799);
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) if since <= LAST => t,
        Ok(_) => SystemTime::UNIX_EPOCH + LAST,
        Err(_) => SystemTime::UNIX_EPOCH,
    }
}

fn truncate(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `len` bytes.
fn parse_range(value: &str, len: u64) -> Part {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Part::Whole };
    if spec.contains(',') {
        return Part::Whole; // several ranges: the whole file answers them all
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Part::Whole };
    let (first, last) = (first.trim(), last.trim());
    let (start, end) = if first.is_empty() {
        let Ok(suffix) = last.parse::<u64>() else { return Part::Whole };
        (len.saturating_sub(suffix), len)
    } else {
        let Ok(start) = first.parse::<u64>() else { return Part::Whole };
        let end = match last {
            "" => len,
            last => match last.parse::<u64>() {
                // A last byte before the first is not a valid range: ignored.
                Ok(last) if last < start => return Part::Whole,
                Ok(last) => last.saturating_add(1).min(len),
                Err(_) => return Part::Whole,
            },
        };
        (start, end)
    };
    if start < end && start < len {
        Part::Bytes(start, end)
    } else {
        Part::Unsatisfiable
    }
}

/// The bytes `[start, end)` of an open file, read a chunk at a time off
/// the async runtime.
fn stream_file(file: std::fs::File, start: u64, end: u64) -> Body {
    use std::io::{Seek, SeekFrom};
    let state = (Some(file), start, end);
    let stream = futures_util::stream::unfold(state, |(file, at, end)| async move {
        let mut file = file?;
        if at >= end {
            return None;
        }
        let want = usize::try_from((end - at).min(CHUNK as u64)).unwrap_or(CHUNK);
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0; want];
            let n = file.seek(SeekFrom::Start(at)).and_then(|_| file.read(&mut buf))?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => {
                Some((Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)), (None, end, end)))
            }
            Ok(Ok((file, buf))) => {
                let next = at + buf.len() as u64;
                Some((Ok(bytes::Bytes::from(buf)), (Some(file), next, end)))
            }
            Ok(Err(e)) => Some((Err(e), (None, end, end))),
            Err(e) => Some((Err(std::io::Error::other(e)), (None, end, end))),
        }
    });
    Body::from_stream(stream)
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
fn not_modified(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .map(|t| t.strip_suffix("-gz").unwrap_or(t))
            .map(|t| t.strip_suffix("-page").unwrap_or(t))
            .any(|t| t == "*" || t == etag);
    }
    if let Some(ims) = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) {
        if let Ok(since) = httpdate::parse_http_date(ims) {
            let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            return secs(modified) <= secs(since);
        }
    }
    false
}

/// Whether `rel` is an RSS or Atom file (which name the stylesheet).
fn is_xml_feed(rel: &Path) -> bool {
    matches!(
        rel.file_name().and_then(|n| n.to_str()).and_then(layout::Format::of_file_name),
        Some(layout::Format::Rss | layout::Format::Atom)
    )
}

/// A browser navigating to a page: it asks for HTML and names no feed
/// type. Feed readers name the feed types or ask for anything (`*/*`).
fn browser_navigation(headers: &HeaderMap) -> bool {
    let mut html = false;
    for (media, q) in weighted(headers, &header::ACCEPT) {
        match media.as_str() {
            "application/rss+xml" | "application/atom+xml" => return false,
            "text/html" if q > 0.0 => html = true,
            _ => {}
        }
    }
    html
}

/// The entries of a list header such as `Accept` or `Accept-Encoding`,
/// every occurrence of it: each lower-cased, with its q-value (1 when not
/// given).
fn weighted(headers: &HeaderMap, name: &header::HeaderName) -> Vec<(String, f32)> {
    let values = headers.get_all(name).into_iter().filter_map(|v| v.to_str().ok());
    values
        .flat_map(|value| value.split(','))
        .map(|entry| {
            let mut pieces = entry.split(';').map(str::trim);
            let token = pieces.next().unwrap_or_default().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
            (token, q)
        })
        .collect()
}

/// `gzip` is acceptable when named with q > 0, or covered by `*` with
/// q > 0 and not refused by name (`gzip;q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut named = None;
    let mut star = None;
    for (coding, q) in weighted(headers, &header::ACCEPT_ENCODING) {
        match coding.as_str() {
            "gzip" => named = Some(q > 0.0),
            "*" => star = Some(q > 0.0),
            _ => {}
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

/// Opens the file once and takes bytes (or, for a large file, the open
/// file itself) and validators from that open file.
fn load(shared: &Shared, rel: &Path) -> Option<Served> {
    use std::os::unix::fs::OpenOptionsExt;
    let root = shared.files.as_ref()?;
    let path = root.path.join(rel);
    // Never blocking: a FIFO planted in the folder must not hang a request.
    let mut file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(&path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    // Nothing reached through a symlink may lie outside the folder.
    let real = std::fs::canonicalize(&path).ok()?;
    if !real.starts_with(&root.real) {
        return None;
    }
    // An HTTP date holds 1970 to 9999: a file dated outside (an operator's
    // `touch -d 1960-01-01`) is served as if dated at the nearer end.
    let modified = http_time(meta.modified().ok()?);
    if meta.len() > CACHE_MAX_FILE {
        let etag = format!("{:x}-{:x}.{:x}-{:x}", meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.len());
        return Some(Served::Disk { file, len: meta.len(), modified, etag });
    }
    let version = (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.len());
    if let Some(cached) = shared.cache.lock().ok()?.files.get(rel).filter(|c| c.version == version) {
        return Some(Served::Memory(cached.clone()));
    }
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
    let cached = Arc::new(Cached { version, modified, etag, body: bytes.into(), gzip: gzip.into() });
    let size = cached.body.len() + cached.gzip.len();
    let mut cache = shared.cache.lock().ok()?;
    if cache.bytes + size > CACHE_MAX_BYTES {
        *cache = Cache::default();
    }
    if let Some(old) = cache.files.insert(rel.to_owned(), cached.clone()) {
        cache.bytes -= old.body.len() + old.gzip.len();
    }
    cache.bytes += size;
    Some(Served::Memory(cached))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthz_is_200_when_published_and_503_with_the_reason_otherwise() {
        let health = crate::health::Health::default();
        assert_eq!(health_answer(&health).status(), StatusCode::SERVICE_UNAVAILABLE, "before the first build");
        health.published();
        let ok = health_answer(&health);
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
        health.failed("publishing failed: disk full");
        assert_eq!(health_answer(&health).status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn browsers_are_told_from_feed_readers_by_accept() {
        let with = |accept: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).expect("header"));
            browser_navigation(&headers)
        };
        assert!(with("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assert!(with("TEXT/HTML"));
        assert!(!with("application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"));
        assert!(!with("application/rss+xml;q=0, text/html"), "naming a feed type at all is a reader");
        assert!(!with("*/*"));
        assert!(!with("text/htmlx"), "a media range, not a substring");
        assert!(!with("text/html;q=0, */*"), "refused");
        assert!(!browser_navigation(&HeaderMap::new()));
    }

    #[test]
    fn a_bare_admin_port_listens_on_loopback_only() {
        assert_eq!(admin_address("9180"), "127.0.0.1:9180");
        assert_eq!(admin_address(":9180"), "127.0.0.1:9180");
        assert_eq!(admin_address("0.0.0.0:9180"), "0.0.0.0:9180", "a whole address is taken as written");
        assert_eq!(admin_address("[::1]:9180"), "[::1]:9180");
        assert_eq!(admin_address("localhost:9180"), "localhost:9180");
    }

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

    /// Some hubs (Flask-WebSub) fetch a feed when pinged and push it on
    /// only if its HTTP answer names the hub and the feed's own URL.
    #[test]
    fn feed_files_carry_websub_link_headers_when_hubs_are_configured() {
        let site = Site {
            max_age: 60,
            feeds_url: url::Url::parse("https://news.example.com/feeds/").ok(),
            hubs: vec!["https://hub.example/".into(), "https://other.example/hub".into()],
            monitor: None,
        };
        assert_eq!(
            websub_links(&site, Path::new("tags/x/atom.xml")).as_deref(),
            Some(
                "<https://hub.example/>; rel=\"hub\", <https://other.example/hub>; rel=\"hub\", \
                 <https://news.example.com/feeds/tags/x/atom.xml>; rel=\"self\""
            )
        );
        assert_eq!(websub_links(&site, Path::new("index.html")), None, "feeds only");
        assert_eq!(websub_links(&Site { hubs: vec![], ..site }, Path::new("rss.xml")), None, "no hubs, no header");
    }

    #[test]
    fn byte_ranges() {
        let len = 1000;
        let cases = [
            ("bytes=0-99", Part::Bytes(0, 100)),
            ("bytes=900-", Part::Bytes(900, 1000)),
            ("bytes=-100", Part::Bytes(900, 1000)),
            ("bytes=-5000", Part::Bytes(0, 1000)),
            ("bytes=990-5000", Part::Bytes(990, 1000)),
            ("bytes=1000-", Part::Unsatisfiable),
            ("bytes=5-4", Part::Whole),
            ("bytes=-0", Part::Unsatisfiable),
            ("bytes=0-1,5-6", Part::Whole),
            ("items=0-1", Part::Whole),
            ("bytes=x-y", Part::Whole),
        ];
        for (value, want) in cases {
            assert_eq!(parse_range(value, len), want, "{value}");
        }
        assert_eq!(parse_range("bytes=0-", 0), Part::Unsatisfiable, "nothing to send from an empty file");
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
