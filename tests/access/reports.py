"""Who may reach the end-of-grant report, impact and delivery routes."""

from datetime import date

from commonpot.accounts.models import User
from tests.access import EVERYONE, MANAGERS, Rule, both

MEMBER = frozenset({"group_member", "plain_member"})
READERS = MEMBER | {"fund_manager", "admin"}
PNG = b"\x89PNG\r\n\x1a\n access test"


def build(session, world):
    from commonpot.accounts import operations as accounts
    from commonpot.db import utcnow
    from grants import operations
    from grants.models import Group
    from grants.reports import operations as reports
    from grants.uploads import upload_folder
    from tests.grants.factories import create_fund
    from tests.reports.factories import entry, funded_round
    from tests.voting.factories import ADULT_BIRTHDAY, NORTH_POSTCODE, count_now, create_round
    from voting import delivery
    from voting import operations as voting
    from voting.states import RoundState

    fund = create_fund(session, slug="test-fund")
    group = session.get(Group, world["group_id"])
    member = session.get(User, world["users"]["group_member"])
    manager = session.get(User, world["users"]["fund_manager"])
    operations.update_group(session, "system", group, operations.GroupProfile(
        name=group.name, org_type="unincorporated", postcode="RT1 4AB", contact_name="M",
        contact_email=member.email))
    round_, (editable_award, submitted_award) = funded_round(
        session, fund, manager.id, [entry(member.id, group, "Editable"),
                                    entry(member.id, group, "Submitted")],
        slug="reports-access-round")
    now = utcnow()
    editable = reports.schedule_report(session, manager, editable_award, date(2026, 1, 1), now=now)
    photo = reports.add_photo(session, member, editable, file_name="p.png", data=PNG,
                              caption="", consent=True)
    removable = reports.add_photo(session, member, editable, file_name="q.png", data=PNG,
                                  caption="", consent=True)
    submitted = reports.schedule_report(session, manager, submitted_award, date(2026, 1, 1), now=now)
    reports.save_report(session, member, submitted, reports.ReportContent(
        what_happened="x", learned="y",
        spending={line.id: "1" for line in submitted_award.application.budget_lines},
        participation={("Dance", "19 to 64"): "5"}))
    reports.submit_report(session, member, submitted, now=now)

    voting_round = create_round(session, fund_id=fund.id, state=RoundState.VOTING, area_wide=False,
                                title="Delivery access round")
    voter = accounts.register(session, email="delivery-voter@example.org", display_name="Voter",
                              password="correct-horse-battery")
    accounts.verify_email(session, voter)
    voting.set_resident_details(session, voter, postcode=NORTH_POSTCODE, date_of_birth=ADULT_BIRTHDAY)
    home = voting.online_district(session, voting_round, voter)
    winner = next(p for p in voting_round.proposals if p.district_id == home.id)
    voting.cast_online(session, voter, voting_round, {home.id: {winner.id: 1}})
    voting.transition(session, "system", voting_round, RoundState.COUNTING)
    count_now(session, voting_round)
    voting.transition(session, "system", voting_round, RoundState.PUBLISHED)
    milestone = delivery.add_milestone(session, manager, winner, title="Started",
                                       happened_on=date(2026, 11, 1), photo=("m.png", PNG),
                                       photo_consent=True, folder=upload_folder())
    world.update(editable_report=editable.id, submitted_report=submitted.id, photo_id=photo.id,
                 removable_photo_id=removable.id, reports_round=round_.slug, reports_award=editable_award.id,
                 area_id=fund.areas[0].id, winner_id=winner.id, milestone_id=milestone.id)


def _report(key, path=""):
    return lambda w: f"/grants/reports/{w[key]}{path}"


def _winner(path=""):
    return lambda w: f"/vote/proposals/{w['winner_id']}/delivery{path}"


EXPECT = {
    # Managers read a report; only the group's members change it.
    "reports.edit_report": both(Rule(_report("editable_report"), READERS), allowed=MEMBER),
    "reports.submit_report": Rule(_report("editable_report", "/submit"), MEMBER, method="POST"),
    "reports.add_photo": Rule(_report("editable_report", "/photos"), MEMBER, method="POST"),
    "reports.show_photo": Rule(lambda w: f"/grants/reports/{w['editable_report']}/photos/{w['photo_id']}",
                               READERS),
    # The first member in the walk (the group's admin) removes this photo; after that it is
    # gone for everyone (404), so the plain member, who may also remove photos, meets a 404.
    "reports.remove_photo": Rule(
        lambda w: f"/grants/reports/{w['editable_report']}/photos/{w['removable_photo_id']}/remove",
        frozenset({"group_member"}), method="POST", refused_also=(404,)),
    "reports.accept_report": Rule(_report("submitted_report", "/accept"), MANAGERS, method="POST"),
    "reports.request_changes": Rule(_report("submitted_report", "/changes"), MANAGERS, method="POST"),
    "reports.round_reports": Rule(lambda w: f"/grants/rounds/{w['reports_round']}/reports", MANAGERS),
    "reports.schedule_report": Rule(lambda w: f"/grants/awards/{w['reports_award']}/report", MANAGERS,
                                    method="POST"),
    "reports.group_impact_csv": Rule(lambda w: f"/grants/groups/{w['group_id']}/impact.csv",
                                     READERS),
    "reports.fund_impact": Rule("/impact/test-fund", EVERYONE),
    "reports.fund_impact_csv": Rule("/impact/test-fund/impact.csv", EVERYONE),
    "reports.area_impact": Rule(lambda w: f"/impact/test-fund/areas/{w['area_id']}", EVERYONE),
    "delivery.show_delivery": Rule(_winner(), EVERYONE),
    "delivery.update_delivery": Rule(_winner(), MANAGERS, method="POST"),
    "delivery.add_milestone": Rule(_winner("/milestones"), MANAGERS, method="POST"),
    "delivery.post_update": Rule(_winner("/updates"), MANAGERS, method="POST"),
    "delivery.milestone_photo": Rule(lambda w: f"/vote/proposals/{w['winner_id']}/delivery/milestones/"
                                               f"{w['milestone_id']}/photo", EVERYONE),
}
