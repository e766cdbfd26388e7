//! A small but real SMTP server for tests (feature `test-server`).
//!
//! [`TestSmtpServer`] listens on `127.0.0.1` on a port the system picks and
//! speaks enough of RFC 5321 for a real client such as lettre: `EHLO`/`HELO`,
//! `MAIL FROM`, `RCPT TO`, `DATA` (with dot-unstuffing), `RSET`, `NOOP`, `VRFY`
//! and `QUIT`, one transaction after another on a connection. It offers no TLS
//! and no AUTH, so clients must connect with [`crate::mail::smtp::TlsMode::None`] and
//! no credentials. Accepted messages are kept in memory, raw, as received.
//!
//! Faults can be injected: [`TestSmtpServer::fail_next`] makes the server answer
//! the end of `DATA` of the next messages with a chosen reply (e.g. `451` or
//! `550`) instead of accepting them, and [`TestSmtpServer::stop`] /
//! [`TestSmtpServer::restart`] take the server off the network and bring it back
//! on the same port, to test that mails wait while the server is down.
//!
//! It must be started inside a Tokio runtime; it runs in-process on that runtime.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Longest command or data line accepted, in bytes (RFC 5321 allows 1000).
const MAX_LINE: u64 = 64 * 1024;
/// Largest message accepted, in bytes.
const MAX_MESSAGE: usize = 32 * 1024 * 1024;

/// A message the server accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets; empty for `<>`.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The message as transmitted after `DATA`, dot-unstuffed, CRLF line ends
    /// kept, without the final `.` line.
    pub raw: Vec<u8>,
}

/// A reply to give instead of accepting a message.
#[derive(Clone, Debug)]
struct Failure {
    code: u16,
    text: String,
    remaining: usize,
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedMail>,
    failures: VecDeque<Failure>,
    transactions: usize,
    connections: usize,
}

struct Shared {
    state: Mutex<State>,
    /// Number of accepted messages, for [`TestSmtpServer::wait_for`].
    accepted: watch::Sender<usize>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An in-process SMTP server on `127.0.0.1` for tests. Dropping it stops it.
pub struct TestSmtpServer {
    port: u16,
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for TestSmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSmtpServer").field("port", &self.port).field("running", &self.is_running()).finish()
    }
}

impl TestSmtpServer {
    /// Starts a server on `127.0.0.1` with a free port.
    ///
    /// # Panics
    /// If no port can be bound.
    pub async fn start() -> Self {
        let listener = bind(0).expect("bind a test SMTP server on 127.0.0.1");
        let port = listener.local_addr().expect("local address of the test SMTP server").port();
        let (accepted, _) = watch::channel(0);
        let shared = Arc::new(Shared { state: Mutex::new(State::default()), accepted });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        TestSmtpServer { port, shared, task: Mutex::new(Some(task)) }
    }

    /// The TCP port the server listens on (the same after [`Self::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Whether the server is listening (not stopped).
    pub fn is_running(&self) -> bool {
        self.task_slot().is_some()
    }

    /// The messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.lock().messages.clone()
    }

    /// Removes and returns the messages accepted so far.
    pub fn take_messages(&self) -> Vec<ReceivedMail> {
        std::mem::take(&mut self.shared.lock().messages)
    }

    /// How many `DATA` transactions were completed, accepted or refused with an
    /// injected failure: a measure of how often clients tried.
    pub fn transactions(&self) -> usize {
        self.shared.lock().transactions
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// Waits until at least `n` messages have been accepted in total (counting
    /// those already taken with [`Self::take_messages`] too) and returns the
    /// messages held now, or `None` if `timeout` passes first.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Option<Vec<ReceivedMail>> {
        let mut rx = self.shared.accepted.subscribe();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|count| *count >= n)).await;
        match reached {
            Ok(Ok(_)) => Some(self.messages()),
            _ => None,
        }
    }

    /// Answers the end of `DATA` of the next `count` messages with `code text`
    /// (e.g. `451` "try again later" or `550` "no such user") instead of
    /// accepting them. Calls queue up: each rule is used up before the next.
    pub fn fail_next(&self, code: u16, text: &str, count: usize) {
        assert!((400..600).contains(&code), "an injected failure must be 4xx or 5xx");
        if count > 0 {
            self.shared.lock().failures.push_back(Failure {
                code,
                text: text.replace(['\r', '\n'], " "),
                remaining: count,
            });
        }
    }

    /// Stops listening and drops every open connection. Clients then get
    /// "connection refused" until [`Self::restart`]. Messages are kept.
    pub async fn stop(&self) {
        let task = self.task_slot().take();
        if let Some(task) = task {
            task.abort();
            // Wait until the listener and the connections are dropped.
            let _ = task.await;
        }
    }

    /// Listens again on the same port after [`Self::stop`] (no-op if running).
    ///
    /// # Panics
    /// If the port cannot be bound again.
    pub async fn restart(&self) {
        if self.is_running() {
            return;
        }
        let listener = bind(self.port).expect("bind the test SMTP server's port again");
        let task = tokio::spawn(accept_loop(listener, self.shared.clone()));
        *self.task_slot() = Some(task);
    }

    fn task_slot(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        self.task.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for TestSmtpServer {
    fn drop(&mut self) {
        if let Some(task) = self.task_slot().take() {
            task.abort();
        }
    }
}

fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    socket.listen(64)
}

/// Accepts connections until aborted; aborting drops the listener and, with the
/// `JoinSet`, every connection task.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    // Replies are small writes; without this, delayed ACKs add ~40 ms per command.
                    let _ = stream.set_nodelay(true);
                    shared.lock().connections += 1;
                    let shared = shared.clone();
                    connections.spawn(async move {
                        // A client that goes away mid-session is not an error here.
                        let _ = serve(stream, shared).await;
                    });
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One SMTP session.
async fn serve(stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sarabun-test ESMTP ready\r\n").await?;

    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if (&mut read).take(MAX_LINE).read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => "250-sarabun-test greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                       250 SIZE 33554432\r\n"
                .to_owned(),
            "HELO" => "250 sarabun-test\r\n".to_owned(),
            "MAIL" => match path_after(arg, "FROM:") {
                Some(path) => {
                    from = Some(path);
                    to.clear();
                    "250 2.1.0 OK\r\n".to_owned()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".to_owned(),
            },
            "RCPT" => match (from.is_some(), path_after(arg, "TO:")) {
                (false, _) => "503 5.5.1 MAIL first\r\n".to_owned(),
                (true, Some(path)) if !path.is_empty() => {
                    to.push(path);
                    "250 2.1.5 OK\r\n".to_owned()
                }
                (true, _) => "501 5.5.4 Syntax: RCPT TO:<address>\r\n".to_owned(),
            },
            "DATA" if from.is_none() || to.is_empty() => "503 5.5.1 RCPT first\r\n".to_owned(),
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let raw = read_data(&mut read).await?;
                let envelope_from = from.take().unwrap_or_default();
                let envelope_to = std::mem::take(&mut to);
                match raw {
                    Some(raw) => finish_transaction(&shared, envelope_from, envelope_to, raw),
                    None => "552 5.3.4 Message too big\r\n".to_owned(),
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                "250 2.0.0 OK\r\n".to_owned()
            }
            "NOOP" => "250 2.0.0 OK\r\n".to_owned(),
            "VRFY" => "252 2.5.0 Cannot VRFY user\r\n".to_owned(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "" => "500 5.5.2 Syntax error\r\n".to_owned(),
            _ => "502 5.5.1 Command not implemented\r\n".to_owned(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Applies an injected failure or stores the message; returns the reply.
fn finish_transaction(shared: &Shared, from: String, to: Vec<String>, raw: Vec<u8>) -> String {
    let mut state = shared.lock();
    state.transactions += 1;
    if let Some(failure) = state.failures.front_mut() {
        failure.remaining -= 1;
        let reply = format!("{} {}\r\n", failure.code, failure.text);
        if failure.remaining == 0 {
            state.failures.pop_front();
        }
        return reply;
    }
    state.messages.push(ReceivedMail { from, to, raw });
    shared.accepted.send_modify(|count| *count += 1);
    "250 2.0.0 OK: queued\r\n".to_owned()
}

/// Reads DATA lines up to the lone `.`, undoing dot-stuffing. `None` if the
/// message was larger than [`MAX_MESSAGE`] (it is still read to the end).
async fn read_data<R: AsyncBufReadExt + Unpin>(read: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut raw = Vec::new();
    let mut too_big = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.take(MAX_LINE).read_until(b'\n', &mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_big).then_some(raw));
        }
        let content = line.strip_prefix(b".").unwrap_or(&line);
        if raw.len() + content.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            raw.extend_from_slice(content);
        }
    }
}

/// The path in `FROM:<a@b> PARAMS` / `TO:<a@b>`, without brackets; `None` if
/// the keyword is missing or the brackets are unbalanced.
fn path_after(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(path_after("FROM:<a@b> BODY=8BITMIME", "FROM:").as_deref(), Some("a@b"));
        assert_eq!(path_after("from: <>", "FROM:").as_deref(), Some(""));
        assert_eq!(path_after("TO:a@b", "TO:"), None);
        assert_eq!(path_after("", "TO:"), None);
    }

    async fn expect<R: AsyncBufReadExt + Unpin>(r: &mut R, code: &str) {
        loop {
            let mut l = String::new();
            r.read_line(&mut l).await.unwrap();
            assert!(l.starts_with(code), "expected {code}, got {l:?}");
            if l.as_bytes().get(3) == Some(&b' ') {
                break;
            }
        }
    }

    #[tokio::test]
    async fn speaks_smtp_with_dot_unstuffing() {
        let server = TestSmtpServer::start().await;
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        expect(&mut r, "220").await;
        for (cmd, code) in [
            ("EHLO client", "250"),
            ("NOOP", "250"),
            ("RCPT TO:<x@y>", "503"),
            ("MAIL FROM:<a@b>", "250"),
            ("RCPT TO:<c@d>", "250"),
            ("RCPT TO:<e@f>", "250"),
            ("DATA", "354"),
        ] {
            w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
            expect(&mut r, code).await;
        }
        w.write_all(b"Subject: x\r\n\r\n..leading dot\r\n.\r\n").await.unwrap();
        expect(&mut r, "250").await;
        w.write_all(b"RSET\r\nQUIT\r\n").await.unwrap();
        expect(&mut r, "250").await;
        expect(&mut r, "221").await;
        let got = server.wait_for(1, Duration::from_secs(5)).await.unwrap();
        assert_eq!(got[0].from, "a@b");
        assert_eq!(got[0].to, ["c@d", "e@f"]);
        assert_eq!(got[0].raw, b"Subject: x\r\n\r\n.leading dot\r\n");
    }

    #[tokio::test]
    async fn stop_refuses_and_restart_listens_on_the_same_port() {
        let server = TestSmtpServer::start().await;
        let port = server.port();
        server.stop().await;
        assert!(!server.is_running());
        assert!(TcpStream::connect(server.addr()).await.is_err());
        server.restart().await;
        assert_eq!(server.port(), port);
        assert!(TcpStream::connect(server.addr()).await.is_ok());
    }
}
