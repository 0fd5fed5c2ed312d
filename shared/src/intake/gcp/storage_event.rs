//! Cloud Storage object events: Eventarc `google.cloud.storage.object.v1.*` CloudEvents
//! (`data` = `StorageObjectData`) and Cloud Storage Pub/Sub notifications (`eventType`
//! attribute, data = the JSON API object resource). Both carry the object resource
//! (`bucket`, `name`, `generation`, `metageneration`, `contentType`, `size`, `md5Hash`,
//! `updated`, `timeCreated`, `metadata`).
//!
//! Mapping:
//! - `source` = `storage-event`; `source_id` = `gs://BUCKET/NAME`; `occurrence` =
//!   `{event}@{generation}` (`#metageneration` added for metadata updates), so a redelivered
//!   notification de-duplicates and a new upload is a new occurrence.
//! - `status`: `Firing` for finalized (a new or overwritten object: the training-data
//!   poisoning signal) and metadata updates; `Informational` for deleted and archived.
//! - `kind` / `severity`: not stated (a write alone is not an incident); the playbook's
//!   `[[classify]]` rules decide, typically on `labels.bucket`.
//! - `resources`: the object (`BUCKET/NAME`) and its bucket; the object's custom metadata
//!   becomes the object's tags (so `aiir:exempt` works).
//! - `labels`: `bucket`, `object`, `event_type`, `generation`, `content_type`, `size`,
//!   `md5_hash`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::intake::aws::fields::{
    canonical_time, key_path, opt_obj, opt_text, parse_time, req_str, Obj,
};
use crate::intake::{clip, IntakeError};
use crate::model::{Alert, AlertSource, AlertStatus, Evidence, ResourceKind, ResourceRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Finalized,
    Deleted,
    Archived,
    MetadataUpdated,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finalized => "object.finalized",
            Self::Deleted => "object.deleted",
            Self::Archived => "object.archived",
            Self::MetadataUpdated => "object.metadata-updated",
        }
    }

    /// The suffix of an Eventarc type (`google.cloud.storage.object.v1.finalized`).
    pub fn from_cloudevent(suffix: &str) -> Option<Self> {
        match suffix {
            "finalized" => Some(Self::Finalized),
            "deleted" => Some(Self::Deleted),
            "archived" => Some(Self::Archived),
            "metadataUpdated" => Some(Self::MetadataUpdated),
            _ => None,
        }
    }

    /// A Pub/Sub notification's `eventType` attribute.
    pub fn from_notification(event_type: &str) -> Option<Self> {
        match event_type {
            "OBJECT_FINALIZE" => Some(Self::Finalized),
            "OBJECT_DELETE" => Some(Self::Deleted),
            "OBJECT_ARCHIVE" => Some(Self::Archived),
            "OBJECT_METADATA_UPDATE" => Some(Self::MetadataUpdated),
            _ => None,
        }
    }
}

/// A JSON API object resource?
pub(crate) fn is_object_resource(obj: &Obj) -> bool {
    obj.get("kind").and_then(|k| k.as_str()) == Some("storage#object")
        || (obj.contains_key("bucket")
            && obj.contains_key("name")
            && obj.contains_key("generation"))
}

pub(crate) fn parse(
    obj: &Obj,
    path: &str,
    event: EventType,
    now: DateTime<Utc>,
) -> Result<Alert, IntakeError> {
    let bucket = req_str(obj, path, "bucket")?;
    let name = req_str(obj, path, "name")?;
    let generation =
        super::text_or_number(obj, path, "generation")?.ok_or_else(|| IntakeError::Missing {
            path: key_path(path, "generation"),
        })?;
    let metageneration = super::text_or_number(obj, path, "metageneration")?;
    let time_key = match event {
        EventType::Finalized => "timeCreated",
        _ => "updated",
    };
    let occurred_at = match opt_text(obj, path, time_key)?.or(opt_text(obj, path, "updated")?) {
        Some(t) => parse_time(t, &key_path(path, time_key))?,
        None => now,
    };
    let mut occurrence = format!("{}@{generation}", event.as_str());
    if event == EventType::MetadataUpdated {
        occurrence.push_str(&format!("#{}", metageneration.clone().unwrap_or_default()));
    }
    let status = match event {
        EventType::Finalized | EventType::MetadataUpdated => AlertStatus::Firing,
        EventType::Deleted | EventType::Archived => AlertStatus::Informational,
    };
    let mut object = ResourceRef::new(ResourceKind::Object, format!("{bucket}/{name}"));
    for (k, v) in opt_obj(obj, path, "metadata")?.into_iter().flatten() {
        if let Some(text) = v.as_str() {
            object.tags.insert(clip(k, 64), clip(text, 256));
        }
    }
    let mut labels = BTreeMap::new();
    labels.insert("bucket".into(), bucket.to_string());
    labels.insert("object".into(), clip(name, 512));
    labels.insert("event_type".into(), event.as_str().to_string());
    labels.insert("generation".into(), generation.clone());
    for (key, label) in [("contentType", "content_type"), ("md5Hash", "md5_hash")] {
        if let Some(v) = opt_text(obj, path, key)? {
            labels.insert(label.into(), clip(v, 128));
        }
    }
    if let Some(size) = super::text_or_number(obj, path, "size")? {
        labels.insert("size".into(), clip(&size, 32));
    }
    Ok(Alert {
        source: AlertSource::StorageEvent,
        source_id: format!("gs://{bucket}/{name}"),
        occurrence,
        status,
        title: format!(
            "Cloud Storage {} gs://{bucket}/{}",
            event.as_str(),
            clip(name, 200)
        ),
        description: None,
        occurred_at,
        account: None,
        region: None,
        kind: None,
        severity: None,
        resources: vec![object, ResourceRef::new(ResourceKind::Bucket, bucket)],
        evidence: vec![Evidence {
            label: "storage-event".into(),
            summary: format!(
                "{} generation {generation} at {}",
                event.as_str(),
                canonical_time(occurred_at)
            ),
            detail: serde_json::Value::Null,
        }],
        labels,
    })
}
