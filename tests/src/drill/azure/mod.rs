//! The drill on Azure: Azurite (HTTPS + OAuth, bearer tokens from the JWT-shaped credential)
//! for Blob and Table Storage, and a stateful fixture answering with the official REST examples
//! for the services with no emulator (Resource Manager, Key Vault, Content Safety, Logs
//! Ingestion, the notify webhook). Attacks are delivered in-process as Functions invocation
//! envelopes to the same handler the custom-handler server runs, and containment is checked in
//! Azurite's blobs and the fixture's state.
use std::collections::BTreeMap;

use aiir_azure::clients::AzureClients;
use aiir_azure::envelope::Invocation;
use aiir_azure::testing::{self, Azurite, Deployment, FixtureServer};
use aiir_azure::Handler;
use aiir_core::action::Cloud as CloudName;
use aiir_core::pipeline::Report;
use anyhow::{bail, Context, Result};
use chrono::Utc;
use serde_json::{json, Value};

use super::{scenario, Invoker, Outcome};

mod cloud;
mod scenarios;

use cloud::{example, Cloud};

pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000d811";
pub const RESOURCE_GROUP: &str = "aiir-drill";
/// Key Vault and Content Safety hosts the configuration names (rebased onto the fixture).
const VAULT_HOST: &str = "aiir-drill-kv.vault.azure.net";
const BLOCKLIST_HOST: &str = "aiir-drill-cs.cognitiveservices.azure.com";

/// The names of the seeded deployment outside Azurite.
pub struct Names {
    pub account_id: String,
    pub endpoint_id: String,
    pub waf_id: String,
    pub blocklist: String,
    pub secret: String,
    pub quarantine: String,
}

impl Names {
    fn new(d: &Deployment) -> Self {
        let rg = format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers");
        Self {
            account_id: format!("{rg}/Microsoft.Storage/storageAccounts/{}", d.account),
            endpoint_id: format!(
                "{rg}/Microsoft.MachineLearningServices/workspaces/aiir-ws/onlineEndpoints/fraud-detector"
            ),
            waf_id: format!(
                "{rg}/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/aiirDrillWaf"
            ),
            blocklist: "aiir-prompts".into(),
            secret: "tool-api-key".into(),
            quarantine: d.quarantine_container.clone(),
        }
    }

    pub fn container_id(&self, container: &str) -> String {
        format!(
            "{}/blobServices/default/containers/{container}",
            self.account_id
        )
    }
}

pub struct Drill {
    // Kept alive for the run; stopped when dropped.
    _azurite: Azurite,
    pub fixture: FixtureServer,
    pub cloud: Cloud,
    pub clients: AzureClients,
    pub handler: Handler,
    pub d: Deployment,
    pub n: Names,
}

/// The playbook's `${VAR}`s for this deployment. The handler reads them once, when it is built
/// (as at a cold start); they are set only for that and restored after.
fn playbook_env(fixture: &FixtureServer, n: &Names) -> Vec<(&'static str, String)> {
    vec![
        (
            "AIIR_BLOCKLIST",
            format!(
                "https://{BLOCKLIST_HOST}/contentsafety/text/blocklists/{}",
                n.blocklist
            ),
        ),
        ("AIIR_WAF_IP_SET", n.waf_id.clone()),
        (
            "AIIR_TOOL_SECRET",
            format!("https://{VAULT_HOST}/secrets/{}", n.secret),
        ),
        ("AIIR_QUARANTINE_BUCKET", n.quarantine.clone()),
        ("AIIR_KMS_KEY", format!("https://{VAULT_HOST}/keys/aiir-cmk")),
        // Event Grid topic URLs cannot be pointed at a local server (no endpoint override):
        // notify goes through its webhook path, which the fixture records.
        ("AIIR_NOTIFY_TOPIC", format!("{}/notify", fixture.base)),
        (
            "AIIR_PAGE_TARGET",
            "https://aiir-drill-dce.westeurope-1.ingest.monitor.azure.com/dataCollectionRules/dcr-00000000000000000000000000d811/streams/Custom-AiirIncidents_CL".into(),
        ),
    ]
}

fn with_env<T>(vars: &[(&'static str, String)], f: impl FnOnce() -> T) -> T {
    let saved: Vec<(&str, Option<std::ffi::OsString>)> = vars
        .iter()
        .map(|(k, _)| (*k, std::env::var_os(k)))
        .collect();
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let out = f();
    for (k, v) in saved {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
    out
}

/// Resource Manager, Key Vault and Content Safety state, from the official examples re-homed
/// on the drill's ids.
fn seed_fixture(cloud: &Cloud, d: &Deployment, n: &Names) -> Result<()> {
    let mut account = example("StorageAccountGetProperties.json", "200")?;
    account["id"] = json!(n.account_id);
    account["name"] = json!(d.account);
    account["properties"]["allowBlobPublicAccess"] = json!(true);
    // A managed identity, as in the StorageAccountEnableCMK example (CMK needs one).
    account["identity"] = example("StorageAccountEnableCMK.json", "200")?["identity"].clone();
    cloud.put_arm(&n.account_id, account);
    let container = example("BlobContainersPatch.json", "200")?;
    for (name, access) in [
        (d.training_container.as_str(), "Container"),
        (d.models_container.as_str(), "None"),
        (d.audit_container.as_str(), "None"),
    ] {
        let mut c = container.clone();
        c["id"] = json!(n.container_id(name));
        c["name"] = json!(name);
        c["properties"]["publicAccess"] = json!(access);
        cloud.put_arm(&n.container_id(name), c);
    }
    let mut endpoint = example("OnlineEndpointGet.json", "200")?;
    endpoint["id"] = json!(n.endpoint_id);
    endpoint["name"] = json!("fraud-detector");
    endpoint["type"] = json!("Microsoft.MachineLearningServices/workspaces/onlineEndpoints");
    endpoint["properties"]["traffic"] = json!({ "blue": 0, "green": 100 });
    endpoint["properties"]["publicNetworkAccess"] = json!("Enabled");
    endpoint["properties"]["provisioningState"] = json!("Succeeded");
    cloud.put_arm(&n.endpoint_id, endpoint);
    let deployment = example("OnlineDeploymentList.json", "200")?["value"][0].clone();
    for (name, created) in [
        ("blue", "2025-04-01T09:00:00Z"),
        ("green", "2025-05-01T09:00:00Z"),
    ] {
        let id = format!("{}/deployments/{name}", n.endpoint_id);
        let mut dep = deployment.clone();
        dep["id"] = json!(id);
        dep["name"] = json!(name);
        dep["systemData"]["createdAt"] = json!(created);
        dep["properties"]["provisioningState"] = json!("Succeeded");
        cloud.put_arm(&id, dep);
    }
    let mut waf = example("WafPolicyGet.json", "200")?;
    waf["id"] = json!(n.waf_id);
    waf["name"] = json!("aiirDrillWaf");
    cloud.put_arm(&n.waf_id, waf);
    cloud.add_secret(&n.secret, "tool-key-v1-9f8e7d6c5b4a");
    cloud.seed_blocklist(
        &n.blocklist,
        example("ListTextBlocklistItems.json", "200")?["value"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(())
}

impl Drill {
    pub async fn start() -> Result<Self> {
        let azurite = Azurite::start().map_err(anyhow::Error::msg)?;
        let cloud = Cloud::new(VAULT_HOST)?;
        let fixture = FixtureServer::start_with(Vec::new(), Some(cloud.answer()))
            .await
            .map_err(anyhow::Error::msg)?;
        let clients = azurite.clients(Some(&fixture.base));
        let d = testing::seed_ai_deployment(&clients)
            .await
            .map_err(anyhow::Error::msg)?;
        let n = Names::new(&d);
        seed_fixture(&cloud, &d, &n)?;
        let config = testing::config_for(&d, azurite.endpoints(Some(&fixture.base)));
        let scanner = aiir_azure::app::detector_scanner()?;
        let handler = with_env(&playbook_env(&fixture, &n), || {
            testing::build_handler(&config, azurite.http(), Some(scanner))
        })
        .map_err(anyhow::Error::msg)?;
        Ok(Self {
            _azurite: azurite,
            fixture,
            cloud,
            clients,
            handler,
            d,
            n,
        })
    }

    async fn envelope(&self, function: &str, data: Value) -> Result<Value> {
        let inv: Invocation = serde_json::from_value(json!({
            "Data": data,
            "Metadata": { "sys": {
                "MethodName": function,
                "UtcNow": Utc::now().to_rfc3339(),
                "RandGuid": format!("00000000-0000-0000-0000-{:012x}", Utc::now().timestamp_micros()),
            } },
        }))?;
        let rsp = self
            .handler
            .invoke(function, &inv, false)
            .await
            .with_context(|| format!("invoke {function}"))?;
        Ok(serde_json::to_value(rsp)?)
    }

    /// An HTTP-trigger invocation (`alerts`, `operator`): the report comes back in `res`.
    pub async fn http(&self, function: &str, body: &Value) -> Result<Report> {
        let rsp = self
            .envelope(
                function,
                json!({ "req": {
                    "Url": format!("https://aiir-drill.azurewebsites.net/api/{function}"),
                    "Method": "POST",
                    "Query": {},
                    "Headers": { "Content-Type": ["application/json"] },
                    "Params": {},
                    "Body": body.to_string(),
                } }),
            )
            .await?;
        let res = &rsp["Outputs"]["res"];
        let text = res["body"].as_str().unwrap_or_default();
        if res["statusCode"] != 200 {
            bail!("{function} answered {}: {text}", res["statusCode"]);
        }
        serde_json::from_str(text).with_context(|| format!("{function}: report is not JSON"))
    }

    /// A non-HTTP trigger (`modelio` from Event Hubs, `events` from Event Grid): one report
    /// per delivered payload, merged.
    pub async fn events(&self, function: &str, binding: &str, data: Value) -> Result<Report> {
        let rsp = self.envelope(function, json!({ binding: data })).await?;
        let mut merged = Report::default();
        for r in rsp["ReturnValue"].as_array().into_iter().flatten() {
            if let Some(e) = r.get("error") {
                bail!("{function} rejected a payload: {e}");
            }
            let report: Report = serde_json::from_value(r.clone())?;
            merged.incidents.extend(report.incidents);
            merged.operator_steps.extend(report.operator_steps);
        }
        Ok(merged)
    }

    /// Model-I/O lines as resource logs of the online endpoint streamed to Event Hubs (one
    /// event carrying `{"records": [...]}`, as diagnostic settings send them).
    pub async fn model_io(&self, lines: &str) -> Result<Report> {
        let start = Utc::now();
        let records: Vec<Value> = lines
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, line)| -> Result<Value> {
                let props: Value = serde_json::from_str(line)
                    .with_context(|| format!("model-io line {} is not JSON", i + 1))?;
                let mut record = json!({
                    "time": (start + chrono::Duration::milliseconds(i as i64)).to_rfc3339(),
                    "resourceId": self.n.endpoint_id.to_ascii_uppercase(),
                    "category": "AmlOnlineEndpointConsoleLog",
                    "operationName": "Microsoft.MachineLearningServices/onlineEndpoints/score",
                    "properties": props,
                });
                if let Some(ip) = record["properties"]["caller_ip"].as_str() {
                    record["callerIpAddress"] = json!(ip);
                }
                Ok(record)
            })
            .collect::<Result<_>>()?;
        let event = json!({ "records": records }).to_string();
        self.events("modelio", "records", json!([event])).await
    }

    pub async fn blob(
        &self,
        container: &str,
        name: &str,
    ) -> Result<Option<(Vec<u8>, std::collections::HashMap<String, String>)>> {
        testing::read_blob(&self.clients, &self.d.account, container, name)
            .await
            .map_err(anyhow::Error::msg)
    }

    pub async fn put_blob(&self, container: &str, name: &str, body: Vec<u8>) -> Result<()> {
        testing::write_blob(&self.clients, &self.d.account, container, name, body)
            .await
            .map_err(anyhow::Error::msg)
    }

    /// `(traffic, publicNetworkAccess)` of the online endpoint, as Resource Manager holds it.
    pub fn endpoint(&self) -> Result<(BTreeMap<String, i64>, String)> {
        let e = self
            .cloud
            .arm(&self.n.endpoint_id)
            .context("endpoint gone")?;
        Ok((
            aiir_azure::actions::ml::traffic_of(&e),
            e["properties"]["publicNetworkAccess"]
                .as_str()
                .unwrap_or("Enabled")
                .to_string(),
        ))
    }

    /// Addresses in every `IPMatch` condition of the WAF policy's custom rules, and the
    /// rule names.
    pub fn waf(&self) -> Result<(Vec<String>, Vec<String>)> {
        let p = self.cloud.arm(&self.n.waf_id).context("WAF policy gone")?;
        let rules = p["properties"]["customRules"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut addrs = Vec::new();
        for r in &rules {
            for c in r["matchConditions"].as_array().into_iter().flatten() {
                if c["operator"] == "IPMatch" {
                    addrs.extend(
                        c["matchValue"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(str::to_string)),
                    );
                }
            }
        }
        let names = rules
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_string))
            .collect();
        Ok((addrs, names))
    }

    /// `(allowBlobPublicAccess, publicAccess of the container)` as Resource Manager holds them.
    pub fn public_access(&self, container: &str) -> (Option<bool>, Option<String>) {
        let account = self.cloud.arm(&self.n.account_id);
        let c = self.cloud.arm(&self.n.container_id(container));
        (
            account.and_then(|a| a["properties"]["allowBlobPublicAccess"].as_bool()),
            c.and_then(|c| c["properties"]["publicAccess"].as_str().map(str::to_string)),
        )
    }

    /// `(keySource, keyname)` of the storage account's encryption.
    pub fn encryption(&self) -> (Option<String>, Option<String>) {
        let a = self.cloud.arm(&self.n.account_id).unwrap_or(Value::Null);
        let e = &a["properties"]["encryption"];
        (
            e["keySource"].as_str().map(str::to_string),
            e["keyvaultproperties"]["keyname"]
                .as_str()
                .map(str::to_string),
        )
    }
}

impl Invoker for Drill {
    /// Operator events (`undo`) go to the `operator` HTTP function.
    async fn invoke(&self, _name: &str, payload: &Value) -> Result<Report> {
        self.http("operator", payload).await
    }
}

pub fn start(name: &str, attack_vector: &str, detection: &str) -> Outcome {
    let scenario = scenario(name).expect("every Azure scenario is in the catalogue");
    Outcome::start(scenario, CloudName::Azure, attack_vector, detection)
}

/// Start Azurite and the REST fixture, seed an AI deployment and run the named scenarios.
pub async fn run(names: &[&str]) -> Result<Vec<Outcome>> {
    eprintln!("azure: starting Azurite (TLS + OAuth) and the REST fixture, seeding …");
    let drill = Drill::start().await?;
    let mut outcomes = Vec::new();
    for name in names {
        eprintln!("azure: scenario {name} …");
        let outcome = match *name {
            "prompt-injection" => scenarios::prompt_injection(&drill).await,
            "data-leakage" => scenarios::data_leakage(&drill).await,
            "model-drift" => scenarios::model_drift(&drill).await,
            "compromised-weights" => scenarios::compromised_weights(&drill).await,
            other => bail!("unknown scenario {other}"),
        };
        outcomes.push(outcome.with_context(|| format!("azure scenario {name}"))?);
    }
    Ok(outcomes)
}
