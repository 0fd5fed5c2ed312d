"""Server-side extensions of moto for the aiir emulator tests (see ../README.md)."""

_APPLIED = False


def apply() -> None:
    """Patch moto's backends. Idempotent."""
    global _APPLIED
    if _APPLIED:
        return
    from . import sagemaker, secretsmanager

    sagemaker.apply()
    secretsmanager.apply()
    _APPLIED = True
