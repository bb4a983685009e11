"""Grants: funders, funds, rounds, groups, applications, panels, scoring and decisions."""
