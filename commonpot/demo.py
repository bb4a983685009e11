"""Demo data: a realistic small town's fund, groups and people, one login per role.

Each domain adds its own part through DEMO_SEEDERS; every seeder checks before it adds, so
running the demo twice adds nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.accounts import operations as accounts
from commonpot.accounts.models import User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only, printed on start

# (role shown to the person starting the demo, email)
DEMO_LOGINS = [
    ("Platform admin", "admin@demo.commonpot.org"),
    ("Fund manager", "manager@demo.commonpot.org"),
    ("Panel member (chair)", "chair@demo.commonpot.org"),
    ("Panel member (resident)", "panel@demo.commonpot.org"),
    ("Group admin", "group@demo.commonpot.org"),
    ("Group member", "member@demo.commonpot.org"),
    ("Resident", "resident@demo.commonpot.org"),
    ("Steward (paper ballots)", "steward@demo.commonpot.org"),
]

_NAMES = {
    "admin@demo.commonpot.org": "Ada Admin",
    "manager@demo.commonpot.org": "Maya Patel",
    "chair@demo.commonpot.org": "Chris Okafor",
    "panel@demo.commonpot.org": "Pat Reynolds",
    "group@demo.commonpot.org": "Gwen Hughes",
    "member@demo.commonpot.org": "Sam Ali",
    "resident@demo.commonpot.org": "Rosa Martins",
    "steward@demo.commonpot.org": "Stella Byrne",
}


def demo_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.register(session, email=email, display_name=_NAMES.get(email, email),
                                 password=DEMO_PASSWORD)
        accounts.verify_email(session, user)
    return user


def seed_people(session: Session) -> bool:
    """Users for every role, a funder with one fund, and one community group."""
    from grants.models import Fund, Funder, Group, GroupMembership

    if session.scalar(select(User).where(User.email == DEMO_LOGINS[0][1])):
        return False
    users = {email: demo_user(session, email) for _, email in DEMO_LOGINS}
    accounts.set_admin(session, "system", users["admin@demo.commonpot.org"], True)
    accounts.set_steward(session, "system", users["steward@demo.commonpot.org"], True)

    funder = session.scalar(select(Funder).where(Funder.identifier_prefix == "360G-rivertown"))
    if funder is None:
        funder = Funder(name="Rivertown Community Foundation", identifier_prefix="360G-rivertown",
                        org_id="GB-CHC-1099999")
        session.add(funder)
        session.flush()
    fund = session.scalar(select(Fund).where(Fund.slug == "rivertown-neighbourhood-fund"))
    if fund is None:
        fund = Fund(funder_id=funder.id, name="Rivertown Neighbourhood Fund",
                    slug="rivertown-neighbourhood-fund", budget_pence=5_000_000)
        session.add(fund)
        session.flush()
    accounts.grant_fund_role(session, "system", users["manager@demo.commonpot.org"], fund.id,
                             "fund_manager")
    for email in ("chair@demo.commonpot.org", "panel@demo.commonpot.org"):
        accounts.grant_fund_role(session, "system", users[email], fund.id, "panel_member")

    group = session.scalar(select(Group).where(Group.slug == "riverside-gardeners"))
    if group is None:
        group = Group(name="Riverside Gardeners", slug="riverside-gardeners")
        session.add(group)
        session.flush()
        session.add_all([
            GroupMembership(group_id=group.id, user_id=users["group@demo.commonpot.org"].id,
                            role="group_admin"),
            GroupMembership(group_id=group.id, user_id=users["member@demo.commonpot.org"].id,
                            role="member"),
        ])
        session.flush()
    return True


def _seeders():
    """The foundation's people first, then each domain's data."""
    seeders = [seed_people]
    for module_name in ("grants.demo", "grants.panels.demo", "voting.demo", "payments.demo"):
        try:
            module = __import__(module_name, fromlist=["seed"])
        except ImportError:
            continue
        seed = getattr(module, "seed", None)
        if seed is not None:
            seeders.append(seed)
    return seeders


def seed_demo(session: Session) -> bool:
    created = False
    for seed in _seeders():
        created = bool(seed(session)) or created
    return created
