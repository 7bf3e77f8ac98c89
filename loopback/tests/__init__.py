"""Tests of the loopback proxies, against a real moto server."""
