"""Pure rules about places, organisations and amounts: no Flask, no session.

Postcodes are compared upper-case without spaces. An area matches a postcode when it lists
that exact postcode or a prefix of it (prefixes are written as outward code plus optional
sector digit, e.g. "RT1" or "RT1 4")."""

from __future__ import annotations

import re

from grants.words import N_

# Reasons fund managers choose from when screening; the keys are stored. The wording is
# English here and translated where it is shown (`_(SCREENING_REASONS[code])`).
SCREENING_REASONS = {
    "out_of_area": N_("The project is outside the area this fund covers"),
    "organisation_type": N_("This round does not fund this type of organisation"),
    "too_many_applications": N_("The group has already applied the most times this round allows"),
    "amount_out_of_range": N_("The amount asked for is outside this round's limits"),
    "not_charitable": N_("The project's purpose is not one this fund can support"),
    "incomplete": N_("Important information is missing from the application"),
    "other": N_("Another reason (explained below)"),
}


def org_id_for(org_type: str, charity_number: str | None, company_number: str | None,
               funder_prefix: str, group_slug: str) -> str:
    """The 360Giving org-id: charity number first, then company number, else our own."""
    charity = re.sub(r"\s+", "", charity_number or "").upper()
    company = re.sub(r"\s+", "", company_number or "").upper()
    if charity:
        return f"GB-CHC-{charity}"
    if company:
        if company.isdigit():
            company = company.zfill(8)
        return f"GB-COH-{company}"
    return f"{funder_prefix}-group-{group_slug}"


def count_words(text: str | None) -> int:
    return len((text or "").split())
