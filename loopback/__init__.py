"""Loopback stand-ins for what moto's server does not model (tests and benchmarks only)."""

from loopback.dynamo_physics import DynamoPhysicsProxy
from loopback.physics import Physics, Stats

__all__ = ["DynamoPhysicsProxy", "Physics", "Stats"]
