//! [`StateStore`] on DynamoDB: table with `pk` (S) hash key, `sk` (S) range key, and TTL on the
//! number attribute `ttl` (epoch seconds).
//!
//! Values are stored as JSON text in `value`; counters as a number in `count`. DynamoDB deletes
//! expired items lazily (up to days later), so every read treats an item whose `ttl` has passed
//! as absent, and `put_if_absent` may overwrite one.
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aiir_core::state::{StateError, StateStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde_json::Value;

use crate::error::state_error;

const PK: &str = "pk";
const SK: &str = "sk";
const TTL: &str = "ttl";
const VALUE: &str = "value";
const COUNT: &str = "count";

/// IAM actions the state store needs on its table.
pub const REQUIRED_PERMISSIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
];

#[derive(Clone, Debug)]
pub struct DynamoDbStateStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl DynamoDbStateStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(pk: &str, sk: &str) -> Item {
        HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
    }

    fn item(pk: &str, sk: &str, value: &Value, ttl: Duration) -> Item {
        let mut item = Self::key(pk, sk);
        item.insert(VALUE.into(), s(&value.to_string()));
        item.insert(TTL.into(), n(now_secs() + ttl.as_secs()));
        item
    }

    fn expired(item: &Item, now: u64) -> bool {
        match item.get(TTL) {
            Some(AttributeValue::N(ttl)) => ttl.parse::<u64>().is_ok_and(|t| t <= now),
            _ => false,
        }
    }

    fn decode(pk: &str, sk: &str, item: &Item) -> Result<Value, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            key: format!("{pk}/{sk}"),
            message,
        };
        match (item.get(VALUE), item.get(COUNT)) {
            (Some(AttributeValue::S(text)), _) => {
                serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))
            }
            (None, Some(AttributeValue::N(count))) => count
                .parse::<u64>()
                .map(Value::from)
                .map_err(|e| corrupt(e.to_string())),
            _ => Err(corrupt(
                "item has neither a `value` string nor a `count` number".into(),
            )),
        }
    }
}

#[async_trait]
impl StateStore for DynamoDbStateStore {
    async fn put_if_absent(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(pk, sk, value, ttl)))
            // Absent, or present but expired and not yet swept by DynamoDB.
            .condition_expression("attribute_not_exists(#pk) OR #ttl <= :now")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":now", n(now_secs()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(state_error(&format!("dynamodb:PutItem {pk}/{sk}"), err)),
        }
    }

    async fn put(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<(), StateError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(pk, sk, value, ttl)))
            .send()
            .await
            .map_err(|e| state_error(&format!("dynamodb:PutItem {pk}/{sk}"), e))?;
        Ok(())
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| state_error(&format!("dynamodb:GetItem {pk}/{sk}"), e))?;
        match out.item() {
            Some(item) if !Self::expired(item, now_secs()) => Self::decode(pk, sk, item).map(Some),
            _ => Ok(None),
        }
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<(), StateError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .send()
            .await
            .map_err(|e| state_error(&format!("dynamodb:DeleteItem {pk}/{sk}"), e))?;
        Ok(())
    }

    async fn take(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        // DeleteItem is atomic: of two concurrent callers only one gets the old item back.
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| state_error(&format!("dynamodb:DeleteItem {pk}/{sk}"), e))?;
        match out.attributes() {
            Some(item) if !item.is_empty() && !Self::expired(item, now_secs()) => {
                Self::decode(pk, sk, item).map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn query(&self, pk: &str) -> Result<Vec<(String, Value)>, StateError> {
        let now = now_secs();
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .scan_index_forward(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| state_error(&format!("dynamodb:Query {pk}"), e))?;
            for item in out.items() {
                if Self::expired(item, now) {
                    continue;
                }
                let Some(AttributeValue::S(sk)) = item.get(SK) else {
                    continue;
                };
                found.push((sk.clone(), Self::decode(pk, sk, item)?));
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        Ok(found)
    }

    async fn increment(&self, pk: &str, sk: &str, ttl: Duration) -> Result<u64, StateError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .update_expression("ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(now_secs() + ttl.as_secs()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| state_error(&format!("dynamodb:UpdateItem {pk}/{sk}"), e))?;
        match out.attributes().and_then(|a| a.get(COUNT)) {
            Some(AttributeValue::N(count)) => count.parse().map_err(|_| StateError::Corrupt {
                key: format!("{pk}/{sk}"),
                message: format!("counter is not a whole number: {count}"),
            }),
            _ => Err(StateError::Corrupt {
                key: format!("{pk}/{sk}"),
                message: "UpdateItem returned no counter".into(),
            }),
        }
    }
}
