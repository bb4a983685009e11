"""360Giving: the export validates against the official schema (offline), from the demo
data and from a generated 1,000-grant data set; the CSV uses the standard's titles."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from grants.models import Application, Award, Criterion, Fund, Funder, Group, Round
from grants.states import ApplicationStatus, RoundPhase
from tests.helpers import run_cli
from tests.open.conftest import assert_valid, load_schemas, validators


def add_generated_awards(session, count: int, *, start: int = 0) -> None:
    """`count` released awards across four funds and many groups, rows put straight into
    their decided state (the operations that make them are tested elsewhere)."""
    from commonpot.accounts.models import User

    creator = session.scalars(select(User)).first()
    if creator is None:
        from commonpot.accounts import operations

        creator = operations.register(session, email="generator@example.org", password="x" * 20,
                                      display_name="Generator")
    now = datetime.now(UTC)
    funds = []
    for n in range(4):
        funder = Funder(name=f"Generated Trust {start}-{n}", identifier_prefix=f"360G-gen{start}x{n}",
                        org_id=f"GB-CHC-8{start:03d}{n:03d}")
        session.add(funder)
        session.flush()
        fund = Fund(funder_id=funder.id, name=f"Generated fund {start}-{n}", slug=f"gen-{start}-{n}",
                    budget_pence=10**10)
        session.add(fund)
        session.flush()
        round_ = Round(fund_id=fund.id, slug=f"gen-round-{start}-{n}", title=f"Generated round {n}",
                       opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=300),
                       min_grant_pence=0, max_grant_pence=10**8, budget_pence=10**10,
                       phase=RoundPhase.DECIDED)
        session.add(round_)
        session.flush()
        session.add(Criterion(round_id=round_.id, name="Need", weight=1))
        funds.append((fund, round_))
    for i in range(count):
        fund, round_ = funds[i % 4]
        kind = i % 3
        group = Group(name=f"Group {start}-{i} & Friends \"Ltd\"", slug=f"gen-group-{start}-{i}",
                      postcode="RT1 4AB", charity_number=f"{1100000 + i}" if kind == 1 else None,
                      company_number=f"{i:06d}" if kind == 2 else None)
        application = Application(
            round=round_, group=group, created_by_id=creator.id,
            status=ApplicationStatus.AWARDED, title=f"=Project {i} (£{i},{i % 100:02d})",
            requested_amount_pence=100_000 + i * 101, reference=f"GEN-{start}-{i:06d}",
            submitted_at=now - timedelta(days=350), theme="Generated")
        session.add(Award(application=application, round=round_, fund=fund,
                          amount_pence=100_000 + i * 101 - (i % 7), status="accepted",
                          decided_by_id=creator.id, decided_at=now - timedelta(days=200 - i % 100),
                          released_at=now - timedelta(days=199 - i % 100)))
    session.flush()


def _export_json(app, *args) -> dict:
    result = run_cli(app, "export", "360giving", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_demo_data_exports_as_a_valid_360giving_package(app, db_scope):
    package_validator, _grant = validators()
    from commonpot.demo import seed_demo

    with db_scope() as s:
        seed_demo(s)
    package = _export_json(app)
    assert_valid(package_validator, package)
    ids = {g["id"] for g in package["grants"]}
    # Two awards in the decided round, three in the round being monitored (end-of-grant reports).
    assert ids == {f"360G-rivertown-CP-2026-{n:06d}" for n in (1, 3, 9, 10, 11)}
    by_title = {g["title"]: g for g in package["grants"]}
    cafe = by_title["Repair café tool library"]
    assert cafe["recipientOrganization"][0]["id"] == "GB-COH-12345678"
    assert cafe["amountAwarded"] == 1500 and cafe["amountAppliedFor"] == 1700
    gardeners = by_title["Riverside planters"]["recipientOrganization"][0]
    # An unincorporated group without numbers gets an id under the funder's prefix.
    assert gardeners["id"].startswith("360G-rivertown-") and gardeners["name"] == "Riverside Gardeners"
    assert by_title["Riverside planters"]["beneficiaryLocation"][0]["geoCodeType"] == "WD"
    assert by_title["Riverside planters"]["plannedDates"] == [{"startDate": "2027-04-01"}]


def test_a_thousand_generated_grants_validate_and_round_trip_to_csv(app, db_scope, tmp_path):
    package_validator, _grant = validators()
    with db_scope() as s:
        add_generated_awards(s, 1000)
    target = tmp_path / "grants.json"
    result = run_cli(app, "export", "360giving", "--output", str(target))
    assert result.exit_code == 0, result.output
    package = json.loads(target.read_text())
    assert len(package["grants"]) == 1000
    assert_valid(package_validator, package)
    assert len({g["id"] for g in package["grants"]}) == 1000
    charities = [g for g in package["grants"] if g["recipientOrganization"][0]["id"].startswith("GB-CHC-")]
    companies = [g for g in package["grants"] if g["recipientOrganization"][0]["id"].startswith("GB-COH-")]
    assert len(charities) == 333 and len(companies) == 333
    assert all(len(c["recipientOrganization"][0]["id"]) == len("GB-COH-") + 8 for c in companies)
    # Pence survive the trip into pounds exactly.
    total_pence = sum(round(g["amountAwarded"] * 100) for g in package["grants"])
    with db_scope() as s:
        from sqlalchemy import func

        assert total_pence == s.scalar(select(func.sum(Award.amount_pence)))

    result = run_cli(app, "export", "360giving", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 1000
    first = next(r for r in rows if r["Identifier"] == package["grants"][0]["id"])
    # A typed title that would start a spreadsheet formula is neutralised.
    assert first["Title"].startswith("'=Project")


def test_an_invalid_grant_fails_the_validation(app, db_scope):
    """The check is real: a record missing what the standard requires is refused."""
    package_validator, _grant = validators()
    with db_scope() as s:
        add_generated_awards(s, 2)
    package = _export_json(app)
    del package["grants"][0]["fundingOrganization"]
    package["grants"][1]["awardDate"] = "1 March 2026"
    assert len(list(package_validator.iter_errors(package))) == 2


def _titles(schema: dict, defs: dict, prefix: str = "") -> set[str]:
    """Every column title the standard's flattened templates use: parent title, a colon,
    then the child's title, for the fields the schema rolls up into one row."""
    titles = set()
    for spec in schema["properties"].values():
        if "$ref" in spec:
            spec = {**defs[spec["$ref"].rsplit("/", 1)[-1]], **spec}
        title = spec.get("title")
        items = spec.get("items", {})
        if "$ref" in items and spec.get("rollUp"):
            child = defs[items["$ref"].rsplit("/", 1)[-1]]
            for field in spec["rollUp"]:
                if field in child["properties"]:
                    titles.add(f"{title}:{child['properties'][field]['title']}")
        elif title:
            titles.add(prefix + title)
    return titles


def test_the_csv_uses_the_standards_column_titles(app, db_scope):
    grant, _package = load_schemas()
    with db_scope() as s:
        add_generated_awards(s, 3)
    result = run_cli(app, "export", "360giving", "--format", "csv")
    header = next(csv.reader(io.StringIO(result.output)))
    known = _titles(grant, grant["$defs"])
    assert {"Identifier", "Amount Awarded", "Recipient Org:Identifier", "Funding Org:Name",
            "Planned Dates:Start Date", "Beneficiary Location:Geographic Code"} <= known
    assert [h for h in header if h not in known] == []
    assert header[:3] == ["Identifier", "Title", "Description"]


def test_the_public_download_matches_the_command(client, app, db_scope):
    with db_scope() as s:
        add_generated_awards(s, 5)
    download = client.get("/open-data/360giving.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert [g["id"] for g in download.get_json()["grants"]] == \
        [g["id"] for g in _export_json(app)["grants"]]
    csv_download = client.get("/open-data/360giving.csv")
    assert csv_download.data.decode().startswith("Identifier,Title,Description,Currency")
    assert client.get("/open-data/360giving.xml").status_code == 404


def test_the_funders_prefix_falls_back_to_the_configured_one(app, db_scope):
    with db_scope() as s:
        add_generated_awards(s, 1)
        funder = s.scalars(select(Funder)).first()
        funder.identifier_prefix = "not-registered"
    app.config["OPEN_DATA_360G_PREFIX"] = "360G-configured"
    grants = _export_json(app)["grants"]
    assert grants[0]["id"].startswith("360G-configured-")
