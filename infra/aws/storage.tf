# DynamoDB state: de-duplication, approvals, blast-radius counters, undo records.
resource "aws_dynamodb_table" "state" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb). The table holds fingerprints, approval tokens and undo records (no secrets, no payloads); a CMK would put a KMS call and a key-policy dependency on the containment path.
  name         = "${var.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.state_point_in_time_recovery
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = !var.force_destroy_buckets
  tags                        = local.tags
}

# Audit records: write-once (Object Lock COMPLIANCE), versioned, SSE-KMS, private.
module "audit_bucket" {
  source           = "./modules/bucket"
  name             = "${var.name}-audit-${local.account}-${local.region}"
  kms_key_arn      = aws_kms_key.this.arn
  object_lock_days = var.audit_object_lock ? var.audit_retention_days : null
  expire_days      = var.audit_retention_days + 1
  force_destroy    = var.force_destroy_buckets
  deny_insecure    = var.deny_insecure_transport
  tags             = local.tags
}

# Quarantined objects (undo moves them back, so no Object Lock here).
module "quarantine_bucket" {
  source        = "./modules/bucket"
  name          = "${var.name}-quarantine-${local.account}-${local.region}"
  kms_key_arn   = aws_kms_key.this.arn
  expire_days   = 365
  force_destroy = var.force_destroy_buckets
  deny_insecure = var.deny_insecure_transport
  tags          = local.tags
}
