"""PM Bridge: federated personalised-medicine research across Europe and China."""

from importlib.metadata import version as _version

__version__ = _version("pmbridge")

__all__ = ["__version__"]
