"""Metrics from a solved layout: PUE and friends, tokens per MW, cost per million tokens."""
