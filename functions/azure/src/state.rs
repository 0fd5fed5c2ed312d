//! [`StateStore`] on Azure Table Storage: `PartitionKey` = pk, `RowKey` = sk, JSON text in
//! `value`, counters in `count` (Edm.Int64), expiry in `expires` (Edm.DateTime).
//!
//! The current unified Azure SDK for Rust has no Table Storage crate, so this uses the
//! documented Table service REST API (x-ms-version 2019-02-02, JSON `odata=nometadata`) over
//! reqwest with the same bearer token as Blob Storage (`https://storage.azure.com/.default`).
//! Every conditional write is ETag-based: insert fails with 409 when the entity exists, update
//! and delete carry `If-Match: <etag>` and fail with 412 when someone else changed it.
//!
//! Table Storage has no TTL: reads treat an entity whose `expires` has passed as absent, and
//! `put_if_absent` replaces such an entity (conditionally on its ETag).
//!
//! Keys may not contain `/ \ # ?` or control characters, and aiir's keys contain `#`, so keys
//! are escaped: anything but `[A-Za-z0-9_.-]` becomes `!` and two hex digits.
use std::time::Duration;

use aiir_core::state::{StateError, StateStore};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use url::Url;

use crate::clients::{error_of, AzureClients, Reply};
use crate::credential::scopes;

pub const TABLE_VERSION: &str = "2019-02-02";

/// Azure RBAC data actions the state store needs on its table (Storage Table Data Contributor).
pub const REQUIRED_PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/read",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/write",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/add/action",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/update/action",
    "Microsoft.Storage/storageAccounts/tableServices/tables/entities/delete",
];

/// Optimistic-concurrency attempts before a counter update gives up (as unavailable).
const MAX_CAS_ATTEMPTS: usize = 32;

#[derive(Clone, Debug)]
pub struct TableStateStore {
    clients: AzureClients,
    account: String,
    table: String,
}

/// Escape a key for PartitionKey/RowKey.
pub fn escape_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("!{b:02X}"));
        }
    }
    out
}

/// Undo [`escape_key`]; `None` for text that is not an escaped key.
pub fn unescape_key(key: &str) -> Option<String> {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'!' {
            let hex = key.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn quote(text: &str) -> String {
    text.replace('\'', "''")
}

fn now_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl TableStateStore {
    pub fn new(
        clients: AzureClients,
        account: impl Into<String>,
        table: impl Into<String>,
    ) -> Self {
        Self {
            clients,
            account: account.into(),
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn base(&self) -> String {
        self.clients.endpoints.table_base(&self.account)
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, StateError> {
        let mut url = Url::parse(&format!("{}/{path}", self.base()))
            .map_err(|e| StateError::Unavailable(format!("table URL: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().copied());
        }
        Ok(url)
    }

    fn entity_url(&self, pk: &str, sk: &str) -> Result<Url, StateError> {
        self.url(
            &format!(
                "{}(PartitionKey='{}',RowKey='{}')",
                self.table,
                quote(&escape_key(pk)),
                quote(&escape_key(sk))
            ),
            &[],
        )
    }

    fn headers(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("x-ms-version", TABLE_VERSION.to_string()),
            (
                "x-ms-date",
                Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            ),
            ("accept", "application/json;odata=nometadata".to_string()),
            ("dataserviceversion", "3.0".to_string()),
            ("maxdataserviceversion", "3.0;NetFx".to_string()),
        ];
        h.extend(extra.iter().cloned());
        h
    }

    async fn send(
        &self,
        what: &str,
        method: Method,
        url: Url,
        extra: &[(&'static str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, StateError> {
        let headers = Self::headers(extra);
        let refs: Vec<(&str, String)> = headers.iter().map(|(k, v)| (*k, v.clone())).collect();
        Ok(self
            .clients
            .call_raw(what, method, url, scopes::STORAGE, &refs, body)
            .await?)
    }

    fn entity(
        pk: &str,
        sk: &str,
        value: Option<&Value>,
        count: Option<u64>,
        ttl: Duration,
    ) -> Value {
        let expires =
            Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(365));
        let mut e = json!({
            "PartitionKey": escape_key(pk),
            "RowKey": escape_key(sk),
            "expires": now_text(expires),
            "expires@odata.type": "Edm.DateTime",
        });
        if let Some(v) = value {
            e["value"] = Value::String(v.to_string());
        }
        if let Some(c) = count {
            e["count"] = Value::String(c.to_string());
            e["count@odata.type"] = json!("Edm.Int64");
        }
        e
    }

    fn expired(entity: &Value, now: DateTime<Utc>) -> bool {
        entity
            .get("expires")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t.with_timezone(&Utc) <= now)
    }

    fn decode(pk: &str, sk: &str, entity: &Value) -> Result<Value, StateError> {
        let corrupt = |message: String| StateError::Corrupt {
            key: format!("{pk}/{sk}"),
            message,
        };
        if let Some(text) = entity.get("value").and_then(Value::as_str) {
            return serde_json::from_str(text).map_err(|e| corrupt(e.to_string()));
        }
        match entity.get("count") {
            Some(Value::String(s)) => s
                .parse::<u64>()
                .map(Value::from)
                .map_err(|e| corrupt(e.to_string())),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Value::from)
                .ok_or_else(|| corrupt("count is not a whole number".into())),
            _ => Err(corrupt("entity has neither `value` nor `count`".into())),
        }
    }

    fn count_of(entity: &Value) -> Option<u64> {
        match entity.get("count") {
            Some(Value::String(s)) => s.parse().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        }
    }

    /// Read an entity with its ETag; `None` when absent (expired entities are returned, the
    /// caller decides).
    async fn read(&self, pk: &str, sk: &str) -> Result<Option<(Value, String)>, StateError> {
        let reply = self
            .send(
                "table: get entity",
                Method::GET,
                self.entity_url(pk, sk)?,
                &[],
                None,
            )
            .await?;
        match reply.status {
            200 => {
                let etag = reply
                    .etag
                    .clone()
                    .ok_or_else(|| StateError::Unavailable("table: entity without ETag".into()))?;
                Ok(Some((reply.body, etag)))
            }
            404 => Ok(None),
            _ => Err(error_of("table: get entity", &reply).into()),
        }
    }

    async fn insert(&self, entity: &Value) -> Result<bool, StateError> {
        let reply = self
            .send(
                "table: insert entity",
                Method::POST,
                self.url(&self.table, &[])?,
                &[("prefer", "return-no-content".into())],
                Some(entity),
            )
            .await?;
        match reply.status {
            201 | 204 => Ok(true),
            409 => Ok(false),
            _ => Err(error_of("table: insert entity", &reply).into()),
        }
    }

    /// Replace conditionally (`If-Match: etag`): `false` on 412 or 404 (changed or gone).
    async fn replace_if(
        &self,
        pk: &str,
        sk: &str,
        entity: &Value,
        etag: &str,
    ) -> Result<bool, StateError> {
        let reply = self
            .send(
                "table: update entity",
                Method::PUT,
                self.entity_url(pk, sk)?,
                &[("if-match", etag.to_string())],
                Some(entity),
            )
            .await?;
        match reply.status {
            204 | 200 => Ok(true),
            412 | 404 => Ok(false),
            _ => Err(error_of("table: update entity", &reply).into()),
        }
    }

    /// Create the table if it does not exist (deployment normally does this).
    pub async fn ensure_table(&self) -> Result<(), StateError> {
        let reply = self
            .send(
                "table: create table",
                Method::POST,
                self.url("Tables", &[])?,
                &[("prefer", "return-no-content".into())],
                Some(&json!({ "TableName": self.table })),
            )
            .await?;
        match reply.status {
            201 | 204 | 409 => Ok(()),
            _ => Err(error_of("table: create table", &reply).into()),
        }
    }
}

#[async_trait]
impl StateStore for TableStateStore {
    async fn put_if_absent(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let entity = Self::entity(pk, sk, Some(value), None, ttl);
        if self.insert(&entity).await? {
            return Ok(true);
        }
        // Present: take it over only if it has expired, and only if nobody else did first.
        match self.read(pk, sk).await? {
            Some((existing, etag)) if Self::expired(&existing, Utc::now()) => {
                self.replace_if(pk, sk, &entity, &etag).await
            }
            Some(_) => Ok(false),
            // Deleted in between: try once more.
            None => self.insert(&entity).await,
        }
    }

    async fn put(
        &self,
        pk: &str,
        sk: &str,
        value: &Value,
        ttl: Duration,
    ) -> Result<(), StateError> {
        // PUT without If-Match is Insert Or Replace.
        let entity = Self::entity(pk, sk, Some(value), None, ttl);
        let reply = self
            .send(
                "table: upsert entity",
                Method::PUT,
                self.entity_url(pk, sk)?,
                &[],
                Some(&entity),
            )
            .await?;
        match reply.status {
            200 | 204 => Ok(()),
            _ => Err(error_of("table: upsert entity", &reply).into()),
        }
    }

    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        match self.read(pk, sk).await? {
            Some((e, _)) if !Self::expired(&e, Utc::now()) => Self::decode(pk, sk, &e).map(Some),
            _ => Ok(None),
        }
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<(), StateError> {
        let reply = self
            .send(
                "table: delete entity",
                Method::DELETE,
                self.entity_url(pk, sk)?,
                &[("if-match", "*".into())],
                None,
            )
            .await?;
        match reply.status {
            204 | 200 | 404 => Ok(()),
            _ => Err(error_of("table: delete entity", &reply).into()),
        }
    }

    async fn take(&self, pk: &str, sk: &str) -> Result<Option<Value>, StateError> {
        for _ in 0..MAX_CAS_ATTEMPTS {
            let Some((entity, etag)) = self.read(pk, sk).await? else {
                return Ok(None);
            };
            // Conditional delete: of two concurrent callers, only one matches the ETag.
            let reply = self
                .send(
                    "table: delete entity",
                    Method::DELETE,
                    self.entity_url(pk, sk)?,
                    &[("if-match", etag)],
                    None,
                )
                .await?;
            match reply.status {
                204 | 200 => {
                    if Self::expired(&entity, Utc::now()) {
                        return Ok(None);
                    }
                    return Self::decode(pk, sk, &entity).map(Some);
                }
                404 => return Ok(None),
                412 => continue,
                _ => return Err(error_of("table: delete entity", &reply).into()),
            }
        }
        Err(StateError::Unavailable(format!(
            "table: {pk}/{sk} kept changing; gave up taking it"
        )))
    }

    async fn query(&self, pk: &str) -> Result<Vec<(String, Value)>, StateError> {
        let now = Utc::now();
        let filter = format!("PartitionKey eq '{}'", quote(&escape_key(pk)));
        let mut found = Vec::new();
        let mut next: Option<(String, String)> = None;
        loop {
            let mut query = vec![("$filter", filter.as_str())];
            if let Some((p, r)) = &next {
                query.push(("NextPartitionKey", p.as_str()));
                query.push(("NextRowKey", r.as_str()));
            }
            let url = self.url(&format!("{}()", self.table), &query)?;
            let reply = self
                .send("table: query entities", Method::GET, url, &[], None)
                .await?;
            if reply.status != 200 {
                return Err(error_of("table: query entities", &reply).into());
            }
            for e in reply
                .body
                .get("value")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if Self::expired(e, now) {
                    continue;
                }
                let Some(sk) = e
                    .get("RowKey")
                    .and_then(Value::as_str)
                    .and_then(unescape_key)
                else {
                    continue;
                };
                let v = Self::decode(pk, &sk, e)?;
                found.push((sk, v));
            }
            let header = |k: &str| {
                reply
                    .headers
                    .get(k)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            match (
                header("x-ms-continuation-nextpartitionkey"),
                header("x-ms-continuation-nextrowkey"),
            ) {
                (Some(p), Some(r)) => next = Some((p, r)),
                _ => break,
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    async fn increment(&self, pk: &str, sk: &str, ttl: Duration) -> Result<u64, StateError> {
        for _ in 0..MAX_CAS_ATTEMPTS {
            match self.read(pk, sk).await? {
                None => {
                    if self
                        .insert(&Self::entity(pk, sk, None, Some(1), ttl))
                        .await?
                    {
                        return Ok(1);
                    }
                }
                Some((e, etag)) => {
                    let (next, entity) = if Self::expired(&e, Utc::now()) {
                        (1, Self::entity(pk, sk, None, Some(1), ttl))
                    } else {
                        let next = Self::count_of(&e).unwrap_or(0) + 1;
                        // Keep the window's expiry: the counter counts within its window.
                        let mut entity = e.clone();
                        entity["count"] = Value::String(next.to_string());
                        entity["count@odata.type"] = json!("Edm.Int64");
                        entity["expires@odata.type"] = json!("Edm.DateTime");
                        if let Some(obj) = entity.as_object_mut() {
                            obj.remove("Timestamp");
                            obj.remove("odata.etag");
                        }
                        (next, entity)
                    };
                    if self.replace_if(pk, sk, &entity, &etag).await? {
                        return Ok(next);
                    }
                }
            }
        }
        Err(StateError::Unavailable(format!(
            "table: counter {pk}/{sk} kept changing; gave up"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_table_safe() {
        for k in [
            "dedup#abc",
            "approval#step-1",
            "a/b\\c?d",
            "ünïcode",
            "plain-key_1.2",
            "!",
        ] {
            let e = escape_key(k);
            assert!(!e.contains(['/', '\\', '#', '?', '\'']), "{e}");
            assert_eq!(unescape_key(&e).as_deref(), Some(k));
        }
        assert_eq!(unescape_key("!4"), None);
    }
}
