"""Community group pages: creating and editing a group, inviting members, accepting an invitation."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    RESIDENT,
    SIGNED_IN,
    access,
)
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.pagination import page_number, paginate
from commonpot.urls import external_url
from grants import forms, operations, queries
from grants import groups as group_operations
from grants.models import (
    Group,
    GroupMembership,
)
from grants.views import _form_errors, bp

# --- groups -------------------------------------------------------------------------------

def _profile(form) -> operations.GroupProfile:
    return operations.GroupProfile(
        name=form.name.data, org_type=form.org_type.data, postcode=form.postcode.data,
        contact_name=form.contact_name.data, contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data or "", charity_number=form.charity_number.data or "",
        company_number=form.company_number.data or "", description=form.description.data or "")


@bp.route("/groups")
@access(SIGNED_IN)
def list_groups():
    groups = paginate(db.session, queries.groups_query(current_user.id), page=page_number("groups"))
    applications = paginate(db.session, queries.applications_for_user_query(current_user.id))
    return render_template("grants/groups.html", groups=groups, applications=applications)


@bp.route("/groups/new", methods=["GET", "POST"])
@access(RESIDENT)
def create_group():
    form = forms.GroupForm()
    if form.validate_on_submit():
        try:
            group = operations.create_group(db.session, current_user, _profile(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash(_("%(group)s is set up. You are its group admin.", group=group.name), "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/group_form.html", form=form, group=None)


@bp.route("/groups/<int:group_id>")
@access(OBJECT_CHECKED)
def show_group(group_id: int):
    group = load_or_404(Group, group_id, "grants.view_group")
    return _group_page(group, forms.InviteForm())


def _group_page(group: Group, invite_form):
    return render_template(
        "grants/group.html", group=group, invite_form=invite_form,
        members=paginate(db.session, queries.group_members_query(group.id), page=page_number("members")),
        applications=paginate(db.session, queries.group_applications_query(group.id)))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_group(group_id: int):
    group = load_or_404(Group, group_id, "grants.manage_group")
    form = forms.GroupForm(obj=group)
    if request.method == "GET":
        form.org_type.data = group.org_type.value
    if form.validate_on_submit():
        try:
            operations.update_group(db.session, current_user, group, _profile(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash(_("The group's details are saved."), "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/group_form.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/invitations", methods=["POST"])
@access(OBJECT_CHECKED)
def invite_member(group_id: int):
    group = load_or_404(Group, group_id, "grants.manage_group")
    form = forms.InviteForm()
    if form.validate_on_submit():
        operations.invite_member(
            db.session, current_user, group, form.email.data, form.role.data,
            lambda token: external_url("grants.accept_invitation", token=token))
        flash(_("Invitation sent to %(email)s. The link works for 7 days.", email=form.email.data),
              "success")
        return redirect(url_for("grants.show_group", group_id=group.id))
    return _group_page(group, form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access(SIGNED_IN)
def accept_invitation(token: str):
    invitation = operations.find_invitation(db.session, token)
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            group = operations.accept_invitation(db.session, current_user, token)
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash(_("You have joined %(group)s.", group=group.name), "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/invitation.html", invitation=invitation, form=form)


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def remove_member(group_id: int, membership_id: int):
    group = load_or_404(Group, group_id, "grants.manage_group")
    membership = load_or_404(GroupMembership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            group_operations.remove_member(db.session, current_user, membership)
        except operations.GrantsError as exc:
            return render_template("grants/refused.html", message=str(exc),
                                   back=url_for("grants.show_group", group_id=group.id)), 409
        flash(_("They are no longer a member of the group."), "success")
        return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/remove_member.html", group=group, membership=membership,
                           form=form)
