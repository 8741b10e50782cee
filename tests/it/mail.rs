//! Mail settings page: a real SMTP conversation, and `.eml` files when no SMTP server is set.

use crate::common;

use common::smtp::SmtpSink;
use common::{new_client, spawn, spawn_with, PASSWORD};
use danvan::domain::access::Role;
use danvan::domain::units::UnitKind;
use reqwest::StatusCode;

#[tokio::test]
async fn a_test_message_goes_through_a_real_smtp_conversation() {
    let sink = SmtpSink::start();
    let app = common::spawn_mailing(&sink).await;
    app.as_admin().await;

    let (status, page) = app.text("/admin/mail").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("smtp://127.0.0.1:{}", sink.port)));

    let r = app
        .post("/admin/mail/test", &[("to", "hong@tayho.example")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].rcpt, ["hong@tayho.example"]);
    assert_eq!(got[0].subject, "Thư thử từ hệ thống Dân vận khéo");
    assert!(got[0].raw.contains("multipart/alternative"));
    assert!(got[0].raw.contains("text/plain") && got[0].raw.contains("text/html"));
    assert!(got[0].text.contains("Kính gửi đồng chí"));
    let (_, page) = app.text("/admin/mail").await;
    assert!(page.contains("Đã gửi thư thử."));
}

#[tokio::test]
async fn a_refusal_by_the_mail_server_is_shown_with_its_answer() {
    let sink = SmtpSink::start();
    let app = common::spawn_mailing(&sink).await;
    app.as_admin().await;
    let r = app
        .post(
            "/admin/mail/test",
            &[("to", "reject.khong.co@tayho.example")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let html = r.text().await.unwrap();
    assert!(html.contains("5.1.1 mailbox unavailable"), "{html}");
    assert!(html.contains("value=\"reject.khong.co@tayho.example\""));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn without_smtp_queued_notifications_are_written_as_eml_files() {
    let app = spawn_with(&[]).await;
    danvan::db::notifications::queue(
        &mut app.conn(),
        "review_published",
        None,
        "lan@mttq.example",
        "vi",
        &serde_json::json!({"args": {"round": "Đánh giá năm 2023", "unit": "Phường Tây Hồ"}, "link": "/reviews/1"}),
    )
    .unwrap();
    let dir = app.db.data_dir().join("mail");
    for _ in 0..100 {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        if let Some(f) = files.first() {
            let eml = std::fs::read_to_string(f).unwrap();
            assert!(eml.contains("To: lan@mttq.example"));
            assert!(
                eml.contains("Subject: =?utf-8?"),
                "encoded Vietnamese subject"
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no .eml file was written");
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

/// An administrator of a ward sees the mail to the ward's users only, may
/// retry only that, and tests only with an address of their own users; the
/// top unit's administrator sees the whole installation's mail.
#[tokio::test]
async fn a_ward_administrator_reads_and_retries_only_the_wards_mail() {
    use danvan::db::notifications as ndb;
    use danvan::db::schema::outbox;
    use diesel::prelude::*;
    let app = spawn().await;
    let hanoi = app.unit(app.root, UnitKind::Province, "Thành phố Hà Nội");
    let quang_an = app.unit(hanoi, UnitKind::Ward, "Phường Quảng An");
    let nghe_an = app.unit(app.root, UnitKind::Province, "Tỉnh Nghệ An");
    let admin_qa = app.user("quantri.quangan", quang_an, &[(Role::Admin, quang_an)]);
    app.set_email(
        admin_qa,
        "Quản trị Quảng An",
        "quantri@quangan.example",
        "vi",
    );
    let ours = app.user("capuy.quangan", quang_an, &[(Role::Committee, quang_an)]);
    app.set_email(ours, "Cấp ủy Quảng An", "capuy@quangan.example", "vi");
    let theirs = app.user("so.nghean", nghe_an, &[(Role::Committee, nghe_an)]);
    app.set_email(theirs, "Sở Nghệ An", "so@nghean.example", "vi");
    let mut ids = Vec::new();
    {
        let mut c = app.conn();
        for (user, to, subject) in [
            (ours, "capuy@quangan.example", "Việc mở rộng ngõ Quảng An"),
            (
                theirs,
                "so@nghean.example",
                "Trả lời kiến nghị của Sở Nghệ An",
            ),
        ] {
            let id =
                ndb::queue(&mut c, "test", Some(user), to, "vi", &serde_json::json!({})).unwrap();
            diesel::update(outbox::table.find(id))
                .set((outbox::status.eq("failed"), outbox::subject.eq(subject)))
                .execute(&mut c)
                .unwrap();
            ids.push(id);
        }
    }
    let ward_admin = new_client();
    app.login_with(&ward_admin, "quantri.quangan", PASSWORD)
        .await;
    let page = app
        .get_with(&ward_admin, "/admin/mail?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("capuy@quangan.example") && page.contains("Việc mở rộng ngõ Quảng An"));
    assert!(
        !page.contains("so@nghean.example"),
        "another province's addresses"
    );
    assert!(
        !page.contains("Trả lời kiến nghị của Sở Nghệ An"),
        "and subjects"
    );
    assert!(!page.contains("smtp") && !page.contains(&format!("/outbox/{}/retry", ids[1])));

    // Retrying someone else's message does nothing.
    let r = app
        .post_with(
            &ward_admin,
            &format!("/admin/mail/outbox/{}/retry", ids[1]),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let status = |id: i64| -> String {
        outbox::table
            .find(id)
            .select(outbox::status)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(status(ids[1]), "failed");
    app.post_with(
        &ward_admin,
        &format!("/admin/mail/outbox/{}/retry", ids[0]),
        &[],
    )
    .await;
    assert_eq!(status(ids[0]), "pending");

    // A test message only to an address of the ward's users.
    let r = app
        .post_with(
            &ward_admin,
            "/admin/mail/test",
            &[("to", "so@nghean.example")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Chỉ gửi thử được tới địa chỉ"));
    let r = app
        .post_with(
            &ward_admin,
            "/admin/mail/test",
            &[("to", "quantri@quangan.example")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The top unit's administrator sees both.
    app.as_admin().await;
    let (_, page) = app.text("/admin/mail?status=failed").await;
    assert!(page.contains("so@nghean.example"));
}
