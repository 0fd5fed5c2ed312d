"""Secrets Manager: staging-label moves and RotateSecret as AWS documents them."""
import json
import time
from typing import Any

from moto.moto_api._internal import mock_random
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
    SecretNotFoundException,
)
from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend
from moto.secretsmanager.utils import random_password


def _holder(secret: FakeSecret, stage: str) -> str | None:
    for version_id, version in secret.versions.items():
        if stage in version["version_stages"]:
            return version_id
    return None


def update_secret_version_stage(
    self: SecretsManagerBackend,
    secret_id: str,
    version_stage: str,
    remove_from_version_id: str | None,
    move_to_version_id: str | None,
) -> tuple[str, str]:
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    for version_id in (remove_from_version_id, move_to_version_id):
        if version_id and version_id not in secret.versions:
            raise InvalidParameterException(f"Not a valid version: {version_id}")
    holder = _holder(secret, version_stage)
    if remove_from_version_id and holder != remove_from_version_id:
        raise InvalidParameterException(
            f"Version stage {version_stage} not found in version {remove_from_version_id}"
        )
    if move_to_version_id and holder not in (None, move_to_version_id) and not remove_from_version_id:
        raise InvalidParameterException(
            f"The parameter RemoveFromVersionId can't be empty. Staging label {version_stage} is "
            f"currently attached to version {holder}, so you must explicitly reference that version "
            "in RemoveFromVersionId."
        )
    if move_to_version_id and move_to_version_id == holder:
        return secret.arn, secret.name  # already there: nothing moves
    if remove_from_version_id:
        secret.versions[remove_from_version_id]["version_stages"].remove(version_stage)
    if move_to_version_id:
        secret.versions[move_to_version_id]["version_stages"].append(version_stage)
    if version_stage == "AWSCURRENT":
        if remove_from_version_id:
            # "Whenever you move AWSCURRENT, Secrets Manager automatically moves the label
            # AWSPREVIOUS to the version that AWSCURRENT was removed from."
            for version in secret.versions.values():
                if "AWSPREVIOUS" in version["version_stages"]:
                    version["version_stages"].remove("AWSPREVIOUS")
            secret.versions[remove_from_version_id]["version_stages"].append("AWSPREVIOUS")
        if move_to_version_id:
            # GetSecretValue without a stage reads AWSCURRENT.
            secret.default_version_id = move_to_version_id
    return secret.arn, secret.name


def reset_default_version(self: FakeSecret, secret_version: dict[str, Any], version_id: str) -> None:
    # Only AWSCURRENT moves (and AWSPREVIOUS follows it); other labels stay where they are.
    for old in self.versions.values():
        if "AWSPREVIOUS" in old["version_stages"]:
            old["version_stages"].remove("AWSPREVIOUS")
    previous = self.default_version_id
    if previous and previous in self.versions and previous != version_id:
        stages = self.versions[previous]["version_stages"]
        if "AWSCURRENT" in stages:
            stages.remove("AWSCURRENT")
        stages.append("AWSPREVIOUS")
    self.versions[version_id] = secret_version
    self.default_version_id = version_id


def _new_value(current: str | None) -> str:
    password = random_password(32, "", False, True, False, False, False, True)
    if current:
        try:
            parsed = json.loads(current)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "password" in parsed:
            parsed["password"] = password
            return json.dumps(parsed)
    return password


def rotate_secret(
    self: SecretsManagerBackend,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if secret.is_deleted():
        raise InvalidRequestException(
            "You tried to perform the operation on a secret that's currently marked deleted."
        )
    function_arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not function_arn:
        raise InvalidRequestException(
            "No Lambda rotation function ARN is associated with this secret."
        )
    from moto.awslambda.utils import get_backend

    try:
        get_backend(self.account_id, self.region_name).get_function(function_arn)
    except Exception:
        raise ResourceNotFoundException(f"Resource not found for ARN '{function_arn}'.")
    pending = _holder(secret, "AWSPENDING")
    if pending is not None and pending != _holder(secret, "AWSCURRENT"):
        raise InvalidRequestException(
            "A previous rotation isn't complete. That rotation will be reattempted."
        )
    if rotation_rules and "AutomaticallyAfterDays" in rotation_rules:
        days = int(rotation_rules["AutomaticallyAfterDays"])
        if days < 1 or days > 1000:
            raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
        secret.auto_rotate_after_days = days
        secret.next_rotation_date = int(time.time()) + days * 86400
    secret.rotation_lambda_arn = function_arn
    secret.rotation_enabled = True
    secret.rotation_requested = True
    if not rotate_immediately:
        # AWS runs only the function's testSecret step, which changes nothing here.
        return secret.to_short_dict()

    token = client_request_token or str(mock_random.uuid4())
    if token in secret.versions and "AWSCURRENT" in secret.versions[token]["version_stages"]:
        return secret.to_short_dict(version_id=token)  # this rotation already finished
    current = _holder(secret, "AWSCURRENT")
    # Stand-in for the rotation Lambda (moto would need Docker to run one):
    # createSecret: a new value under AWSPENDING.
    if token not in secret.versions:
        current_value = secret.versions.get(current, {}).get("secret_string") if current else None
        self.put_secret_value(secret.arn, _new_value(current_value), None, token, ["AWSPENDING"])
    # setSecret / testSecret: nothing to configure or test in the emulator.
    # finishSecret: move AWSCURRENT to the new version, drop AWSPENDING.
    self.update_secret_version_stage(secret.arn, "AWSCURRENT", current, token)
    if "AWSPENDING" in secret.versions[token]["version_stages"]:
        self.update_secret_version_stage(secret.arn, "AWSPENDING", token, None)
    secret.last_rotation_date = int(time.time())
    return secret.to_short_dict(version_id=token)


def apply() -> None:
    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage
    SecretsManagerBackend.rotate_secret = rotate_secret
    FakeSecret.reset_default_version = reset_default_version
