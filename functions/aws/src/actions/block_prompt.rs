//! block-prompt: add the offending prompt's signature to the guardrail's blocklist (a DynamoDB
//! table the application reads) and the caller's IP to a WAFv2 IP set.
//!
//! Blocklist items are keyed by the table's own hash key (read with `DescribeTable`, so the
//! guardrail's schema is respected) and carry `aiir_step_id`, `aiir_incident_id`, `added_by`,
//! `added_at`. Undo removes only an item this step added (conditional delete on its step id).
//!
//! WAF: `GetIPSet` → `UpdateIPSet` with the lock token; on `WAFOptimisticLockException` the set
//! is read again and the change re-applied (bounded). `UpdateIPSet` replaces the whole set, so
//! description and the other addresses are passed through. A set holds at most 10,000
//! addresses; a full set is refused rather than trimmed. Undo removes only the address this
//! step added (the prior state records the address and the set's size, not all 10,000 entries).
use std::collections::HashMap;
use std::net::IpAddr;

use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ScalarAttributeType};
use aws_sdk_wafv2::types::{IpAddressVersion, Scope};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::{dry_run, json, name_from_arn, prior, unchanged, Ctx};
use crate::error::{action_error, SdkResultExt};

pub const PERMISSIONS: &[&str] = &[
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "wafv2:GetIPSet",
    "wafv2:UpdateIPSet",
];

/// AWS WAF's quota of addresses per IP set.
pub const WAF_IP_SET_LIMIT: usize = 10_000;
/// Attempts at `UpdateIPSet` when the lock token keeps going stale.
const LOCK_ATTEMPTS: u32 = 5;

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "prompt signature: DynamoDB `PutItem` into the guardrail's blocklist table (its own hash key, from `DescribeTable`); caller IP: WAFv2 `GetIPSet` + `UpdateIPSet` with the lock token (a full set is refused)",
    undo: "conditional `DeleteItem` of the item this step added; `UpdateIPSet` without the address this step added (other entries untouched)",
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "target", rename_all = "kebab-case")]
pub enum Prior {
    Blocklist {
        table: String,
        key_attribute: String,
        signature: String,
        /// Was the signature already listed before this step?
        present: bool,
        step_id: String,
    },
    IpSet {
        ip_set_arn: String,
        cidr: String,
        present: bool,
        /// Addresses in the set before the change.
        addresses_before: usize,
    },
    /// No IP set configured: nothing done, nothing to undo.
    NoIpSet { caller: String },
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::BlockPrompt { blocklist, ip_set } = request.action else {
        return Err(ActionError::Invalid("not a block-prompt action".into()));
    };
    match request.target.kind {
        ResourceKind::Prompt => block_signature(ctx, request, blocklist).await,
        ResourceKind::Caller => match ip_set.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(arn) => block_caller(ctx, request, arn).await,
            None => {
                warn!(incident_id = %request.incident.id, action = "block-prompt", resource = %request.target.id, "no WAF IP set configured; caller not blocked");
                Ok(unchanged(
                    json(&Prior::NoIpSet { caller: request.target.id.clone() }),
                    format!("no WAF IP set configured (`ip_set`): caller {} is not blocked at the firewall", request.target.id),
                ))
            }
        },
        other => Err(ActionError::Invalid(format!(
            "block-prompt acts on prompt signatures and callers, not a {other:?} ({})",
            request.target.id
        ))),
    }
}

// ---------------------------------------------------------------- DynamoDB blocklist

async fn hash_key(ctx: &Ctx<'_>, table: &str) -> Result<String, ActionError> {
    let out = ctx
        .clients
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .ctx(|| format!("dynamodb:DescribeTable {table}"))?;
    let desc = out
        .table()
        .ok_or_else(|| ActionError::NotFound(format!("blocklist table {table}")))?;
    let schema = desc.key_schema();
    if schema.iter().any(|k| k.key_type() == &KeyType::Range) {
        return Err(ActionError::Invalid(format!(
            "blocklist table {table} has a sort key; aiir expects a table keyed by the signature alone"
        )));
    }
    let key = schema
        .iter()
        .find(|k| k.key_type() == &KeyType::Hash)
        .map(|k| k.attribute_name().to_string())
        .ok_or_else(|| ActionError::Invalid(format!("blocklist table {table} has no hash key")))?;
    let is_string = desc
        .attribute_definitions()
        .iter()
        .any(|a| a.attribute_name() == key && a.attribute_type() == &ScalarAttributeType::S);
    if !is_string {
        return Err(ActionError::Invalid(format!(
            "blocklist table {table}: hash key `{key}` must be a string"
        )));
    }
    Ok(key)
}

async fn listed(
    ctx: &Ctx<'_>,
    table: &str,
    key: &str,
    signature: &str,
) -> Result<Option<HashMap<String, AttributeValue>>, ActionError> {
    let out = ctx
        .clients
        .dynamodb
        .get_item()
        .table_name(table)
        .key(key, AttributeValue::S(signature.to_string()))
        .consistent_read(true)
        .send()
        .await
        .ctx(|| format!("dynamodb:GetItem {table}/{signature}"))?;
    Ok(out.item().filter(|i| !i.is_empty()).cloned())
}

async fn block_signature(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    blocklist: &str,
) -> Result<ActionOutcome, ActionError> {
    let table = name_from_arn(blocklist, "table");
    let signature = request.target.id.as_str();
    if signature.trim().is_empty() {
        return Err(ActionError::Invalid("empty prompt signature".into()));
    }
    let key = hash_key(ctx, table).await?;
    let mut prior_state = Prior::Blocklist {
        table: table.to_string(),
        key_attribute: key.clone(),
        signature: signature.to_string(),
        present: true,
        step_id: request.step_id.to_string(),
    };
    if listed(ctx, table, &key, signature).await?.is_some() {
        return Ok(unchanged(
            json(&prior_state),
            format!("signature {signature} is already on blocklist {table}"),
        ));
    }
    if let Prior::Blocklist { present, .. } = &mut prior_state {
        *present = false;
    }
    let listed_state =
        serde_json::json!({ "table": table, "signature": signature, "listed": true });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state: listed_state,
            details: vec![format!(
                "would add prompt signature {signature} to blocklist table {table} (key `{key}`)"
            )],
        });
    }
    let now = chrono::Utc::now().to_rfc3339();
    let put = ctx
        .clients
        .dynamodb
        .put_item()
        .table_name(table)
        .item(&key, AttributeValue::S(signature.to_string()))
        .item("added_by", AttributeValue::S("aiir".into()))
        .item("added_at", AttributeValue::S(now))
        .item(
            "aiir_incident_id",
            AttributeValue::S(request.incident.id.clone()),
        )
        .item(
            "aiir_step_id",
            AttributeValue::S(request.step_id.to_string()),
        )
        .item(
            "reason",
            AttributeValue::S(format!(
                "{}: {}",
                request.incident.kind, request.incident.title
            )),
        )
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", &key)
        .send()
        .await;
    match put {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            // Someone listed it between our read and write: the goal is met, not by us.
            if let Prior::Blocklist { present, .. } = &mut prior_state {
                *present = true;
            }
            return Ok(unchanged(
                json(&prior_state),
                format!("signature {signature} was listed concurrently on {table}"),
            ));
        }
        Err(e) => {
            return Err(action_error(
                &format!("dynamodb:PutItem {table}/{signature}"),
                e,
            ))
        }
    }
    info!(incident_id = %request.incident.id, action = "block-prompt", resource = %signature, table, "signature blocklisted");
    if listed(ctx, table, &key, signature).await?.is_none() {
        return Err(ActionError::Verification(format!(
            "signature {signature} not readable from {table} after PutItem"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&prior_state),
        new_state: listed_state,
        details: vec![
            format!("added prompt signature {signature} to blocklist table {table}"),
            format!("verified: {signature} reads back from {table}"),
        ],
    })
}

// ---------------------------------------------------------------- WAFv2 IP set

struct IpSetId {
    name: String,
    id: String,
    scope: Scope,
}

/// `arn:aws:wafv2:REGION:ACCOUNT:regional|global/ipset/NAME/ID`.
fn parse_ip_set_arn(arn: &str) -> Result<IpSetId, ActionError> {
    let invalid = || {
        ActionError::Invalid(format!(
            "ip_set must be a WAFv2 IP set ARN (…:regional/ipset/NAME/ID), got `{arn}`"
        ))
    };
    let resource = arn
        .strip_prefix("arn:")
        .and_then(|_| arn.splitn(6, ':').nth(5))
        .ok_or_else(invalid)?;
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        [scope, "ipset", name, id] => Ok(IpSetId {
            name: name.to_string(),
            id: id.to_string(),
            scope: match *scope {
                "regional" => Scope::Regional,
                "global" => Scope::Cloudfront,
                _ => return Err(invalid()),
            },
        }),
        _ => Err(invalid()),
    }
}

/// `1.2.3.4` → `1.2.3.4/32`, `2001:db8::1` → `2001:db8::1/128`; CIDRs are validated and kept.
pub fn to_cidr(ip: &str) -> Result<(String, IpAddressVersion), ActionError> {
    let invalid = || ActionError::Invalid(format!("`{ip}` is not an IP address or CIDR"));
    let (addr, prefix) = match ip.trim().split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| invalid())?)),
        None => (ip.trim(), None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
    let (max, version) = match addr {
        IpAddr::V4(_) => (32, IpAddressVersion::Ipv4),
        IpAddr::V6(_) => (128, IpAddressVersion::Ipv6),
    };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return Err(invalid());
    }
    Ok((format!("{addr}/{prefix}"), version))
}

fn same_cidr(a: &str, b: &str) -> bool {
    match (to_cidr(a), to_cidr(b)) {
        (Ok((a, _)), Ok((b, _))) => a == b,
        _ => a.eq_ignore_ascii_case(b),
    }
}

struct IpSetNow {
    addresses: Vec<String>,
    version: IpAddressVersion,
    description: Option<String>,
    lock_token: String,
}

async fn read_ip_set(ctx: &Ctx<'_>, set: &IpSetId) -> Result<IpSetNow, ActionError> {
    let out = ctx
        .clients
        .wafv2
        .get_ip_set()
        .name(&set.name)
        .scope(set.scope.clone())
        .id(&set.id)
        .send()
        .await
        .ctx(|| format!("wafv2:GetIPSet {}", set.name))?;
    let ip_set = out
        .ip_set()
        .ok_or_else(|| ActionError::NotFound(format!("WAF IP set {}", set.name)))?;
    Ok(IpSetNow {
        addresses: ip_set.addresses().to_vec(),
        version: ip_set.ip_address_version().clone(),
        description: ip_set.description().map(str::to_string),
        lock_token: out.lock_token().unwrap_or_default().to_string(),
    })
}

/// Apply `edit` to the set's addresses under its lock token, re-reading on a stale token.
/// `edit` returns `None` when nothing needs to change.
async fn update_addresses<F>(ctx: &Ctx<'_>, set: &IpSetId, mut edit: F) -> Result<bool, ActionError>
where
    F: FnMut(&IpSetNow) -> Result<Option<Vec<String>>, ActionError>,
{
    let mut attempt = 1;
    loop {
        let now = read_ip_set(ctx, set).await?;
        let Some(addresses) = edit(&now)? else {
            return Ok(false);
        };
        let result = ctx
            .clients
            .wafv2
            .update_ip_set()
            .name(&set.name)
            .scope(set.scope.clone())
            .id(&set.id)
            .set_description(now.description.clone())
            .set_addresses(Some(addresses))
            .lock_token(&now.lock_token)
            .send()
            .await;
        match result {
            Ok(_) => return Ok(true),
            Err(e)
                if attempt < LOCK_ATTEMPTS
                    && e.as_service_error()
                        .is_some_and(|s| s.is_waf_optimistic_lock_exception()) =>
            {
                warn!(ip_set = %set.name, attempt, "WAF lock token was stale; re-reading the IP set");
                attempt += 1;
            }
            Err(e) => return Err(action_error(&format!("wafv2:UpdateIPSet {}", set.name), e)),
        }
    }
}

async fn block_caller(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    arn: &str,
) -> Result<ActionOutcome, ActionError> {
    let set = parse_ip_set_arn(arn)?;
    let (cidr, version) = to_cidr(&request.target.id)?;
    let now = read_ip_set(ctx, &set).await?;
    let present = now.addresses.iter().any(|a| same_cidr(a, &cidr));
    let prior_state = Prior::IpSet {
        ip_set_arn: arn.to_string(),
        cidr: cidr.clone(),
        present,
        addresses_before: now.addresses.len(),
    };
    if present {
        return Ok(unchanged(
            json(&prior_state),
            format!("{cidr} is already in WAF IP set {}", set.name),
        ));
    }
    if now.version != version {
        return Err(ActionError::Invalid(format!(
            "WAF IP set {} holds {} addresses; {cidr} is not",
            set.name,
            now.version.as_str()
        )));
    }
    if now.addresses.len() >= WAF_IP_SET_LIMIT {
        return Err(ActionError::Invalid(format!(
            "WAF IP set {} is full ({} of {WAF_IP_SET_LIMIT} addresses): {cidr} not added",
            set.name,
            now.addresses.len()
        )));
    }
    let new_state = serde_json::json!({ "ip_set": set.name, "cidr": cidr, "present": true });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state,
            details: vec![format!(
                "would add {cidr} to WAF IP set {} ({} → {} addresses)",
                set.name,
                now.addresses.len(),
                now.addresses.len() + 1
            )],
        });
    }
    let changed = update_addresses(ctx, &set, |now| {
        if now.addresses.iter().any(|a| same_cidr(a, &cidr)) {
            return Ok(None);
        }
        if now.addresses.len() >= WAF_IP_SET_LIMIT {
            return Err(ActionError::Invalid(format!(
                "WAF IP set {} is full",
                set.name
            )));
        }
        let mut next = now.addresses.clone();
        next.push(cidr.clone());
        Ok(Some(next))
    })
    .await?;
    let after = read_ip_set(ctx, &set).await?;
    if !after.addresses.iter().any(|a| same_cidr(a, &cidr)) {
        return Err(ActionError::Verification(format!(
            "{cidr} not in WAF IP set {} after UpdateIPSet",
            set.name
        )));
    }
    info!(incident_id = %request.incident.id, action = "block-prompt", resource = %cidr, ip_set = %set.name, "caller blocked");
    Ok(ActionOutcome {
        changed,
        prior_state: json(&prior_state),
        new_state,
        details: vec![
            format!("added {cidr} to WAF IP set {}", set.name),
            format!(
                "verified: {cidr} is in {} ({} addresses)",
                set.name,
                after.addresses.len()
            ),
        ],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    match prior::<Prior>(record)? {
        Prior::NoIpSet { caller } => Ok(unchanged(
            serde_json::Value::Null,
            format!("nothing was done for caller {caller}"),
        )),
        Prior::Blocklist {
            present: true,
            signature,
            table,
            ..
        } => Ok(unchanged(
            serde_json::Value::Null,
            format!("signature {signature} was on {table} before aiir; left in place"),
        )),
        Prior::Blocklist {
            table,
            key_attribute,
            signature,
            step_id,
            ..
        } => {
            let result = ctx
                .clients
                .dynamodb
                .delete_item()
                .table_name(&table)
                .key(&key_attribute, AttributeValue::S(signature.clone()))
                .condition_expression("aiir_step_id = :step")
                .expression_attribute_values(":step", AttributeValue::S(step_id.clone()))
                .send()
                .await;
            match result {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    return Ok(unchanged(
                        serde_json::json!({ "table": table, "signature": signature }),
                        format!("signature {signature} is no longer listed by this step on {table}; nothing to remove"),
                    ));
                }
                Err(e) => {
                    return Err(action_error(
                        &format!("dynamodb:DeleteItem {table}/{signature}"),
                        e,
                    ))
                }
            }
            if listed(ctx, &table, &key_attribute, &signature)
                .await?
                .is_some()
            {
                return Err(ActionError::Verification(format!(
                    "signature {signature} still on {table} after DeleteItem"
                )));
            }
            Ok(ActionOutcome {
                changed: true,
                prior_state: serde_json::json!({ "table": table, "signature": signature, "listed": true }),
                new_state: serde_json::json!({ "table": table, "signature": signature, "listed": false }),
                details: vec![format!("removed signature {signature} (added by step {step_id}) from {table}; verified")],
            })
        }
        Prior::IpSet {
            present: true,
            cidr,
            ip_set_arn,
            ..
        } => Ok(unchanged(
            serde_json::Value::Null,
            format!("{cidr} was in {ip_set_arn} before aiir; left in place"),
        )),
        Prior::IpSet {
            ip_set_arn, cidr, ..
        } => {
            let set = parse_ip_set_arn(&ip_set_arn)?;
            let changed = update_addresses(ctx, &set, |now| {
                if !now.addresses.iter().any(|a| same_cidr(a, &cidr)) {
                    return Ok(None);
                }
                Ok(Some(
                    now.addresses
                        .iter()
                        .filter(|a| !same_cidr(a, &cidr))
                        .cloned()
                        .collect(),
                ))
            })
            .await?;
            let after = read_ip_set(ctx, &set).await?;
            if after.addresses.iter().any(|a| same_cidr(a, &cidr)) {
                return Err(ActionError::Verification(format!(
                    "{cidr} still in WAF IP set {} after UpdateIPSet",
                    set.name
                )));
            }
            let state = serde_json::json!({ "ip_set": set.name, "cidr": cidr, "present": false });
            if !changed {
                return Ok(unchanged(
                    state,
                    format!(
                        "{cidr} is not in WAF IP set {}; nothing to remove",
                        set.name
                    ),
                ));
            }
            Ok(ActionOutcome {
                changed: true,
                prior_state: serde_json::json!({ "ip_set": set.name, "cidr": cidr, "present": true }),
                new_state: state,
                details: vec![format!(
                    "removed {cidr} from WAF IP set {}; verified",
                    set.name
                )],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert_eq!(
            to_cidr("203.0.113.7").map(|c| c.0).ok(),
            Some("203.0.113.7/32".into())
        );
        assert_eq!(
            to_cidr("2001:DB8::1").map(|c| c.0).ok(),
            Some("2001:db8::1/128".into())
        );
        assert_eq!(
            to_cidr("10.0.0.0/8").map(|c| c.0).ok(),
            Some("10.0.0.0/8".into())
        );
        assert!(to_cidr("10.0.0.0/33").is_err());
        assert!(to_cidr("not-an-ip").is_err());
        assert!(same_cidr("203.0.113.7", "203.0.113.7/32"));
    }

    #[test]
    fn ip_set_arns() {
        let set =
            parse_ip_set_arn("arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked/abc-123");
        assert!(
            matches!(set, Ok(IpSetId { ref name, ref id, scope: Scope::Regional }) if name == "blocked" && id == "abc-123")
        );
        assert!(parse_ip_set_arn("blocked").is_err());
    }
}
