"""Emulators for what moto lacks: AWS Interconnect, Direct Connect gateways, Google Cloud, partners."""
