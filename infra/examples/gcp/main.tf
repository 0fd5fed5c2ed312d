# aiir on Google Cloud: copy this directory, put your values in terraform.tfvars,
# `terraform apply`.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0.0, < 8.0.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

module "aiir" {
  source = "../../gcp"

  name    = var.name
  project = var.project
  region  = var.region
  image   = var.image
  dry_run = var.dry_run

  protected_bucket_names         = var.protected_bucket_names
  training_data_buckets          = var.training_data_buckets
  encryption_kms_key             = var.encryption_kms_key
  blocklist                      = var.blocklist
  cloud_armor_policy             = var.cloud_armor_policy
  secret_ids                     = var.secret_ids
  tool_secret                    = var.tool_secret
  vertex_endpoints               = var.vertex_endpoints
  model_io_log_filter            = var.model_io_log_filter
  operator_notification_channels = var.operator_notification_channels
  paging_notification_channels   = var.paging_notification_channels
  alerting                       = var.alerting
  audit_retention_locked         = var.audit_retention_locked
}
