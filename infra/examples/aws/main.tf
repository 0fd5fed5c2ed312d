# aiir on AWS: copy this directory, put your values in terraform.tfvars, `terraform apply`.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.region
}

module "aiir" {
  source = "../../aws"

  name         = var.name
  lambda_zip   = var.lambda_zip
  architecture = var.architecture
  dry_run      = var.dry_run

  blocklist_table_arn             = var.blocklist_table_arn
  waf_ip_set_arn                  = var.waf_ip_set_arn
  sagemaker_endpoint_names        = var.sagemaker_endpoint_names
  sagemaker_endpoint_config_names = var.sagemaker_endpoint_config_names
  protected_function_names        = var.protected_function_names
  secret_arns                     = var.secret_arns
  tool_secret_arn                 = var.tool_secret_arn
  rotation_function_arns          = var.rotation_function_arns
  protected_bucket_names          = var.protected_bucket_names
  encryption_kms_key_arn          = var.encryption_kms_key_arn
  create_notify_topic             = var.notify_topic_arn == null
  notify_topic_arn                = var.notify_topic_arn
  model_io_log_group_name         = var.model_io_log_group_name
  watched_alarm_name_prefixes     = var.watched_alarm_name_prefixes
  alerting                        = var.alerting

  audit_object_lock            = var.audit_object_lock
  state_point_in_time_recovery = var.state_point_in_time_recovery
  force_destroy_buckets        = var.force_destroy_buckets
}
