"""Loopback stand-ins for AWS that add what moto's server leaves out (see dynamo_physics)."""

from loopback.dynamo_physics import DynamoPhysicsProxy, Physics, Stats

__all__ = ["DynamoPhysicsProxy", "Physics", "Stats"]
