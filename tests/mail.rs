//! Mail settings page: a real SMTP conversation, and `.eml` files when no SMTP server is set.

mod common;

use common::spawn_with;
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A one-connection SMTP server on 127.0.0.1 that accepts one message (or
/// refuses the recipient with `refuse_rcpt`) and hands over the DATA it got.
async fn fake_smtp(refuse_rcpt: bool) -> (u16, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250-fake.test\r\n250 8BITMIME\r\n",
                "MAIL" => b"250 2.1.0 ok\r\n",
                "RCPT" if refuse_rcpt => b"550 5.1.1 no such mailbox here\r\n",
                "RCPT" => b"250 2.1.5 ok\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
        let _ = tx.send(data);
    });
    (port, rx)
}

#[tokio::test]
async fn a_test_message_goes_through_a_real_smtp_conversation() {
    let (port, received) = fake_smtp(false).await;
    let port = port.to_string();
    let app = spawn_with(&[
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TLS", "none"),
    ])
    .await;
    app.as_admin().await;

    let (status, page) = app.text("/admin/mail").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("smtp://127.0.0.1:{port}")));

    let r = app
        .post("/admin/mail/test", &[("to", "hong@tayho.example")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let data = received.await.unwrap();
    assert!(data.contains("To: hong@tayho.example"), "{data}");
    assert!(data.contains("multipart/alternative"));
    assert!(data.contains("text/plain") && data.contains("text/html"));
    let (_, page) = app.text("/admin/mail").await;
    assert!(page.contains("Đã gửi thư thử."));
}

#[tokio::test]
async fn a_refusal_by_the_mail_server_is_shown_with_its_answer() {
    let (port, _received) = fake_smtp(true).await;
    let port = port.to_string();
    let app = spawn_with(&[
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_TLS", "none"),
    ])
    .await;
    app.as_admin().await;
    let r = app
        .post("/admin/mail/test", &[("to", "khong.co@tayho.example")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let html = r.text().await.unwrap();
    assert!(html.contains("no such mailbox here"), "{html}");
    assert!(html.contains("value=\"khong.co@tayho.example\""));
}

#[tokio::test]
async fn without_smtp_messages_are_written_as_eml_files() {
    let app = spawn_with(&[]).await;
    app.as_admin().await;
    let (_, page) = app.text("/admin/mail").await;
    assert!(page.contains("Chưa cấu hình máy chủ SMTP"));

    let r = app
        .post("/admin/mail/test", &[("to", "lan@mttq.example")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let dir = app.db.data_dir().join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: lan@mttq.example"));
}

#[tokio::test]
async fn a_bad_address_is_explained_and_nothing_is_sent() {
    let app = spawn_with(&[]).await;
    app.as_admin().await;
    let r = app
        .post("/admin/mail/test", &[("to", "khong phai dia chi")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"khong phai dia chi\""));
    assert!(html.contains("Địa chỉ thư điện tử không hợp lệ."));
    assert_eq!(
        std::fs::read_dir(app.db.data_dir().join("mail"))
            .unwrap()
            .count(),
        0
    );
}
