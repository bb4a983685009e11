"""Awarded grants as 360Giving data (standard 1.4): the JSON package and the flat CSV.

One grant record per public award (grants.public_awards). Identifiers follow the standard's
conventions: a grant id is the funder's registered `360G-` prefix and the application's
reference; a recipient is `GB-CHC-`/`GB-SC-`/`GB-NIC-` plus its charity number or
`GB-COH-` plus its company number, and otherwise (an unregistered group) an id under the
funder's prefix. The CSV uses the standard's column titles, as its templates do
("Recipient Org:Identifier").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from commonpot.spreadsheets import safe_cell
from grants import money_figures, public_awards
from grants.models import Award, FundArea, Funder, Group, QuestionType

SCHEMA_VERSION = "1.4"
DEFAULT_PREFIX = "360G-commonpot"
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"

# ONS code prefixes -> the standard's geoCodeType codes.
_GEO_CODE_TYPES = {"E05": "WD", "W05": "WD", "S13": "WD", "N08": "WD", "E06": "UA", "W06": "UA",
                   "E07": "NMD", "E08": "MD", "E09": "LONB"}
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])$")


def funder_prefix(funder: Funder, default: str = DEFAULT_PREFIX) -> str:
    """The funder's registered 360Giving prefix, or the configured default when it has none."""
    prefix = (funder.identifier_prefix or "").strip()
    return prefix if prefix.upper().startswith("360G-") else default


def recipient_org_id(group: Group, prefix: str) -> str:
    charity = re.sub(r"\s+", "", group.charity_number or "").upper()
    company = re.sub(r"\s+", "", group.company_number or "").upper()
    if charity.startswith("SC"):
        return f"GB-SC-{charity}"
    if charity.startswith("NI"):
        return f"GB-NIC-{charity.removeprefix('NIC').removeprefix('NI')}"
    if charity:
        return f"GB-CHC-{charity}"
    if company:
        return f"GB-COH-{company.zfill(8) if company.isdigit() else company}"
    return f"{prefix}-{group.id}"


def pounds(pence: int) -> int | float:
    """360Giving amounts are numbers in pounds: whole pounds stay integers."""
    whole, part = divmod(pence, 100)
    return whole if part == 0 else pence / 100


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat() if moment.tzinfo else moment.date().isoformat()


def _planned_start(award: Award) -> str | None:
    """The first date question the group answered with a real date (when the project starts)."""
    answers = award.application.answers or {}
    for question in award.round.questions:
        if question.type == QuestionType.DATE:
            value = str(answers.get(question.key) or "").strip()
            if _DATE.match(value):
                try:
                    date.fromisoformat(value)
                except ValueError:
                    continue
                return value
    return None


def _location(area: FundArea | None) -> list[dict]:
    if area is None:
        return []
    location = {"name": area.name, "countryCode": "GB"}
    if area.code:
        location["geoCode"] = area.code
        kind = _GEO_CODE_TYPES.get(area.code[:3].upper())
        if kind:
            location["geoCodeType"] = kind
    return [location]


def _description(award: Award) -> str:
    application = award.application
    parts = [f"{application.title or application.reference}: a grant to {application.group.name}"
             f" from {award.fund.name}, {award.round.title}."]
    if application.theme:
        parts.append(f"Theme: {application.theme}.")
    if application.area is not None:
        parts.append(f"Area: {application.area.name}.")
    return " ".join(parts)


def grant_record(award: Award, *, default_prefix: str = DEFAULT_PREFIX, base_url: str = "",
                 paid_pence: int | None = None) -> dict:
    """One award as a 360Giving grant."""
    application, group, round_ = award.application, award.application.group, award.round
    funder = award.fund.funder
    prefix = funder_prefix(funder, default_prefix)
    round_url = f"{base_url.rstrip('/')}/grants/rounds/{round_.slug}" if base_url else None
    recipient = {"id": recipient_org_id(group, prefix), "name": group.name}
    if group.postcode:
        recipient["postalCode"] = group.postcode
    if group.charity_number:
        recipient["charityNumber"] = group.charity_number
    if group.company_number:
        recipient["companyNumber"] = group.company_number
    programme = {"code": round_.slug, "title": round_.title}
    if round_url:
        programme["url"] = round_url
    grant = {
        "id": f"{prefix}-{application.reference or award.id}",
        "title": application.title or application.reference or f"Grant {award.id}",
        "description": _description(award),
        "currency": "GBP",
        "amountAwarded": pounds(award.amount_pence),
        "awardDate": _day(award.decided_at),
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": funder.org_id, "name": funder.name}],
        "grantProgramme": [programme],
        # Every Commonpot grant comes from a round anyone eligible could apply to.
        "fromOpenCall": "Yes",
        "dateModified": _timestamp(max(award.decided_at, award.released_at or award.decided_at)),
    }
    if application.requested_amount_pence is not None:
        grant["amountAppliedFor"] = pounds(application.requested_amount_pence)
    if paid_pence is not None:
        grant["amountDisbursed"] = pounds(paid_pence)
    start = _planned_start(award)
    if start:
        grant["plannedDates"] = [{"startDate": start}]
    location = _location(application.area)
    if location:
        grant["beneficiaryLocation"] = location
    if round_url:
        grant["url"] = round_url
    return grant


def grant_records(session: Session, awards: Iterable[Award], *, default_prefix: str = DEFAULT_PREFIX,
                  base_url: str = "") -> list[dict]:
    awards = list(awards)
    paid = money_figures.award_paid(session, [a.id for a in awards])
    return [grant_record(a, default_prefix=default_prefix, base_url=base_url,
                         paid_pence=None if paid is None else paid.get(a.id, 0))
            for a in awards]


def options_from_config(config) -> dict:
    """package() keyword arguments from the app's configuration (a mapping)."""
    return {"default_prefix": config.get("OPEN_DATA_360G_PREFIX") or DEFAULT_PREFIX,
            "license_url": config.get("OPEN_DATA_LICENSE") or DEFAULT_LICENSE,
            "publisher_name": config.get("OPEN_DATA_PUBLISHER") or "Commonpot",
            "base_url": config.get("PUBLIC_BASE_URL") or ""}


def package(session: Session, *, default_prefix: str = DEFAULT_PREFIX, base_url: str = "",
            license_url: str = DEFAULT_LICENSE, publisher_name: str = "Commonpot",
            now: datetime | None = None, awards: Iterable[Award] | None = None) -> dict:
    """The 360Giving package of every public award (or of `awards`)."""
    now = now or datetime.now(UTC)
    awards = public_awards.all_public_awards(session) if awards is None else list(awards)
    result = {
        "version": SCHEMA_VERSION,
        "title": f"Grants awarded through {publisher_name}",
        "description": "Every grant awarded and published through Commonpot, in the 360Giving "
                       "Data Standard.",
        "issued": _timestamp(now),
        "modified": _timestamp(now),
        "publisher": {"name": publisher_name},
        "license": license_url,
        "grants": grant_records(session, awards, default_prefix=default_prefix, base_url=base_url),
    }
    if base_url:
        result["accessURL"] = f"{base_url.rstrip('/')}/open-data"
        result["downloadURL"] = f"{base_url.rstrip('/')}/open-data/360giving.json"
    return result


# (JSON path inside a grant, the standard's column title). Lists take their first item, as
# the standard's one-row-per-grant templates do for these fields.
CSV_COLUMNS: list[tuple[tuple, str]] = [
    (("id",), "Identifier"),
    (("title",), "Title"),
    (("description",), "Description"),
    (("currency",), "Currency"),
    (("amountAppliedFor",), "Amount Applied For"),
    (("amountAwarded",), "Amount Awarded"),
    (("amountDisbursed",), "Amount Disbursed"),
    (("awardDate",), "Award Date"),
    (("plannedDates", 0, "startDate"), "Planned Dates:Start Date"),
    (("plannedDates", 0, "endDate"), "Planned Dates:End Date"),
    (("recipientOrganization", 0, "id"), "Recipient Org:Identifier"),
    (("recipientOrganization", 0, "name"), "Recipient Org:Name"),
    (("recipientOrganization", 0, "charityNumber"), "Recipient Org:Charity Number"),
    (("recipientOrganization", 0, "companyNumber"), "Recipient Org:Company Number"),
    (("recipientOrganization", 0, "postalCode"), "Recipient Org:Postal Code"),
    (("beneficiaryLocation", 0, "name"), "Beneficiary Location:Name"),
    (("beneficiaryLocation", 0, "countryCode"), "Beneficiary Location:Country Code"),
    (("beneficiaryLocation", 0, "geoCode"), "Beneficiary Location:Geographic Code"),
    (("beneficiaryLocation", 0, "geoCodeType"), "Beneficiary Location:Geographic Code Type"),
    (("fundingOrganization", 0, "id"), "Funding Org:Identifier"),
    (("fundingOrganization", 0, "name"), "Funding Org:Name"),
    (("grantProgramme", 0, "code"), "Grant Programme:Code"),
    (("grantProgramme", 0, "title"), "Grant Programme:Title"),
    (("grantProgramme", 0, "url"), "Grant Programme:URL"),
    (("fromOpenCall",), "From An Open Call?"),
    (("url",), "URL"),
    (("dateModified",), "Last Modified"),
]


def _pick(grant: dict, path: tuple):
    value = grant
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return ""
    return value


def package_csv(grants: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _path, title in CSV_COLUMNS])
    for grant in grants:
        writer.writerow([safe_cell(_pick(grant, path)) for path, _title in CSV_COLUMNS])
    return out.getvalue()
