//! block-prompt: stop a malicious prompt signature and its caller.
//!
//! Prompt targets (`Prompt`, the id is the signature text) go to an Azure AI Content Safety
//! text blocklist, data plane api-version 2024-09-01, token audience
//! `https://cognitiveservices.azure.com`:
//! - `GET {blocklist}/blocklistItems` — is the text already there (idempotence)?
//! - `POST {blocklist}:addOrUpdateBlocklistItems` `{"blocklistItems": [{"description", "text"}]}`;
//! - verify: the list again shows the item; undo: `POST {blocklist}:removeBlocklistItems`
//!   `{"blocklistItemIds": [id]}` for the item aiir added (never for one that was there
//!   before), verified by listing again.
//!
//! Parameter `blocklist`: the blocklist URL,
//! `https://{resource}.cognitiveservices.azure.com/contentsafety/text/blocklists/{name}`.
//!
//! Caller targets (`Caller`, the id is an IP address or CIDR) go to a WAF custom rule in the
//! policy named by `ip_set` (its ARM id), over Resource Manager:
//! - Front Door (`…/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/{name}`),
//!   api-version 2024-02-01: `properties.customRules.rules[]` with `matchConditions[]
//!   {matchVariable: RemoteAddr, operator: IPMatch, matchValue}`;
//! - Application Gateway (`…/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/
//!   {name}`), api-version 2024-05-01: `properties.customRules[]` with `matchConditions[]
//!   {matchVariables: [{variableName: RemoteAddr}], operator: IPMatch, matchValues}`.
//!
//! aiir keeps one `Block` rule of its own, [`RULE_NAME`], at the lowest free priority: `GET`
//! the policy, add the address to that rule (creating it when absent), `PUT` the policy back
//! (with `If-Match` on its etag), poll `GET` until `provisioningState` is `Succeeded` with the
//! address in the rule. Undo removes exactly that address (and the rule if aiir created it and
//! it is empty). Prompt texts are not written to logs or details in full: a SHA-256 prefix and
//! the length stand for them.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::{arm_url, dry_run, json, prior, unchanged, Ctx};
use crate::clients::Endpoints;
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.CognitiveServices/accounts/ContentSafety/blocklists/read",
    "Microsoft.CognitiveServices/accounts/ContentSafety/blocklists/write",
    "Microsoft.Network/frontdoorWebApplicationFirewallPolicies/read",
    "Microsoft.Network/frontdoorWebApplicationFirewallPolicies/write",
    "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/read",
    "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/write",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "prompt signature: Azure AI Content Safety `addOrUpdateBlocklistItems` (2024-09-01); caller IP: aiir's `Block` custom rule in the Front Door or Application Gateway WAF policy, `PUT` with `If-Match` on the etag",
    undo: "`removeBlocklistItems` for the item aiir added; the address (and the rule, if aiir created it and it is empty) removed from the WAF policy",
};

/// Content Safety data-plane api-version.
pub const CONTENT_SAFETY_API_VERSION: &str = "2024-09-01";
/// Front Door WAF policies api-version.
pub const FRONT_DOOR_WAF_API_VERSION: &str = "2024-02-01";
/// Application Gateway WAF policies api-version.
pub const APP_GATEWAY_WAF_API_VERSION: &str = "2024-05-01";
/// The custom rule aiir owns in a WAF policy (letters and digits only: Front Door's rule).
pub const RULE_NAME: &str = "aiirBlockedCallers";
/// Most addresses aiir puts in its rule (Front Door allows 600 per match condition).
const MAX_ADDRESSES: usize = 600;
/// Longest blocklist item text Content Safety accepts.
const MAX_TEXT: usize = 128;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Prior {
    /// A Content Safety blocklist item aiir added (`item_id` after apply).
    BlocklistItem {
        blocklist_url: String,
        /// SHA-256 of the text (hex), not the text.
        text_sha256: String,
        #[serde(default)]
        item_id: Option<String>,
    },
    /// An address aiir added to its WAF rule.
    WafAddress {
        policy_id: String,
        address: String,
        /// Whether aiir's rule existed before.
        rule_existed: bool,
    },
}

pub(crate) fn fingerprint(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn show_text(text: &str) -> String {
    format!(
        "sha256:{} ({} chars)",
        &fingerprint(text)[..12],
        text.chars().count()
    )
}

// ------------------------------------------------------------------ Content Safety

/// `(endpoint base, blocklist name)` from a blocklist URL.
pub fn parse_blocklist(url: &str) -> Result<(String, String), ActionError> {
    let bad = || {
        ActionError::Invalid(format!(
            "blocklist {url}: expected https://{{resource}}.cognitiveservices.azure.com/contentsafety/text/blocklists/{{name}}"
        ))
    };
    let parsed = Url::parse(url.trim()).map_err(|_| bad())?;
    let host = parsed.host_str().ok_or_else(bad)?;
    let segs: Vec<&str> = parsed
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["contentsafety", "text", "blocklists", name]
            if name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') =>
        {
            Ok((format!("{}://{host}", parsed.scheme()), name.to_string()))
        }
        _ => Err(bad()),
    }
}

fn cs_url(ctx: &Ctx<'_>, base: &str, name: &str, suffix: &str) -> Result<Url, ActionError> {
    Ok(Endpoints::rebase(
        &format!(
            "{base}/contentsafety/text/blocklists/{name}{suffix}?api-version={CONTENT_SAFETY_API_VERSION}"
        ),
        ctx.clients.endpoints.content_safety.as_deref(),
    )?)
}

/// The id of the first item `pick` accepts, if any (following `nextLink` pages).
async fn find_item(
    ctx: &Ctx<'_>,
    base: &str,
    name: &str,
    pick: impl Fn(&Value) -> bool,
) -> Result<Option<String>, ActionError> {
    let mut url = cs_url(ctx, base, name, "/blocklistItems")?;
    for _ in 0..100 {
        let reply = ctx
            .clients
            .call(
                "content safety: list blocklist items",
                Method::GET,
                url,
                scopes::COGNITIVE,
                &[],
                None,
            )
            .await?;
        for item in reply
            .body
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if pick(item) {
                return Ok(item
                    .get("blocklistItemId")
                    .and_then(Value::as_str)
                    .map(str::to_string));
            }
        }
        match reply.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => {
                let abs = if next.starts_with("http") {
                    next.to_string()
                } else {
                    format!("{base}/contentsafety/{}", next.trim_start_matches('/'))
                };
                url = Endpoints::rebase(&abs, ctx.clients.endpoints.content_safety.as_deref())?;
            }
            None => return Ok(None),
        }
    }
    Err(ActionError::Invalid(format!(
        "blocklist {name}: more than 100 pages of items"
    )))
}

fn with_text(text: &str) -> impl Fn(&Value) -> bool + '_ {
    move |item| item.get("text").and_then(Value::as_str) == Some(text)
}

fn with_id(id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |item| item.get("blocklistItemId").and_then(Value::as_str) == Some(id)
}

async fn block_text(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    blocklist: &str,
    text: &str,
) -> Result<ActionOutcome, ActionError> {
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ActionError::Invalid(format!(
            "prompt signature {}: Content Safety blocklist items are 1..={MAX_TEXT} characters",
            show_text(text)
        )));
    }
    let (base, name) = parse_blocklist(blocklist)?;
    let mut p = Prior::BlocklistItem {
        blocklist_url: format!("{base}/contentsafety/text/blocklists/{name}"),
        text_sha256: fingerprint(text),
        item_id: None,
    };
    if let Some(id) = find_item(ctx, &base, &name, with_text(text)).await? {
        return Ok(unchanged(
            json(&json!({ "blocklist": name, "item_id": id })),
            format!(
                "blocklist {name} already has {} (item {id})",
                show_text(text)
            ),
        ));
    }
    let detail = format!("add {} to Content Safety blocklist {name}", show_text(text));
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let body = json!({ "blocklistItems": [{
        "description": format!("aiir {} step {}", request.incident.id, request.step_id),
        "text": text,
    }] });
    ctx.clients
        .call(
            "content safety: add blocklist items",
            Method::POST,
            cs_url(ctx, &base, &name, ":addOrUpdateBlocklistItems")?,
            scopes::COGNITIVE,
            &[],
            Some(&body),
        )
        .await?;
    let id = find_item(ctx, &base, &name, with_text(text))
        .await?
        .ok_or_else(|| {
            ActionError::Verification(format!(
                "blocklist {name}: {} not listed after adding it",
                show_text(text)
            ))
        })?;
    if let Prior::BlocklistItem { item_id, .. } = &mut p {
        *item_id = Some(id.clone());
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "blocklist": name, "item_id": id })),
        details: vec![format!("{detail} (item {id})")],
    })
}

/// Is the item still listed (by id)?
async fn item_listed(ctx: &Ctx<'_>, base: &str, name: &str, id: &str) -> Result<bool, ActionError> {
    Ok(find_item(ctx, base, name, with_id(id)).await?.is_some())
}

async fn unblock_text(
    ctx: &Ctx<'_>,
    record: &StepRecord,
    blocklist_url: &str,
    item_id: Option<&str>,
) -> Result<ActionOutcome, ActionError> {
    let Some(id) = item_id else {
        return Ok(unchanged(
            record.prior_state.clone(),
            "aiir added no blocklist item in this step".into(),
        ));
    };
    let (base, name) = parse_blocklist(blocklist_url)?;
    if !item_listed(ctx, &base, &name, id).await? {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!("blocklist {name} no longer has item {id}"),
        ));
    }
    ctx.clients
        .call(
            "content safety: remove blocklist items",
            Method::POST,
            cs_url(ctx, &base, &name, ":removeBlocklistItems")?,
            scopes::COGNITIVE,
            &[],
            Some(&json!({ "blocklistItemIds": [id] })),
        )
        .await?;
    if item_listed(ctx, &base, &name, id).await? {
        return Err(ActionError::Verification(format!(
            "blocklist {name}: item {id} still listed after removal"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: record.prior_state.clone(),
        details: vec![format!("removed item {id} from blocklist {name}")],
    })
}

// ------------------------------------------------------------------ WAF policies

#[derive(Debug, Clone, Copy, PartialEq)]
enum Waf {
    FrontDoor,
    AppGateway,
}

impl Waf {
    fn of(policy_id: &str) -> Result<Self, ActionError> {
        match ArmId::parse(policy_id).map(|a| a.full_type()).as_deref() {
            Some("microsoft.network/frontdoorwebapplicationfirewallpolicies") => {
                Ok(Self::FrontDoor)
            }
            Some("microsoft.network/applicationgatewaywebapplicationfirewallpolicies") => {
                Ok(Self::AppGateway)
            }
            _ => Err(ActionError::Invalid(format!(
                "ip_set {policy_id}: expected a Front Door or Application Gateway WAF policy ARM id"
            ))),
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Self::FrontDoor => FRONT_DOOR_WAF_API_VERSION,
            Self::AppGateway => APP_GATEWAY_WAF_API_VERSION,
        }
    }

    /// The custom rules array of a policy body.
    fn rules(self, policy: &Value) -> Vec<Value> {
        let p = match self {
            Self::FrontDoor => "/properties/customRules/rules",
            Self::AppGateway => "/properties/customRules",
        };
        policy
            .pointer(p)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    fn set_rules(self, policy: &mut Value, rules: Vec<Value>) {
        let Some(props) = policy.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        match self {
            Self::FrontDoor => {
                props.insert("customRules".into(), json!({ "rules": rules }));
            }
            Self::AppGateway => {
                props.insert("customRules".into(), Value::Array(rules));
            }
        }
    }

    fn values_key(self) -> &'static str {
        match self {
            Self::FrontDoor => "matchValue",
            Self::AppGateway => "matchValues",
        }
    }

    /// Addresses in aiir's rule.
    fn addresses(self, rule: &Value) -> Vec<String> {
        rule.pointer(&format!("/matchConditions/0/{}", self.values_key()))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn rule(self, priority: i64, addresses: &[String]) -> Value {
        match self {
            Self::FrontDoor => json!({
                "name": RULE_NAME,
                "priority": priority,
                "enabledState": "Enabled",
                "ruleType": "MatchRule",
                "matchConditions": [{
                    "matchVariable": "RemoteAddr",
                    "operator": "IPMatch",
                    "negateCondition": false,
                    "matchValue": addresses,
                }],
                "action": "Block",
            }),
            Self::AppGateway => json!({
                "name": RULE_NAME,
                "priority": priority,
                "state": "Enabled",
                "ruleType": "MatchRule",
                "matchConditions": [{
                    "matchVariables": [{ "variableName": "RemoteAddr" }],
                    "operator": "IPMatch",
                    "negationConditon": false,
                    "matchValues": addresses,
                }],
                "action": "Block",
            }),
        }
    }
}

fn is_ours(rule: &Value) -> bool {
    rule.get("name").and_then(Value::as_str) == Some(RULE_NAME)
}

/// An IPv4/IPv6 address or CIDR block, normalised.
pub fn parse_address(id: &str) -> Result<String, ActionError> {
    let s = id.trim();
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let addr: std::net::IpAddr = ip.parse().map_err(|_| {
        ActionError::Invalid(format!("caller {id}: not an IP address or CIDR block"))
    })?;
    match prefix {
        None => Ok(addr.to_string()),
        Some(p) => {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            match p.parse::<u8>() {
                Ok(n) if n <= max => Ok(format!("{addr}/{n}")),
                _ => Err(ActionError::Invalid(format!(
                    "caller {id}: bad prefix length"
                ))),
            }
        }
    }
}

struct Policy {
    body: Value,
    etag: Option<String>,
    provisioning_state: Option<String>,
}

async fn get_policy(ctx: &Ctx<'_>, waf: Waf, id: &str) -> Result<Policy, ActionError> {
    let reply = ctx
        .clients
        .call(
            "waf policies: get",
            Method::GET,
            arm_url(ctx, id, waf.api_version())?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    let etag = reply.etag.clone().or_else(|| {
        reply
            .body
            .get("etag")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    Ok(Policy {
        provisioning_state: reply
            .body
            .pointer("/properties/provisioningState")
            .and_then(Value::as_str)
            .map(str::to_string),
        body: reply.body,
        etag,
    })
}

/// The `PUT` body: the policy as read, read-only fields removed, custom rules as given.
fn put_body(waf: Waf, read: &Value, rules: Vec<Value>) -> Value {
    let mut body = read.clone();
    if let Some(o) = body.as_object_mut() {
        for k in ["id", "name", "type", "etag"] {
            o.remove(k);
        }
    }
    if let Some(p) = body.get_mut("properties").and_then(Value::as_object_mut) {
        for k in [
            "provisioningState",
            "resourceState",
            "frontendEndpointLinks",
            "routingRuleLinks",
            "securityPolicyLinks",
            "applicationGateways",
            "httpListeners",
            "pathBasedRules",
            "applicationGatewayForContainers",
        ] {
            p.remove(k);
        }
    }
    waf.set_rules(&mut body, rules);
    body
}

/// Write `rules` to the policy and wait until it reads back with aiir's rule holding
/// exactly `want` (or absent when `want` is `None`).
async fn write_rules(
    ctx: &Ctx<'_>,
    waf: Waf,
    id: &str,
    policy: &Policy,
    rules: Vec<Value>,
    want: Option<Vec<String>>,
) -> Result<(), ActionError> {
    let body = put_body(waf, &policy.body, rules);
    let headers: Vec<(&str, String)> = policy
        .etag
        .iter()
        .map(|e| ("if-match", e.clone()))
        .collect();
    let reply = ctx
        .clients
        .call_raw(
            "waf policies: create or update",
            Method::PUT,
            arm_url(ctx, id, waf.api_version())?,
            scopes::ARM,
            &headers,
            Some(&body),
        )
        .await?;
    if reply.status == 412 {
        return Err(ActionError::Transient(format!(
            "{id}: the policy changed while aiir updated it"
        )));
    }
    if !(200..300).contains(&reply.status) {
        return Err(crate::clients::error_of("waf policies: create or update", &reply).into());
    }
    ctx.wait
        .until(&format!("{id}: rule {RULE_NAME}"), || async {
            let now = get_policy(ctx, waf, id).await?;
            match now.provisioning_state.as_deref() {
                Some(s) if s.eq_ignore_ascii_case("failed") => {
                    return Err(ActionError::Verification(format!("{id}: update failed")))
                }
                Some(s) if !s.eq_ignore_ascii_case("succeeded") => return Ok(None),
                _ => {}
            }
            let ours = waf.rules(&now.body).into_iter().find(is_ours);
            let ok = match (&want, ours) {
                (None, None) => true,
                (Some(w), Some(r)) => {
                    let mut have = waf.addresses(&r);
                    let mut w = w.clone();
                    have.sort();
                    w.sort();
                    have == w
                }
                _ => false,
            };
            Ok(ok.then_some(()))
        })
        .await
}

async fn block_caller(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    policy_id: &str,
    caller: &str,
) -> Result<ActionOutcome, ActionError> {
    let waf = Waf::of(policy_id)?;
    let address = parse_address(caller)?;
    let policy = get_policy(ctx, waf, policy_id).await?;
    let rules = waf.rules(&policy.body);
    let ours = rules.iter().find(|r| is_ours(r)).cloned();
    let mut addresses = ours.as_ref().map(|r| waf.addresses(r)).unwrap_or_default();
    let p = Prior::WafAddress {
        policy_id: policy_id.to_string(),
        address: address.clone(),
        rule_existed: ours.is_some(),
    };
    if addresses.contains(&address) {
        return Ok(unchanged(
            json(&p),
            format!("{policy_id}: rule {RULE_NAME} already blocks {address}"),
        ));
    }
    if addresses.len() >= MAX_ADDRESSES {
        return Err(ActionError::Invalid(format!(
            "{policy_id}: rule {RULE_NAME} already holds {MAX_ADDRESSES} addresses"
        )));
    }
    addresses.push(address.clone());
    let priority = match &ours {
        Some(r) => r.get("priority").and_then(Value::as_i64).unwrap_or(1),
        None => {
            let used: Vec<i64> = rules
                .iter()
                .filter_map(|r| r.get("priority").and_then(Value::as_i64))
                .collect();
            (1..=100).find(|n| !used.contains(n)).ok_or_else(|| {
                ActionError::Invalid(format!("{policy_id}: no free custom rule priority"))
            })?
        }
    };
    let detail = if ours.is_some() {
        format!("add {address} to WAF rule {RULE_NAME} in {policy_id}")
    } else {
        format!(
            "create WAF rule {RULE_NAME} (priority {priority}, Block RemoteAddr IPMatch {address}) in {policy_id}"
        )
    };
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let new_rule = waf.rule(priority, &addresses);
    let mut new_rules: Vec<Value> = rules.into_iter().filter(|r| !is_ours(r)).collect();
    new_rules.push(new_rule);
    write_rules(
        ctx,
        waf,
        policy_id,
        &policy,
        new_rules,
        Some(addresses.clone()),
    )
    .await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "rule": RULE_NAME, "addresses": addresses })),
        details: vec![detail],
    })
}

async fn unblock_caller(
    ctx: &Ctx<'_>,
    record: &StepRecord,
    policy_id: &str,
    address: &str,
    rule_existed: bool,
) -> Result<ActionOutcome, ActionError> {
    let waf = Waf::of(policy_id)?;
    let policy = get_policy(ctx, waf, policy_id).await?;
    let rules = waf.rules(&policy.body);
    let Some(ours) = rules.iter().find(|r| is_ours(r)).cloned() else {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!("{policy_id} has no rule {RULE_NAME}"),
        ));
    };
    let addresses: Vec<String> = waf.addresses(&ours);
    if !addresses.iter().any(|a| a == address) {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!("{policy_id}: rule {RULE_NAME} no longer blocks {address}"),
        ));
    }
    let rest: Vec<String> = addresses.into_iter().filter(|a| a != address).collect();
    let mut new_rules: Vec<Value> = rules.into_iter().filter(|r| !is_ours(r)).collect();
    let (want, detail) = if rest.is_empty() && !rule_existed {
        (
            None,
            format!("removed {address} and rule {RULE_NAME} from {policy_id}"),
        )
    } else {
        let priority = ours.get("priority").and_then(Value::as_i64).unwrap_or(1);
        new_rules.push(waf.rule(priority, &rest));
        (
            Some(rest),
            format!("removed {address} from rule {RULE_NAME} in {policy_id}"),
        )
    };
    write_rules(ctx, waf, policy_id, &policy, new_rules, want).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: record.prior_state.clone(),
        details: vec![detail],
    })
}

// ------------------------------------------------------------------ dispatch

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let (blocklist, ip_set) = match request.action {
        ActionSpec::BlockPrompt { blocklist, ip_set } => (blocklist.as_str(), ip_set.as_deref()),
        _ => return Err(ActionError::Invalid("not a block-prompt action".into())),
    };
    match request.target.kind {
        ResourceKind::Prompt => block_text(ctx, request, blocklist, &request.target.id).await,
        ResourceKind::Caller => match ip_set.filter(|s| !s.trim().is_empty()) {
            Some(policy) => block_caller(ctx, request, policy.trim(), &request.target.id).await,
            None => Err(ActionError::Invalid(format!(
                "caller {}: block-prompt has no ip_set (a WAF policy ARM id); nothing was changed",
                request.target.id
            ))),
        },
        other => Err(ActionError::Invalid(format!(
            "block-prompt acts on prompts and callers, not {other:?}"
        ))),
    }
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    match prior::<Prior>(record)? {
        Prior::BlocklistItem {
            blocklist_url,
            item_id,
            ..
        } => unblock_text(ctx, record, &blocklist_url, item_id.as_deref()).await,
        Prior::WafAddress {
            policy_id,
            address,
            rule_existed,
        } => unblock_caller(ctx, record, &policy_id, &address, rule_existed).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocklists_and_addresses() {
        assert_eq!(
            parse_blocklist("https://cs1.cognitiveservices.azure.com/contentsafety/text/blocklists/TestBlocklist")
                .unwrap(),
            (
                "https://cs1.cognitiveservices.azure.com".to_string(),
                "TestBlocklist".to_string()
            )
        );
        assert!(parse_blocklist("TestBlocklist").is_err());
        assert!(parse_blocklist("https://x/contentsafety/text/blocklists/a:b").is_err());
        assert_eq!(parse_address(" 203.0.113.7 ").unwrap(), "203.0.113.7");
        assert_eq!(parse_address("2001:db8::/32").unwrap(), "2001:db8::/32");
        assert!(parse_address("203.0.113.7/33").is_err());
        assert!(parse_address("evil.example").is_err());
    }
}
