from pathlib import Path

from flask import current_app

from tests.access import EVERYONE, MANAGERS, Rule, both

PANEL = frozenset({"panel_member"})
DECISION_READERS = frozenset({"group_member", "plain_member", "fund_manager", "admin"})
# Everyone who may sit on some panel sees their own (possibly empty) list of reviews.
ANY_PANEL = frozenset({"panel_member", "fund_manager", "other_manager", "admin"})


def build(session, world):
    """A round in scoring on the world fund; the world's panel member sits on its panel,
    is assigned the world group's application, has declared no conflict and submitted."""
    from commonpot.accounts import operations as accounts
    from grants.models import Attachment, Fund
    from grants.panels import operations
    from tests.panels import factories as f

    spare = accounts.register(session, email="spare@example.org", display_name="Spare", password="x" * 12)
    extra = accounts.register(session, email="extra@example.org", display_name="Extra", password="x" * 12)
    round_ = f.create_round(session, session.get(Fund, world["fund_id"]))
    group = session.get(f.Group, world["group_id"])
    application = f.create_application(session, round_, group, creator_id=world["users"]["group_member"])
    panel = operations.configure_panel(session, "system", round_)
    operations.add_member(session, "system", panel, f.user(session, world["users"]["panel_member"]),
                          role="member")
    operations.add_member(session, "system", panel, spare, role="member")
    operations.reassign(session, "system", panel, application, from_user_id=None,
                        to_user_id=world["users"]["panel_member"])
    review = f.score(session, world["users"]["panel_member"], application, [3, 4])
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "access0001.txt").write_text("plan")
    attachment = Attachment(application_id=application.id, original_name="plan.txt",
                            stored_name="access0001.txt", content_type="text/plain", size_bytes=4,
                            sha256="0" * 64, uploaded_by_id=world["users"]["group_member"])
    session.add(attachment)
    session.flush()
    world["panels"] = {"round": round_.id, "application": application.id, "review": review.id,
                       "attachment": attachment.id, "spare": spare.id, "extra_email": extra.email,
                       "spare_member": operations.membership(session, panel, spare.id).id,
                       "criterion": round_.criteria[0].id, "question": round_.questions[0].id}


def _r(path):
    return lambda w: path.format(**w["panels"])


EXPECT = {
    "panels.show_panel": Rule(_r("/panels/rounds/{round}"), EVERYONE),
    "panels.manage_panel": Rule(_r("/panels/rounds/{round}/manage"), MANAGERS),
    "panels.edit_panel": both(Rule(_r("/panels/rounds/{round}/settings"), MANAGERS)),
    "panels.add_member": Rule(_r("/panels/rounds/{round}/members"), MANAGERS, method="POST",
                              data=lambda w: {"email": w["panels"]["extra_email"], "role": "member"}),
    "panels.remove_member": Rule(_r("/panels/rounds/{round}/members/remove"), MANAGERS, method="POST",
                                 data=lambda w: {"member_id": w["panels"]["spare_member"]}),
    "panels.assign_reviewers": Rule(_r("/panels/rounds/{round}/assignments"), MANAGERS, method="POST"),
    "panels.reassign_review": Rule(
        _r("/panels/rounds/{round}/reassign"), MANAGERS, method="POST",
        data=lambda w: {"application_id": w["panels"]["application"], "from_user_id": 0,
                        "to_user_id": w["panels"]["spare"]}),
    "panels.list_conflicts": Rule(_r("/panels/rounds/{round}/conflicts"), MANAGERS),
    "panels.show_meeting": Rule(_r("/panels/rounds/{round}/meeting"), MANAGERS),
    "panels.export_scores": Rule(_r("/panels/rounds/{round}/scores.csv"), MANAGERS),
    "panels.set_shortlist": Rule(_r("/panels/rounds/{round}/shortlist"), MANAGERS, method="POST"),
    "voting.send_shortlist": Rule(_r("/vote/grant-rounds/{round}/shortlist/send"), MANAGERS, method="POST"),
    "voting.decide_from_vote": Rule(_r("/vote/grant-rounds/{round}/vote-decisions"), MANAGERS, method="POST"),
    # In scoring, release is refused: the GET sends managers back to the meeting with why.
    "panels.release_decisions": both(Rule(_r("/panels/rounds/{round}/release"), MANAGERS)),
    "panels.record_decision": both(Rule(_r("/panels/applications/{application}/decision"), MANAGERS)),
    "panels.reopen_review": Rule(_r("/panels/reviews/{review}/reopen"), MANAGERS, method="POST",
                                 data={"reason": "Checking access"}),
    "panels.list_reviews": Rule("/panels/reviews", ANY_PANEL),
    "panels.declare_conflict": both(Rule(_r("/panels/applications/{application}/declaration"), PANEL)),
    # The panel member declared no conflict: withdrawing is refused (422) but reached.
    "panels.withdraw_conflict": both(Rule(_r("/panels/applications/{application}/declaration/withdraw"),
                                          PANEL), data={"reason": "Checking access"}),
    "panels.show_application": Rule(_r("/panels/applications/{application}"), PANEL),
    "panels.download_attachment": Rule(
        _r("/panels/applications/{application}/attachments/{attachment}"), PANEL),
    "panels.score_application": both(Rule(_r("/panels/applications/{application}/score"), PANEL)),
    "panels.show_pack": Rule(_r("/panels/rounds/{round}/pack"), PANEL),
    "panels.show_decision": Rule(_r("/panels/applications/{application}/outcome"), DECISION_READERS),
}
