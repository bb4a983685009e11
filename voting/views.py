"""Voting pages. The voting issue fills this blueprint."""

from flask import Blueprint, render_template

from commonpot.accounts.policy import PUBLIC, access

bp = Blueprint("voting", __name__, url_prefix="/vote")


@bp.route("/")
@access(PUBLIC)
def list_rounds():
    return render_template("voting/index.html")
