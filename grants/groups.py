"""Community groups: profiles, payment readiness, invitations and membership.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.i18n import _, current_language
from commonpot.mail import send_email
from grants import eligibility
from grants.errors import GrantsError
from grants.models import (
    Group,
    GroupInvitation,
    GroupMembership,
    OrgType,
)
from grants.states import GroupRole
from grants.words import in_language, language_of

INVITATION_LIFETIME = timedelta(days=7)

# --- groups -------------------------------------------------------------------------------

def _unique_group_slug(session: Session, name: str) -> str:
    base = "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())[:60] or "group"
    slug, n = base, 2
    while session.scalar(select(Group.id).where(Group.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass
class GroupProfile:
    name: str
    org_type: str
    postcode: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    charity_number: str = ""
    company_number: str = ""
    description: str = ""


def _apply_profile(session: Session, group: Group, profile: GroupProfile, prefix: str) -> None:
    if not postcodes.is_postcode(profile.postcode):
        raise GrantsError(_("Enter a full UK postcode, like RT1 4AB."), "postcode")
    org_type = OrgType(profile.org_type)
    if org_type == OrgType.CHARITY and not profile.charity_number.strip():
        raise GrantsError(_("Enter the charity number of a registered charity."), "charity_number")
    if org_type in (OrgType.CIC, OrgType.CLG) and not profile.company_number.strip():
        raise GrantsError(_("Enter the company number from Companies House."), "company_number")
    group.name = profile.name.strip()
    group.org_type = org_type
    group.postcode = postcodes.display(profile.postcode)
    group.contact_name = profile.contact_name.strip()
    group.contact_email = profile.contact_email.strip()
    group.contact_phone = profile.contact_phone.strip() or None
    group.charity_number = profile.charity_number.strip() or None
    group.company_number = profile.company_number.strip() or None
    group.description = profile.description.strip()
    org_id = eligibility.org_id_for(org_type, group.charity_number, group.company_number, prefix,
                                    group.slug)
    clash = session.scalar(select(Group.id).where(Group.org_id == org_id, Group.id != group.id))
    if clash is not None:
        raise GrantsError(_("Another group is already registered with that number."),
                          "charity_number" if group.charity_number else "company_number")
    group.org_id = org_id


def default_org_prefix(session: Session) -> str:
    from grants.models import Funder

    return session.scalar(select(Funder.identifier_prefix).order_by(Funder.id).limit(1)) \
        or "360G-commonpot"


def create_group(session: Session, user, profile: GroupProfile) -> Group:
    group = Group(name=profile.name.strip(), slug=_unique_group_slug(session, profile.name))
    _apply_profile(session, group, profile, default_org_prefix(session))
    session.add(group)
    session.flush()
    session.add(GroupMembership(group_id=group.id, user_id=user.id, role=GroupRole.GROUP_ADMIN))
    session.flush()
    record(session, user, "grants.group_created", "group", group.id,
           {"name": group.name, "org_type": group.org_type.value, "org_id": group.org_id})
    return group


def update_group(session: Session, actor, group: Group, profile: GroupProfile) -> None:
    _apply_profile(session, group, profile, default_org_prefix(session))
    session.flush()
    record(session, actor, "grants.group_updated", "group", group.id,
           {"org_type": group.org_type.value, "org_id": group.org_id})


def set_payment_ready(session: Session, actor, group: Group, ready: bool) -> None:
    """Called by payments once bank details are verified (or withdrawn)."""
    group.payment_ready = ready
    session.flush()
    record(session, actor, "grants.group_payment_ready", "group", group.id, {"ready": ready})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(session: Session, actor, group: Group, email: str, role: str,
                  accept_url_for) -> GroupInvitation:
    """Create an invitation and email its link; `accept_url_for(token)` builds the link."""
    email = email.strip().lower()
    if role not in set(GroupRole):
        raise GrantsError(_("Choose a role."), "role")
    token = secrets.token_urlsafe(32)
    invitation = GroupInvitation(group_id=group.id, email=email, role=role,
                                 token_hash=_token_hash(token), invited_by_id=actor.id,
                                 expires_at=utcnow() + INVITATION_LIFETIME)
    session.add(invitation)
    session.flush()
    # In the invitee's language if they have an account, else in the inviter's.
    with in_language(language_of(session, email, fallback=current_language())):
        send_email(session, email,
                   _("You are invited to join %(group)s on Commonpot", group=group.name),
                   _("Hello,\n\n%(inviter)s has invited you to join %(group)s on Commonpot, to "
                     "work on grant applications together.\n\nAccept the invitation:\n\n%(link)s"
                     "\n\nThe link works for 7 days.\n", inviter=actor.display_name,
                     group=group.name, link=accept_url_for(token)))
    record(session, actor, "grants.group_invitation_sent", "group", group.id,
           {"invitation_id": invitation.id, "role": role})
    return invitation


def find_invitation(session: Session, token: str) -> GroupInvitation | None:
    return session.scalar(select(GroupInvitation).where(
        GroupInvitation.token_hash == _token_hash(token)))


def accept_invitation(session: Session, user, token: str) -> Group:
    invitation = find_invitation(session, token)
    if invitation is None or invitation.revoked_at is not None:
        raise GrantsError(_("This invitation link is not valid. Ask the group for a new one."))
    if invitation.accepted_at is not None:
        raise GrantsError(_("This invitation has already been used."))
    if invitation.expires_at <= utcnow():
        raise GrantsError(_("This invitation has expired. Ask the group to invite you again."))
    if invitation.email != user.email.lower():
        raise GrantsError(_("This invitation was sent to a different email address. Sign in with that "
                            "address to accept it."))
    existing = session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == invitation.group_id, GroupMembership.user_id == user.id))
    if existing is None:
        session.add(GroupMembership(group_id=invitation.group_id, user_id=user.id,
                                    role=invitation.role))
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    session.flush()
    record(session, user, "grants.group_invitation_accepted", "group", invitation.group_id,
           {"invitation_id": invitation.id, "role": invitation.role})
    return invitation.group




def remove_member(session: Session, actor, membership: GroupMembership) -> None:
    """A group admin takes someone out of the group. The group always keeps an admin."""
    group = membership.group
    if membership.role == GroupRole.GROUP_ADMIN:
        admins = session.scalar(select(func.count(GroupMembership.id)).where(
            GroupMembership.group_id == group.id, GroupMembership.role == GroupRole.GROUP_ADMIN))
        if admins <= 1:
            raise GrantsError(_("%(person)s is %(group)s’s only group admin. Invite someone else "
                                "as a group admin first.", person=membership.user.display_name,
                                group=group.name))
    details = {"user_id": membership.user_id, "role": GroupRole(membership.role).value}
    session.delete(membership)
    session.flush()
    record(session, actor, "grants.group_member_removed", "group", group.id, details)
