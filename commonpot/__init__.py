"""Commonpot: participatory budgeting and small grants, decided openly by the community."""

from commonpot.app import create_app

__all__ = ["create_app"]
