//! Where the responder remembers things between invocations: de-duplication claims,
//! approvals, blast-radius counters and the step records that make undo possible.
//!
//! The model is a partition key + sort key store with conditional writes, which maps directly
//! onto DynamoDB (pk/sk), Azure Table Storage (PartitionKey/RowKey, ETags) and GCS objects
//! (`pk/sk`, generation preconditions).
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Network, throttling, service errors: the invocation should be retried.
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// A stored item could not be read back (schema drift, manual edits).
    #[error("state item {key} is corrupt: {message}")]
    Corrupt { key: String, message: String },
    /// Credentials or permissions: retrying will not help.
    #[error("state store denied access: {0}")]
    Denied(String),
}

impl StateError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

#[async_trait]
pub trait StateStore: Send + Sync {
    /// Create the item only if absent. `true` when this call created it.
    async fn put_if_absent(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<bool, StateError>;
    async fn put(&self, pk: &str, sk: &str, value: &Value, ttl: Duration)
        -> Result<(), StateError>;
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError>;
    async fn delete(&self, pk: &str, sk: &str) -> Result<(), StateError>;
    /// Delete and return the item; of two concurrent callers exactly one gets `Some`.
    async fn take(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError>;
    /// All items of a partition, ordered by sort key.
    async fn query(&self, pk: &str) -> Result<Vec<(String, Value)>, StateError>;
    /// Atomically add one and return the new count (created at 1 with the given TTL).
    async fn increment(&self, pk: &str, sk: &str, ttl: Duration) -> Result<u64, StateError>;
}

/// In-process store for unit tests of the engine and for `invoke` runs without a cloud.
/// Expiry is not modelled: tests that need TTL behaviour run against the real services.
#[derive(Default)]
pub struct MemoryStateStore {
    items: Mutex<BTreeMap<(String, String), Value>>,
}

impl MemoryStateStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Value>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn put_if_absent(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        _: Duration,
    ) -> Result<bool, StateError> {
        let mut items = self.lock();
        let key = (pk.to_string(), sk.to_string());
        if items.contains_key(&key) {
            return Ok(false);
        }
        items.insert(key, value.clone());
        Ok(true)
    }

    async fn put(&self, pk: &str, sk: &str, value: &Value, _: Duration) -> Result<(), StateError> {
        self.lock()
            .insert((pk.to_string(), sk.to_string()), value.clone());
        Ok(())
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        Ok(self.lock().get(&(pk.to_string(), sk.to_string())).cloned())
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<(), StateError> {
        self.lock().remove(&(pk.to_string(), sk.to_string()));
        Ok(())
    }

    async fn take(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        Ok(self.lock().remove(&(pk.to_string(), sk.to_string())))
    }

    async fn query(&self, pk: &str) -> Result<Vec<(String, Value)>, StateError> {
        Ok(self
            .lock()
            .iter()
            .filter(|((p, _), _)| p == pk)
            .map(|((_, s), v)| (s.clone(), v.clone()))
            .collect())
    }

    async fn increment(&self, pk: &str, sk: &str, _: Duration) -> Result<u64, StateError> {
        let mut items = self.lock();
        let entry = items
            .entry((pk.to_string(), sk.to_string()))
            .or_insert(Value::from(0u64));
        let next = entry.as_u64().unwrap_or(0) + 1;
        *entry = Value::from(next);
        Ok(next)
    }
}
