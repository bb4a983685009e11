"""End-of-grant reports: what a funded group tells its funder once the activity ends, and
the impact figures (totals by theme, area and year; each group's share) built from them."""
