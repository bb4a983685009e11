"""Grants pages. The grants issue fills this blueprint."""

from flask import Blueprint, render_template

from commonpot.accounts.policy import PUBLIC, access

bp = Blueprint("grants", __name__, url_prefix="/grants")


@bp.route("/")
@access(PUBLIC)
def list_rounds():
    return render_template("grants/index.html")
