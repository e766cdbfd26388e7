//! A directory of thousands of offices: `GET /offices` pages it (with `X-Total-Count`), an office
//! created on the node shows at once, a page past the end is empty, and the pages and the inbox
//! that name offices still answer. The extra offices are inserted straight into the database, as
//! a ministry's directory would have grown.

use crate::support::{Backend, TestApp, on_both};
use reqwest::StatusCode;
use sarabun_registry::entity::office;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

on_both!(a_directory_of_thousands_of_offices_is_paged);

const EXTRA: usize = 3_000;

async fn a_directory_of_thousands_of_offices_is_paged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin").await;
    let ops = app.clerk("clerk.ops").await;
    let demo = ops.get("/api/v1/offices").await.json::<Vec<Value>>().await.unwrap().len();
    let parent = office::Entity::find().all(app.db()).await.unwrap().into_iter().find(|o| o.parent_id.is_none());
    let rows: Vec<office::ActiveModel> = (0..EXTRA)
        .map(|i| {
            office::ActiveModel::from(office::Model {
                id: uuid::Uuid::now_v7().to_string(),
                code: format!("ทด {i:06}"),
                name_th: format!("สำนักงานทดสอบ ที่ {i}"),
                name_en: format!("Test office {i}"),
                parent_id: parent.as_ref().map(|p| p.id.clone()),
                inbox_email: format!("office{i}@example.go.th"),
                created_at: app.now(),
            })
        })
        .collect();
    for chunk in rows.chunks(500) {
        office::Entity::insert_many(chunk.to_vec()).exec_without_returning(app.db()).await.unwrap();
    }
    // Created on this node: listed at once, not after the directory's moment in memory.
    let res = admin
        .post(
            "/api/v1/offices",
            json!({"code": "กค 0901", "name_th": "กองทดสอบ", "name_en": "Test Division", "inbox_email": "t@x.example"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let total = demo + EXTRA + 1;

    let all = ops.get("/api/v1/offices").await.json::<Vec<Value>>().await.unwrap();
    assert_eq!(all.len(), total);
    assert!(all.iter().any(|o| o["code"] == "กค 0901"));
    let res = ops.get("/api/v1/offices?page=2&per_page=200").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"].to_str().unwrap(), total.to_string());
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 200);
    assert_eq!(page[0]["code"], all[200]["code"], "pages follow the code order of the whole list");
    let last = ops.get(&format!("/api/v1/offices?page={}&per_page=200", total.div_ceil(200))).await;
    assert_eq!(last.json::<Vec<Value>>().await.unwrap().len(), (total - 1) % 200 + 1);
    let past = ops.get("/api/v1/offices?page=1000000&per_page=200").await;
    assert_eq!(past.status(), StatusCode::OK);
    assert!(past.json::<Vec<Value>>().await.unwrap().is_empty());
    let bad = ops.get("/api/v1/offices?page=0").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Sending to one of them and reading the inbox still work with the directory this size.
    let letter = ops.send(&["กค 0400"]).await;
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("").await.total, 1);
    assert_eq!(cgd.letter(&letter.id).await.id, letter.id);
}
