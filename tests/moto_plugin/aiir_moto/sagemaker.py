"""SageMaker: UpdateEndpoint, and Creating/Updating states that settle on the next describe."""
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

# How many DescribeEndpoint calls report the transitional state before it settles.
POLLS_BEFORE_SETTLED = 1
# (the first DescribeEndpoint after the change shows it; the next one shows the settled state)


def _endpoint(backend: SageMakerModelBackend, name: str) -> FakeEndpoint:
    try:
        return backend.endpoints[name]
    except KeyError:
        arn = FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(message=f"Could not find endpoint '{arn}'.")


def update_endpoint(self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str) -> str:
    endpoint = _endpoint(self, endpoint_name)
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            message=f"Cannot update in-progress endpoint \"{endpoint.arn}\"."
        )
    # Raises "Could not find endpoint configuration" like AWS.
    config = self.describe_endpoint_config(endpoint_config_name)
    endpoint.endpoint_status = "Updating"
    endpoint.last_modified_time = utcnow()
    endpoint._aiir_pending = {
        "config_name": endpoint_config_name,
        "variants": config["ProductionVariants"],
        "data_capture": config.get("DataCaptureConfig"),
        "polls": POLLS_BEFORE_SETTLED,
    }
    return endpoint.arn


def _settle(endpoint: FakeEndpoint) -> None:
    """Count one DescribeEndpoint; settle the transition once enough were seen."""
    pending = getattr(endpoint, "_aiir_pending", None)
    if pending is None:
        return
    if pending["polls"] > 0:
        pending["polls"] -= 1
        return
    if endpoint.endpoint_status == "Updating":
        endpoint.endpoint_config_name = pending["config_name"]
        endpoint.production_variants = endpoint._process_production_variants(pending["variants"])
        endpoint.data_capture_config = pending["data_capture"]
    endpoint.endpoint_status = "InService"
    endpoint.last_modified_time = utcnow()
    endpoint._aiir_pending = None


_original_describe = SageMakerModelBackend.describe_endpoint
_original_create = SageMakerModelBackend.create_endpoint


def describe_endpoint(self: SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    endpoint = _endpoint(self, endpoint_name)
    _settle(endpoint)
    pending = getattr(endpoint, "_aiir_pending", None)
    response = _original_describe(self, endpoint_name)
    if pending is not None and endpoint.endpoint_status == "Updating":
        response["PendingDeploymentSummary"] = {
            "EndpointConfigName": pending["config_name"],
            "StartTime": endpoint.last_modified_time,
        }
    return response


def create_endpoint(self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str, tags: Any) -> FakeEndpoint:
    if endpoint_name in self.endpoints:
        arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise ValidationError(message=f"Cannot create already existing endpoint \"{arn}\".")
    endpoint = _original_create(self, endpoint_name, endpoint_config_name, tags)
    endpoint.endpoint_status = "Creating"
    endpoint._aiir_pending = {"polls": POLLS_BEFORE_SETTLED}
    return endpoint


def response_update_endpoint(self: SageMakerResponse) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
    )
    return ActionResult({"EndpointArn": arn})


def apply() -> None:
    SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerModelBackend.describe_endpoint = describe_endpoint
    SageMakerModelBackend.create_endpoint = create_endpoint
    SageMakerResponse.update_endpoint = response_update_endpoint
