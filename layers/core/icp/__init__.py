"""Interconnect Control Plane: the domain core, shipped to Lambda as a layer."""
