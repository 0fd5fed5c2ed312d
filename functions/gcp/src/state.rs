//! [`StateStore`] on Cloud Storage: one object per item at `state/{pk}/{sk}` (each part
//! percent-encoded) in the state bucket, body `{"value": …, "expires_at": EPOCH}` or
//! `{"count": N, "expires_at": EPOCH}`.
//!
//! Why Cloud Storage and not Firestore: every conditional write the responder needs is a
//! compare-and-swap on one item, which object generation preconditions give exactly
//! (`ifGenerationMatch=0`: create only if absent; `ifGenerationMatch=G`: replace only if
//! unchanged since read at G); the function already needs buckets (audit, quarantine), so
//! state adds no service, no database to provision and no second client; and it can be
//! tested here against a real Cloud Storage JSON API emulator (with preconditions, see
//! `tests/emulators/gcs/launcher.py`), while no Firestore emulator is available. What
//! Firestore would add (server-side TTL, multi-document transactions) the responder does not
//! need: expiry is checked on read (an expired item counts as absent; `put_if_absent`
//! replaces it under a generation precondition), and a lifecycle rule on the `state/` prefix
//! deletes old objects (Terraform sets it; age in days, longer than every TTL).
//!
//! Throughput: Cloud Storage allows about one write per second to the same object name.
//! Counters (blast radius) see a handful of writes per incident; contention is resolved by
//! bounded retries with jitter ([`MAX_CAS_ATTEMPTS`]) and then reported as retryable.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aiir_core::state::{StateError, StateStore};
use async_trait::async_trait;
use bytes::Bytes;
use rand::Rng;
use serde_json::{json, Value};

use crate::clients::{enc, GcpClients};
use crate::gcs::{Gcs, Precondition};

/// Attempts of a read-modify-write before giving up with a retryable error.
pub const MAX_CAS_ATTEMPTS: u32 = 12;

/// IAM permissions the state store needs on its bucket.
pub const REQUIRED_PERMISSIONS: &[&str] = &[
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
    "storage.objects.list",
];

#[derive(Clone, Debug)]
pub struct GcsStateStore {
    clients: GcpClients,
    bucket: String,
    prefix: String,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl GcsStateStore {
    pub fn new(clients: GcpClients, bucket: impl Into<String>) -> Self {
        Self {
            clients,
            bucket: bucket.into(),
            prefix: "state/".into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn gcs(&self) -> Gcs<'_> {
        Gcs::new(&self.clients)
    }

    fn partition(&self, pk: &str) -> String {
        format!("{}{}/", self.prefix, enc(pk))
    }

    /// The object name of an item.
    pub fn object_name(&self, pk: &str, sk: &str) -> String {
        format!("{}{}", self.partition(pk), enc(sk))
    }

    fn body(value: Option<&Value>, count: Option<u64>, ttl: Duration) -> Bytes {
        let expires_at = now_secs().saturating_add(ttl.as_secs());
        let doc = match (value, count) {
            (_, Some(n)) => json!({ "count": n, "expires_at": expires_at }),
            (v, None) => {
                json!({ "value": v.cloned().unwrap_or(Value::Null), "expires_at": expires_at })
            }
        };
        Bytes::from(doc.to_string())
    }

    fn decode(key: &str, data: &[u8]) -> Result<Stored, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            key: key.to_string(),
            message,
        };
        let doc: Value = serde_json::from_slice(data).map_err(|e| corrupt(e.to_string()))?;
        let expires_at = doc.get("expires_at").and_then(Value::as_u64);
        let expired = expires_at.is_some_and(|t| t <= now_secs());
        if let Some(count) = doc.get("count") {
            let n = count
                .as_u64()
                .ok_or_else(|| corrupt("counter is not a whole number".into()))?;
            return Ok(Stored {
                value: Value::from(n),
                count: Some(n),
                expired,
            });
        }
        match doc.get("value") {
            Some(v) => Ok(Stored {
                value: v.clone(),
                count: None,
                expired,
            }),
            None => Err(corrupt("item has neither `value` nor `count`".into())),
        }
    }

    /// Read an item with its generation.
    async fn load(&self, pk: &str, sk: &str) -> Result<Option<(Stored, i64)>, StateError> {
        let name = self.object_name(pk, sk);
        match self.gcs().read(&self.bucket, &name).await? {
            None => Ok(None),
            Some(read) => Ok(Some((Self::decode(&name, &read.data)?, read.generation))),
        }
    }

    async fn write(
        &self,
        pk: &str,
        sk: &str,
        body: Bytes,
        precondition: Precondition,
    ) -> Result<bool, StateError> {
        let name = self.object_name(pk, sk);
        match self
            .gcs()
            .write(
                &self.bucket,
                &name,
                body,
                "application/json",
                precondition,
                &[],
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_precondition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn backoff(attempt: u32) {
        let base = 20u64.saturating_mul(1u64 << attempt.min(6));
        let jitter = rand::thread_rng().gen_range(0..=base);
        tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
    }

    fn contended(op: &str, pk: &str, sk: &str) -> StateError {
        StateError::Unavailable(format!(
            "{op} {pk}/{sk}: still contended after {MAX_CAS_ATTEMPTS} conditional writes"
        ))
    }
}

struct Stored {
    value: Value,
    count: Option<u64>,
    expired: bool,
}

#[async_trait]
impl StateStore for GcsStateStore {
    async fn put_if_absent(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        for attempt in 0..MAX_CAS_ATTEMPTS {
            if self
                .write(
                    pk,
                    sk,
                    Self::body(Some(value), None, ttl),
                    Precondition::Absent,
                )
                .await?
            {
                return Ok(true);
            }
            // Present: live, or expired and not yet removed by the lifecycle rule.
            if let Some((stored, generation)) = self.load(pk, sk).await? {
                if !stored.expired {
                    return Ok(false);
                }
                let body = Self::body(Some(value), None, ttl);
                if self
                    .write(pk, sk, body, Precondition::Generation(generation))
                    .await?
                {
                    return Ok(true);
                }
            }
            Self::backoff(attempt).await;
        }
        Err(Self::contended("put_if_absent", pk, sk))
    }

    async fn put(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<(), StateError> {
        self.write(
            pk,
            sk,
            Self::body(Some(value), None, ttl),
            Precondition::None,
        )
        .await?;
        Ok(())
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        Ok(self
            .load(pk, sk)
            .await?
            .filter(|(s, _)| !s.expired)
            .map(|(s, _)| s.value))
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<(), StateError> {
        self.gcs()
            .delete(&self.bucket, &self.object_name(pk, sk), None)
            .await?;
        Ok(())
    }

    async fn take(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        let name = self.object_name(pk, sk);
        for attempt in 0..MAX_CAS_ATTEMPTS {
            let Some((stored, generation)) = self.load(pk, sk).await? else {
                return Ok(None);
            };
            // Delete exactly the generation read: of two concurrent takers one wins, the
            // other's delete fails its precondition (412) or finds nothing (404).
            match self
                .gcs()
                .delete(&self.bucket, &name, Some(generation))
                .await
            {
                Ok(true) => return Ok((!stored.expired).then_some(stored.value)),
                Ok(false) => return Ok(None),
                Err(e) if e.is_precondition_failed() => {
                    // Replaced since read (a new value was put): read again.
                    Self::backoff(attempt).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Self::contended("take", pk, sk))
    }

    async fn query(&self, pk: &str) -> Result<Vec<(String, Value)>, StateError> {
        let prefix = self.partition(pk);
        let listed = self.gcs().list(&self.bucket, &prefix).await?;
        let mut found = Vec::new();
        for item in listed {
            let Some(name) = item.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(encoded_sk) = name.strip_prefix(&prefix) else {
                continue;
            };
            let sk = percent_encoding::percent_decode_str(encoded_sk)
                .decode_utf8_lossy()
                .into_owned();
            // The object may have been deleted between list and read.
            if let Some((stored, _)) = self.load(pk, &sk).await? {
                if !stored.expired {
                    found.push((sk, stored.value));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    async fn increment(&self, pk: &str, sk: &str, ttl: Duration) -> Result<u64, StateError> {
        for attempt in 0..MAX_CAS_ATTEMPTS {
            let (next, precondition) = match self.load(pk, sk).await? {
                None => (1, Precondition::Absent),
                Some((stored, generation)) if stored.expired => {
                    (1, Precondition::Generation(generation))
                }
                Some((stored, generation)) => {
                    let current = stored.count.ok_or_else(|| StateError::Corrupt {
                        key: self.object_name(pk, sk),
                        message: "not a counter".into(),
                    })?;
                    (current + 1, Precondition::Generation(generation))
                }
            };
            // Each write extends the expiry by `ttl` (twice the window: never mid-window).
            if self
                .write(pk, sk, Self::body(None, Some(next), ttl), precondition)
                .await?
            {
                return Ok(next);
            }
            Self::backoff(attempt).await;
        }
        Err(Self::contended("increment", pk, sk))
    }
}
