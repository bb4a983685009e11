"""Who may reach each grants route."""


from commonpot.accounts.models import User
from tests.access import ANY_MANAGER, EVERYONE, MANAGERS, SIGNED_IN, Rule, both

# Any member of the applying group works on its applications; only its admins edit the group.
MEMBER = frozenset({"group_member", "plain_member"})
APPLICATION_READERS = MEMBER | {"fund_manager", "admin"}
# Fund managers (of any fund) read groups' profiles to screen them.
# The other fund's manager: the group never applied to their fund (grants.view_group).
GROUP_READERS = MEMBER | {"fund_manager", "admin"}
GROUP_ADMINS = frozenset({"group_member", "admin"})

PDF = b"%PDF-1.4 access test"


def build(session, world):
    from sqlalchemy import select

    from grants import operations, uploads
    from grants.models import Fund, Group, GroupMembership
    from tests.grants.factories import complete_answers, create_round

    fund = session.get(Fund, world["fund_id"])
    group = session.get(Group, world["group_id"])
    member = session.get(User, world["users"]["group_member"])
    operations.update_group(session, "system", group, operations.GroupProfile(
        name=group.name, org_type="unincorporated", postcode="RT1 4AB", contact_name="M",
        contact_email=member.email))
    round_ = create_round(session, fund, slug="access-round", max_per_group=3)
    application = operations.start_application(session, member, round_, group)
    complete_answers(session, application, member.id)
    attachment = uploads.store_attachment(session, member, application, file_name="a.pdf",
                                          data=PDF, question_key="accounts")
    removable = uploads.store_attachment(session, member, application, file_name="b.pdf",
                                         data=PDF, question_key=None)
    to_withdraw = operations.start_application(session, member, round_, group)
    # Removing the group's only admin is refused, so the walk changes no one's membership.
    only_admin = session.scalar(select(GroupMembership.id).where(
        GroupMembership.group_id == group.id, GroupMembership.user_id == member.id))
    world.update(round_slug=round_.slug, application_id=application.id,
                 attachment_id=attachment.id, removable_id=removable.id,
                 withdraw_id=to_withdraw.id, only_admin_membership=only_admin)


def _app(path):
    return lambda w: f"/grants/applications/{w['application_id']}{path}"


def _round(path):
    return lambda w: f"/grants/rounds/{w['round_slug']}{path}"


def _fund(path):
    return lambda w: f"/grants/funds/{w['fund_id']}{path}"


def _scored(path):
    """A criterion or question of the panels' round, where reviewers have scored: changing
    it is refused (409), so the walk leaves the round as it found it."""
    return lambda w: path.format(**w["panels"])


EXPECT = {
    "grants.show_round": Rule(_round(""), EVERYONE),
    "grants.show_round_statistics": Rule(_round("/statistics"), EVERYONE),
    "grants.list_groups": Rule("/grants/groups", SIGNED_IN),
    "grants.create_group": both(Rule("/grants/groups/new", SIGNED_IN)),
    "grants.show_group": Rule(lambda w: f"/grants/groups/{w['group_id']}", GROUP_READERS),
    "grants.edit_group": both(Rule(lambda w: f"/grants/groups/{w['group_id']}/edit", GROUP_ADMINS)),
    "grants.invite_member": Rule(lambda w: f"/grants/groups/{w['group_id']}/invitations",
                                 GROUP_ADMINS, method="POST"),
    "grants.accept_invitation": both(Rule("/grants/invitations/not-a-token", SIGNED_IN)),
    "grants.start_application": Rule(_round("/apply"), SIGNED_IN, method="POST"),
    "grants.show_application": Rule(_app(""), APPLICATION_READERS),
    "grants.edit_application_step": both(Rule(_app("/steps/project"), MEMBER)),
    "grants.check_application": Rule(_app("/check"), MEMBER),
    "grants.submit_application": Rule(_app("/submit"), MEMBER, method="POST"),
    "grants.withdraw_application": both(Rule(
        lambda w: f"/grants/applications/{w['withdraw_id']}/withdraw", MEMBER)),
    "grants.remove_member": both(Rule(
        lambda w: f"/grants/groups/{w['group_id']}/members/{w['only_admin_membership']}/remove",
        GROUP_ADMINS)),
    "grants.download_attachment": Rule(lambda w: f"/grants/attachments/{w['attachment_id']}",
                                       APPLICATION_READERS, refused_also=(404,)),
    "grants.remove_attachment": Rule(
        lambda w: f"/grants/attachments/{w['removable_id']}/remove", MEMBER, method="POST"),
    "grants.manage_funds": Rule("/grants/manage", ANY_MANAGER),
    "grants.manage_fund": Rule(_fund(""), MANAGERS),
    "grants.update_fund_themes": Rule(_fund("/themes"), MANAGERS, method="POST"),
    "grants.import_areas": Rule(_fund("/areas"), MANAGERS, method="POST"),
    "grants.create_round": both(Rule(_fund("/rounds/new"), MANAGERS)),
    "grants.edit_round": both(Rule(_round("/edit"), MANAGERS)),
    "grants.manage_round": Rule(_round("/manage"), MANAGERS),
    "grants.manage_round_criteria": Rule(_round("/manage/criteria"), MANAGERS),
    "grants.manage_round_questions": Rule(_round("/manage/questions"), MANAGERS),
    "grants.manage_round_applications": Rule(_round("/manage/applications"), MANAGERS),
    # The access round is open: scheduling and unscheduling are refused (409) for managers.
    "grants.schedule_round": Rule(_round("/schedule"), MANAGERS, method="POST"),
    "grants.unschedule_round": Rule(_round("/unschedule"), MANAGERS, method="POST"),
    "grants.edit_criterion": both(Rule(_scored("/grants/criteria/{criterion}/edit"), MANAGERS),
                                  data={"name": "Need", "weight": "2"}),
    "grants.move_criterion": Rule(_scored("/grants/criteria/{criterion}/move"), MANAGERS,
                                  method="POST", data={"direction": "down"}),
    "grants.delete_criterion": both(Rule(_scored("/grants/criteria/{criterion}/delete"), MANAGERS)),
    "grants.edit_question": both(Rule(_scored("/grants/questions/{question}/edit"), MANAGERS),
                                 data={"type": "short_text", "label": "Changed", "step": "1"}),
    "grants.move_question": Rule(_scored("/grants/questions/{question}/move"), MANAGERS,
                                 method="POST", data={"direction": "down"}),
    "grants.delete_question": both(Rule(_scored("/grants/questions/{question}/delete"), MANAGERS)),
    "grants.change_round_phase": Rule(_round("/phase"), MANAGERS, method="POST"),
    "grants.add_criterion": Rule(_round("/criteria"), MANAGERS, method="POST"),
    "grants.add_question": Rule(_round("/questions"), MANAGERS, method="POST"),
    "grants.copy_questions": Rule(_round("/questions/copy"), MANAGERS, method="POST"),
    "grants.screen_application": both(Rule(_app("/screening"), MANAGERS)),
    "grants.export_applications": Rule(_round("/export/applications.csv"), MANAGERS),
    "grants.export_budgets": Rule(_round("/export/budgets.xlsx"), MANAGERS),
}
