//! `GET /metrics`: off unless a token is set, then Prometheus text with
//! requests by route and status, latency, the pool and the outbox.

use crate::common;

use common::{spawn, spawn_with};
use danvan::db::notifications as ndb;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn metrics_are_off_without_a_token() {
    let app = spawn().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_for_the_token_holder() {
    let app = spawn_with(&[
        ("METRICS_TOKEN", "bi-mat-do-luong"),
        ("OUTBOX_WORKER", "false"),
    ])
    .await;
    let scrape = |token: Option<&'static str>| {
        let client = common::new_client();
        let url = app.url("/metrics");
        async move {
            let mut r = client.get(url);
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let r = r.send().await.unwrap();
            let status = r.status();
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, kind, r.text().await.unwrap())
        }
    };
    assert_eq!(scrape(None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(Some("sai")).await.0, StatusCode::UNAUTHORIZED);

    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
    assert_eq!(
        app.get("/tasks/123456").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/khong-co-trang-nay").await.status(),
        StatusCode::NOT_FOUND
    );
    for i in 0..2 {
        ndb::queue(
            &mut app.conn(),
            "task_assigned",
            None,
            &format!("nguoi{i}@thuykhue.test"),
            "vi",
            &json!({"args": {"title": "Việc", "role": "team"}, "link": "/"}),
        )
        .unwrap();
    }

    let (status, kind, body) = scrape(Some("bi-mat-do-luong")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(
        body.contains(
            "danvan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 3"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "danvan_http_requests_total{method=\"GET\",route=\"/tasks/{id}\",status=\"303\"} 1"
        ),
        "the route's pattern, not the path: {body}"
    );
    assert!(
        body.contains("route=\"unmatched\",status=\"404\"} 1"),
        "{body}"
    );
    assert!(body.contains(
        "danvan_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 3"
    ));
    assert!(body.contains("danvan_http_request_duration_seconds_bucket{le=\"0.001\""));
    assert!(body.contains("# TYPE danvan_db_pool_connections gauge"));
    assert!(
        body.contains("danvan_outbox_messages{status=\"pending\"} 2"),
        "{body}"
    );
    assert!(body.trim_end().ends_with("# EOF"));
}
