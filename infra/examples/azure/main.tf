# aiir on Azure: copy this directory, put your values in terraform.tfvars, `terraform apply`.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.40.0, < 5.0.0"
    }
  }
}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
  # The data account has shared keys off: the provider creates its table with Entra ID.
  storage_use_azuread = true
}

module "aiir" {
  source = "../../azure"

  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  function_package    = var.function_package
  dry_run             = var.dry_run

  protected_storage_account_ids = var.protected_storage_account_ids
  training_data_containers      = var.training_data_containers
  encryption_key_id             = var.encryption_key_id
  key_vault_secrets             = var.key_vault_secrets
  tool_secret                   = var.tool_secret
  ml_online_endpoints           = var.ml_online_endpoints
  ml_online_deployments         = var.ml_online_deployments
  ml_workspace_ids              = var.ml_workspace_ids
  protected_function_app_ids    = var.protected_function_app_ids
  content_safety_account_id     = var.content_safety_account_id
  blocklist_url                 = var.blocklist_url
  waf_policy_ids                = var.waf_policy_ids
  watched_resource_group_ids    = var.watched_resource_group_ids
  operator_action_group_id      = var.operator_action_group_id
  paging_action_group_ids       = var.paging_action_group_ids
  alerting                      = var.alerting
  audit_policy_locked           = var.audit_policy_locked
}
