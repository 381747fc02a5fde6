"""Benchmarks: `make bench` (python -m bench) runs every bench module and prints ratios
against peers (pandapower, lightsim2grid) measured in the same process."""
