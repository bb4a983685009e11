"""Resident voting rounds: proposals, eligibility, ballots, results."""
