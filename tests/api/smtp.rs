//! A real SMTP server on loopback for the tests: it speaks enough of RFC 5321 for `lettre`
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps each message it accepts, and can be told
//! to refuse messages (a 451, "try again later") to test retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The Subject header's value (as sent: ASCII subjects stay plain).
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    /// Messages still to refuse with 451 at DATA's end.
    refuse: Arc<AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = SmtpServer {
            port,
            received: Arc::default(),
            refuse: Arc::default(),
        };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(accepting.clone().converse(stream));
            }
        });
        server
    }

    /// The URL for ITF_SMTP_URL.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuses the next `count` messages with a temporary failure.
    pub fn refuse_next(&self, count: usize) {
        self.refuse.store(count, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn converse(self, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let reply = |text: &'static str| {
            let text = text.to_owned();
            async move { text }
        };
        if write
            .write_all(b"220 test.invalid ESMTP ready\r\n")
            .await
            .is_err()
        {
            return;
        }
        let mut to: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end().to_ascii_uppercase();
            let answer = if command.starts_with("EHLO") {
                reply("250-test.invalid\r\n250 8BITMIME\r\n").await
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                reply("250 OK\r\n").await
            } else if command.starts_with("MAIL FROM") {
                to.clear();
                reply("250 OK\r\n").await
            } else if command.starts_with("RCPT TO") {
                let address = line.trim_end()[8..]
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned();
                to.push(address);
                reply("250 OK\r\n").await
            } else if command.starts_with("RSET") {
                to.clear();
                reply("250 OK\r\n").await
            } else if command.starts_with("DATA") {
                if write.write_all(b"354 go ahead\r\n").await.is_err() {
                    return;
                }
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let refused = self
                    .refuse
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(1)
                    })
                    .is_ok();
                if refused {
                    reply("451 4.3.0 try again later\r\n").await
                } else {
                    self.received.lock().unwrap().push(Received {
                        to: std::mem::take(&mut to),
                        data,
                    });
                    reply("250 OK queued\r\n").await
                }
            } else if command.starts_with("QUIT") {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                reply("502 not implemented\r\n").await
            };
            if write.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}
