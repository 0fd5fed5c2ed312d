//! The Azure services that have no emulator, as one stateful fixture: Resource Manager
//! resources (storage account and containers, the ML online endpoint and its deployments, the
//! Front Door WAF policy), Key Vault secret versions, a Content Safety blocklist, the notify
//! webhook and the Logs Ingestion stream.
//!
//! Every body starts as an official azure-rest-api-specs example (see
//! `functions/azure/tests/fixtures/rest/SOURCES.md`) re-homed on the drill's ids; writes change
//! the state the way the service documents (ARM `PUT` replaces, `PATCH` merges; a Key Vault
//! `PUT` adds a version; blocklist add/remove), so containment and undo are observable by
//! reading the state back.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aiir_azure::testing::{DynamicAnswer, Recorded};
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

/// An official example's response body (`status`, e.g. "200").
pub fn example(file: &str, status: &str) -> Result<Value> {
    let path = format!("functions/azure/tests/fixtures/rest/{file}");
    let v: Value = serde_json::from_str(&super::super::read(&path)?)
        .with_context(|| format!("{path} is not JSON"))?;
    v.pointer(&format!("/responses/{status}/body"))
        .cloned()
        .with_context(|| format!("{path}: no {status} response body"))
}

#[derive(Default)]
struct State {
    /// ARM resources by lower-case id.
    arm: BTreeMap<String, Value>,
    /// Key Vault secret name → versions, oldest first.
    secrets: BTreeMap<String, Vec<Value>>,
    vault: String,
    secret_template: Value,
    /// Content Safety blocklist name → items.
    blocklists: BTreeMap<String, Vec<Value>>,
    /// Bodies POSTed to the notify webhook.
    notified: Vec<Value>,
    /// Records POSTed to the Logs Ingestion stream.
    pages: Vec<Value>,
    counter: u64,
}

impl State {
    fn next_id(&mut self) -> String {
        self.counter += 1;
        format!("{:032x}", 0xa11e_0000_0000u64 + self.counter)
    }
}

/// The stateful fixture: cheap to clone, shared with the server's task.
#[derive(Clone, Default)]
pub struct Cloud {
    state: Arc<Mutex<State>>,
}

fn lower(path: &str) -> String {
    path.trim_end_matches('/').to_ascii_lowercase()
}

/// RFC 7396 merge (what ARM `PATCH` does to the properties it accepts).
fn merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

impl Cloud {
    pub fn new(vault_host: &str) -> Result<Self> {
        let cloud = Self::default();
        {
            let mut s = cloud.lock();
            s.vault = format!("https://{vault_host}");
            s.secret_template = example("SetSecret-example.json", "200")?;
        }
        Ok(cloud)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere poisons nothing we cannot still read.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer function for [`aiir_azure::testing::FixtureServer::start_with`].
    pub fn answer(&self) -> DynamicAnswer {
        let me = self.clone();
        Arc::new(move |r: &Recorded| me.handle(r))
    }

    pub fn put_arm(&self, id: &str, body: Value) {
        self.lock().arm.insert(lower(id), body);
    }

    pub fn arm(&self, id: &str) -> Option<Value> {
        self.lock().arm.get(&lower(id)).cloned()
    }

    /// Add a secret version with this value (seeding).
    pub fn add_secret(&self, name: &str, value: &str) -> String {
        let mut s = self.lock();
        let version = s.next_id();
        let mut body = s.secret_template.clone();
        body["value"] = json!(value);
        body["id"] = json!(format!("{}/secrets/{name}/{version}", s.vault));
        s.secrets.entry(name.into()).or_default().push(body);
        version
    }

    /// (current version id, current value) of a secret.
    pub fn secret(&self, name: &str) -> Option<(String, String)> {
        let s = self.lock();
        let last = s.secrets.get(name)?.last()?;
        Some((
            last["id"].as_str()?.to_string(),
            last["value"].as_str()?.to_string(),
        ))
    }

    pub fn seed_blocklist(&self, name: &str, items: Vec<Value>) {
        self.lock().blocklists.insert(name.into(), items);
    }

    pub fn blocklist_texts(&self, name: &str) -> Vec<String> {
        self.lock()
            .blocklists
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|i| i["text"].as_str().map(str::to_string))
            .collect()
    }

    pub fn notified(&self) -> Vec<Value> {
        self.lock().notified.clone()
    }

    pub fn pages(&self) -> Vec<Value> {
        self.lock().pages.clone()
    }

    fn handle(&self, r: &Recorded) -> Option<(u16, Value)> {
        let mut s = self.lock();
        let path = r.path.as_str();
        if lower(path).starts_with("/subscriptions/") {
            return arm(&mut s, r);
        }
        let segs: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
        match (r.method.as_str(), segs.as_slice()) {
            ("GET", ["secrets", name]) => {
                let v = s.secrets.get(*name)?.last()?.clone();
                Some((200, v))
            }
            ("GET", ["secrets", name, version]) => s.secrets.get(*name)?.iter().find_map(|v| {
                v["id"]
                    .as_str()
                    .is_some_and(|id| id.ends_with(&format!("/{version}")))
                    .then(|| (200, v.clone()))
            }),
            ("PUT", ["secrets", name]) => {
                let version = s.next_id();
                let mut body = s.secret_template.clone();
                body["value"] = r.body["value"].clone();
                body["id"] = json!(format!("{}/secrets/{name}/{version}", s.vault));
                if let Some(tags) = r.body.get("tags") {
                    body["tags"] = tags.clone();
                }
                if let Some(ct) = r.body.get("contentType") {
                    body["contentType"] = ct.clone();
                }
                s.secrets
                    .entry(name.to_string())
                    .or_default()
                    .push(body.clone());
                Some((200, body))
            }
            ("GET", ["contentsafety", "text", "blocklists", name, "blocklistItems"]) => {
                let items = s.blocklists.get(*name)?.clone();
                Some((200, json!({ "value": items })))
            }
            ("POST", ["contentsafety", "text", "blocklists", op]) => {
                let (name, verb) = op.split_once(':')?;
                let name = name.to_string();
                s.blocklists.get(&name)?;
                match verb {
                    "addOrUpdateBlocklistItems" => {
                        let mut added = Vec::new();
                        for item in r.body["blocklistItems"].as_array()? {
                            let id = s.next_id();
                            let id = format!(
                                "{}-{}-{}-{}-{}",
                                &id[..8],
                                &id[8..12],
                                &id[12..16],
                                &id[16..20],
                                &id[20..]
                            );
                            let new = json!({
                                "blocklistItemId": id,
                                "description": item["description"],
                                "text": item["text"],
                            });
                            let list = s.blocklists.get_mut(&name)?;
                            list.retain(|i| i["text"] != item["text"]);
                            list.push(new.clone());
                            added.push(new);
                        }
                        Some((200, json!({ "blocklistItems": added })))
                    }
                    "removeBlocklistItems" => {
                        let ids: Vec<Value> = r.body["blocklistItemIds"].as_array()?.clone();
                        s.blocklists
                            .get_mut(&name)?
                            .retain(|i| !ids.contains(&i["blocklistItemId"]));
                        Some((204, Value::Null))
                    }
                    _ => None,
                }
            }
            ("POST", ["notify"]) => {
                s.notified.push(r.body.clone());
                Some((200, json!({})))
            }
            ("POST", ["dataCollectionRules", _, "streams", _]) => {
                s.pages.push(r.body.clone());
                Some((204, Value::Null))
            }
            _ => None,
        }
    }
}

/// Resource Manager: `GET` a resource (or list the children of a collection path), `PUT`
/// replaces (read-only fields kept, provisioning done), `PATCH` merges.
fn arm(s: &mut State, r: &Recorded) -> Option<(u16, Value)> {
    let key = lower(&r.path);
    match r.method.as_str() {
        "GET" => {
            if let Some(v) = s.arm.get(&key) {
                return Some((200, v.clone()));
            }
            let prefix = format!("{key}/");
            let children: Vec<Value> = s
                .arm
                .iter()
                .filter(|(k, _)| {
                    k.strip_prefix(&prefix)
                        .is_some_and(|rest| !rest.contains('/'))
                })
                .map(|(_, v)| v.clone())
                .collect();
            (!children.is_empty()).then(|| (200, json!({ "value": children })))
        }
        "PUT" => {
            let old = s.arm.get(&key)?.clone();
            let mut new = r.body.clone();
            let obj: &mut Map<String, Value> = new.as_object_mut()?;
            for k in ["id", "name", "type", "systemData", "location"] {
                if let Some(v) = old.get(k) {
                    obj.entry(k.to_string()).or_insert(v.clone());
                }
            }
            for k in ["principalId", "tenantId"] {
                if let (Some(v), Some(i)) = (
                    old.pointer(&format!("/identity/{k}")),
                    obj.get_mut("identity").and_then(Value::as_object_mut),
                ) {
                    i.insert(k.into(), v.clone());
                }
            }
            s.counter += 1;
            obj.insert("etag".into(), json!(format!("W/\"{}\"", s.counter)));
            if let Some(p) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                p.insert("provisioningState".into(), json!("Succeeded"));
                for k in ["scoringUri", "swaggerUri"] {
                    if let Some(v) = old.pointer(&format!("/properties/{k}")) {
                        p.insert(k.into(), v.clone());
                    }
                }
            }
            s.arm.insert(key, new.clone());
            Some((200, new))
        }
        "PATCH" => {
            let cur = s.arm.get_mut(&key)?;
            merge(cur, &r.body);
            // Back on Microsoft-managed keys, a storage account no longer reports a vault.
            if let Some(enc) = cur
                .pointer_mut("/properties/encryption")
                .and_then(Value::as_object_mut)
            {
                if enc.get("keySource") == Some(&json!("Microsoft.Storage")) {
                    enc.remove("keyvaultproperties");
                }
            }
            Some((200, cur.clone()))
        }
        _ => None,
    }
}
