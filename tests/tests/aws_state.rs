//! `DynamoDbStateStore` and `S3AuditSink` against moto.
use std::time::Duration;

use aiir_aws::DynamoDbStateStore;
use aiir_core::state::StateStore;
use aiir_e2e::aws_support::aws_env;
use anyhow::Result;
use serde_json::json;

#[tokio::test]
async fn dynamodb_state_store_contract() -> Result<()> {
    let env = aws_env().await?;
    let store = DynamoDbStateStore::new(env.clients.dynamodb.clone(), &env.d.state_table);
    let hour = Duration::from_secs(3600);

    // Conditional create: exactly one claim wins.
    assert!(
        store
            .put_if_absent("dedup#abc", "claim", &json!({"incident_id": "inc-1"}), hour)
            .await?
    );
    assert!(
        !store
            .put_if_absent("dedup#abc", "claim", &json!({"incident_id": "inc-2"}), hour)
            .await?
    );
    assert_eq!(
        store.get("dedup#abc", "claim").await?,
        Some(json!({"incident_id": "inc-1"}))
    );

    // Take: of two callers exactly one gets the item.
    store
        .put("approval#s1", "pending", &json!({"step": 1}), hour)
        .await?;
    let (a, b) = tokio::join!(
        store.take("approval#s1", "pending"),
        store.take("approval#s1", "pending")
    );
    assert_eq!(
        [a?.is_some(), b?.is_some()].iter().filter(|x| **x).count(),
        1
    );

    // Atomic counters, created at 1.
    for expected in 1..=3 {
        assert_eq!(
            store.increment("blast#resource#x", "42", hour).await?,
            expected
        );
    }
    assert_eq!(store.get("blast#resource#x", "42").await?, Some(json!(3)));

    // Query returns a partition in sort-key order.
    for sk in ["step#002", "incident", "step#001"] {
        store
            .put("incident#inc-9", sk, &json!({ "sk": sk }), hour)
            .await?;
    }
    let items = store.query("incident#inc-9").await?;
    let sks: Vec<_> = items.iter().map(|(sk, _)| sk.as_str()).collect();
    assert_eq!(sks, ["incident", "step#001", "step#002"]);

    // Expired items read as absent and may be claimed again, before DynamoDB sweeps them.
    store
        .put("dedup#old", "claim", &json!(1), Duration::ZERO)
        .await?;
    assert_eq!(store.get("dedup#old", "claim").await?, None);
    assert!(
        store
            .put_if_absent("dedup#old", "claim", &json!(2), hour)
            .await?
    );
    let raw = env
        .clients
        .dynamodb
        .get_item()
        .table_name(&env.d.state_table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("dedup#old".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("claim".into()),
        )
        .send()
        .await?;
    let ttl = raw
        .item()
        .and_then(|i| i.get("ttl"))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok());
    let now = chrono::Utc::now().timestamp();
    assert!(
        ttl.is_some_and(|t| t > now + 3500 && t <= now + 3600),
        "ttl epoch seconds: {ttl:?}"
    );

    store.delete("dedup#abc", "claim").await?;
    assert_eq!(store.get("dedup#abc", "claim").await?, None);

    // A missing table is reported as retryable unavailability, not as data.
    let missing = DynamoDbStateStore::new(env.clients.dynamodb.clone(), "no-such-table");
    let err = missing.get("a", "b").await.err();
    assert!(err.is_some_and(|e| e.is_retryable()));
    Ok(())
}
