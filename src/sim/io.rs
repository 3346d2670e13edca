//! The relay's byte plumbing: a socket wrapper that records what arrives on the wire, the
//! stream that is plaintext or TLS, and a line reader with a hard cap so a hostile client
//! cannot make the relay buffer without bound.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::record::Shared;

/// The longest command line the relay buffers (RFC 5321 §4.5.3.1.4 allows 512 bytes; a
/// text line 1000). Longer lines are skipped to their end and reported as `TooLong`.
pub const MAX_LINE: usize = 64 * 1024;
const CHUNK: usize = 8 * 1024;

/// A TCP stream that copies every byte it reads into `received_raw()`.
pub(super) struct Wire {
    tcp: TcpStream,
    shared: Arc<Shared>,
}

impl Wire {
    pub(super) fn new(tcp: TcpStream, shared: Arc<Shared>) -> Wire {
        Wire { tcp, shared }
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            this.shared.record_raw(&buf.filled()[before..]);
        }
        r
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// The connection: plaintext, or TLS over the same wire.
pub(super) enum Stream {
    Plain(Wire),
    Tls(Box<tokio_rustls::server::TlsStream<Wire>>),
    /// Only while STARTTLS swaps one for the other.
    Gone,
}

impl Stream {
    /// Takes the plaintext wire out for a TLS handshake.
    pub(super) fn take_plain(&mut self) -> Option<Wire> {
        match std::mem::replace(self, Stream::Gone) {
            Stream::Plain(w) => Some(w),
            other => {
                *self = other;
                None
            }
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "stream lost during STARTTLS")
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(w) => Pin::new(w).poll_read(cx, buf),
            Stream::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(w) => Pin::new(w).poll_write(cx, buf),
            Stream::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(w) => Pin::new(w).poll_flush(cx),
            Stream::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(w) => Pin::new(w).poll_shutdown(cx),
            Stream::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

/// What the line reader got.
pub(super) enum Input {
    /// A line without its CRLF (or bare LF).
    Line(Vec<u8>),
    /// A line longer than `MAX_LINE`, skipped to its end.
    TooLong(usize),
    /// The client closed its side.
    Eof,
}

/// Reads CRLF-terminated lines, keeping at most `MAX_LINE + CHUNK` bytes, and notes when
/// each line arrived (for the reply delay). Every byte it reads goes to `received()`.
pub(super) struct LineReader {
    buf: Vec<u8>,
    arrived: Instant,
    shared: Arc<Shared>,
}

impl LineReader {
    pub(super) fn new(shared: Arc<Shared>) -> LineReader {
        LineReader {
            buf: Vec::with_capacity(CHUNK),
            arrived: Instant::now(),
            shared,
        }
    }

    /// Whether bytes past the last line are waiting (a client that pipelined).
    pub(super) fn has_buffered(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Forgets buffered bytes (RFC 3207 §4.2: nothing from before TLS carries over).
    pub(super) fn clear(&mut self) {
        self.buf.clear();
    }

    async fn fill<R: AsyncRead + Unpin>(&mut self, io: &mut R) -> io::Result<bool> {
        let mut chunk = [0u8; CHUNK];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Ok(false);
        }
        self.shared.record_plain(&chunk[..n]);
        self.arrived = Instant::now();
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(true)
    }

    /// The next line and the time its last byte arrived.
    pub(super) async fn next_line<R: AsyncRead + Unpin>(
        &mut self,
        io: &mut R,
    ) -> io::Result<(Input, Instant)> {
        let mut skipped = 0usize;
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                if skipped > 0 {
                    return Ok((Input::TooLong(skipped + line.len()), self.arrived));
                }
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok((Input::Line(line), self.arrived));
            }
            if self.buf.len() > MAX_LINE {
                skipped += self.buf.len();
                self.buf.clear();
            }
            if !self.fill(io).await? {
                return Ok((Input::Eof, Instant::now()));
            }
        }
    }

    /// Exactly `n` bytes (BDAT), of which at most `keep` are returned; `None` when the
    /// client closes first.
    pub(super) async fn next_bytes<R: AsyncRead + Unpin>(
        &mut self,
        io: &mut R,
        n: usize,
        keep: usize,
    ) -> io::Result<Option<(Vec<u8>, Instant)>> {
        let mut kept = Vec::new();
        let mut left = n;
        loop {
            let take = left.min(self.buf.len());
            let room = keep.saturating_sub(kept.len()).min(take);
            kept.extend_from_slice(&self.buf[..room]);
            self.buf.drain(..take);
            left -= take;
            if left == 0 {
                return Ok(Some((kept, self.arrived)));
            }
            if !self.fill(io).await? {
                return Ok(None);
            }
        }
    }
}
