# State (one object per item, generation preconditions), audit (retention policy) and
# quarantine buckets: uniform access, no public access, versioned where undo needs it.

resource "google_storage_bucket" "state" {
  #checkov:skip=CKV_GCP_62:Access logs of the state bucket would log aiir's own de-duplication reads and writes; Cloud Audit Logs (data access) cover it when enabled.
  #checkov:skip=CKV_GCP_78:State objects are replaced under generation preconditions thousands of times; versioning would keep every claim and counter value.
  project                     = var.project
  name                        = "${var.project}-${var.name}-state"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age            = var.state_expiry_days
      matches_prefix = ["state/"]
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "audit" {
  #checkov:skip=CKV_GCP_62:Audit records are write-once under a retention policy; reads of them show in Cloud Audit Logs (data access) when enabled.
  #checkov:skip=CKV_GCP_78:The retention policy already forbids replacing or deleting a record before it expires (versioning cannot be combined with a locked policy's guarantees any further).
  project                     = var.project
  name                        = "${var.project}-${var.name}-audit"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = local.labels

  retention_policy {
    retention_period = var.audit_retention_days * 86400
    is_locked        = var.audit_retention_locked
  }
}

resource "google_storage_bucket" "quarantine" {
  #checkov:skip=CKV_GCP_62:Quarantined objects are moved here by aiir and back by undo; Cloud Audit Logs (data access) record who read them when enabled.
  project                     = var.project
  name                        = "${var.project}-${var.name}-quarantine"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = local.labels

  versioning {
    enabled = true
  }
}
