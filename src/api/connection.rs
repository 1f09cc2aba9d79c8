//! The listening socket, with one repair: every error leaves as `application/problem+json`.
//!
//! A request line too long for the HTTP parser (a query string past 64 KiB), headers past its
//! buffer, or bytes that are not HTTP at all never reach the router: hyper answers them itself
//! with a bare status line and an empty body (414, 431, 400). [`ProblemListener`] wraps each
//! accepted connection so that such an automatic answer is replaced, on its way out, by the
//! same problem document the router would have written. Hyper writes those answers as a head
//! without `content-type` and with `content-length: 0`, then closes the connection; every answer
//! of ours carries a content type, so nothing else is touched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::error::ApiError;

/// A TCP listener whose connections answer parse failures with problem documents.
pub struct ProblemListener(pub TcpListener);

impl axum::serve::Listener for ProblemListener {
    type Io = ProblemConnection<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // The plain listener's accept logs and retries failures itself.
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (ProblemConnection::new(stream), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        axum::serve::Listener::local_addr(&self.0)
    }
}

/// The peer's address of a connection, for handlers that count by address (sign-in).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress(pub std::net::SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, ProblemListener>> for PeerAddress {
    fn connect_info(stream: axum::serve::IncomingStream<'_, ProblemListener>) -> Self {
        PeerAddress(*stream.remote_addr())
    }
}

/// One accepted connection (see the module docs).
pub struct ProblemConnection<IO> {
    inner: IO,
    /// A replacement answer being written: its bytes, how many are out, and how many bytes of
    /// hyper's own answer it stands for (reported as written once it is all out).
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<IO> ProblemConnection<IO> {
    /// Wraps `inner`.
    pub fn new(inner: IO) -> Self {
        ProblemConnection { inner, pending: None }
    }
}

/// The status of an automatic answer of the HTTP parser, if `bytes` starts with one.
fn automatic_answer(bytes: &[u8]) -> Option<StatusCode> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?.to_ascii_lowercase();
    let status = head.strip_prefix("http/1.1 ")?.get(..3)?.parse::<u16>().ok()?;
    let bare = !head.contains("\r\ncontent-type:") && head.contains("\r\ncontent-length: 0");
    (bare && matches!(status, 400 | 414 | 431) && bytes.len() == head_end + 4).then(|| StatusCode::from_u16(status).ok()).flatten()
}

/// The answer written instead: the problem document, and the connection closed after it.
fn problem_answer(status: StatusCode) -> Vec<u8> {
    let body = serde_json::to_vec(&ApiError::Protocol(status).problem()).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        super::error::PROBLEM_JSON,
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl<IO: AsyncWrite + Unpin> ProblemConnection<IO> {
    fn drive_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, stands_for)) = &mut self.pending {
            if *written == bytes.len() {
                let reported = *stands_for;
                self.pending = None;
                return Poll::Ready(Ok(reported));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(0))
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for ProblemConnection<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for ProblemConnection<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.pending.is_none()
            && let Some(status) = automatic_answer(buf)
        {
            self.pending = Some((problem_answer(status), 0, buf.len()));
        }
        if self.pending.is_some() {
            return self.drive_pending(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_some() {
            match self.drive_pending(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Hyper then writes each answer as one buffer, so an automatic answer arrives whole.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_parsers_bare_answers_are_replaced() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 10:00:00 GMT\r\n\r\n";
        assert_eq!(automatic_answer(bare), Some(StatusCode::URI_TOO_LONG));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_answer(ours), None, "an answer with a content type is ours");
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_answer(ok), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}";
        assert_eq!(automatic_answer(with_body), None, "only a lone head is an automatic answer");
    }

    #[test]
    fn the_replacement_is_a_problem_document_that_closes_the_connection() {
        let answer = String::from_utf8(problem_answer(StatusCode::URI_TOO_LONG)).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains("content-type: application/problem+json") && head.contains("connection: close"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!((problem["status"].as_u64(), problem["code"].as_str()), (Some(414), Some("uri_too_long")));
    }
}
