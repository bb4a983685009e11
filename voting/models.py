"""Voting data. The voting issue adds its tables here."""
