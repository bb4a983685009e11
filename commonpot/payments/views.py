"""Donations, payouts and the Stripe webhook. The payments issue fills this blueprint."""

from flask import Blueprint

bp = Blueprint("payments", __name__)
