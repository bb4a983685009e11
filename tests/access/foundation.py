from tests.access import ADMIN_ONLY, EVERYONE, SIGNED_IN, Rule, both


def build(session, world):
    from commonpot.accounts import operations

    # Someone whose sessions the admin may end without signing any walker out.
    spare = operations.register(session, email="sessions-spare@example.org", display_name="Spare",
                                password="correct-horse-battery")
    world["spare_user_id"] = spare.id

EXPECT = {
    "public.home": Rule("/", EVERYONE),
    "public.choose_language": Rule("/language?lang=cy&next=/", EVERYONE),
    "public.audit_checkpoint": Rule("/audit", EVERYONE),
    "public.audit_events": Rule("/audit/events.json", EVERYONE),
    "public.audit_key": Rule("/audit/key.json", EVERYONE),
    "public.audit_latest_note": Rule("/audit/checkpoint", EVERYONE),
    "public.audit_checkpoints": Rule("/audit/checkpoints.json", EVERYONE),
    "public.audit_inclusion_proof": Rule("/audit/proof/inclusion", EVERYONE),
    "public.audit_consistency_proof": Rule("/audit/proof/consistency", EVERYONE),
    "public.healthz": Rule("/healthz", EVERYONE),
    "public.readyz": Rule("/readyz", EVERYONE),
    "public.accessibility": Rule("/accessibility", EVERYONE),
    "accounts.register": both(Rule("/register", EVERYONE)),
    "accounts.verify_email": Rule("/verify/not-a-token", EVERYONE),
    "accounts.resend_verification": Rule("/verify/resend", SIGNED_IN, method="POST"),
    "accounts.login": both(Rule("/login", EVERYONE)),
    "accounts.logout": Rule("/logout", SIGNED_IN, method="POST", ends_sessions=True),
    "accounts.unlock_sign_in": Rule("/login/unlock/not-a-token", EVERYONE),
    "accounts.request_reset": both(Rule("/reset", EVERYONE)),
    "accounts.reset_password": both(Rule("/reset/not-a-token", EVERYONE)),
    "accounts.account": Rule("/account", SIGNED_IN),
    "accounts.show_dashboard": Rule("/dashboard", SIGNED_IN),
    "accounts.request_email_change": Rule("/account/email", SIGNED_IN, method="POST"),
    "accounts.confirm_email_change": Rule("/account/email/not-a-token", SIGNED_IN),
    "accounts.admin_users": Rule("/admin/users", ADMIN_ONLY),
    "accounts.admin_user": both(Rule(lambda w: f"/admin/users/{w['users']['resident']}", ADMIN_ONLY)),
    "accounts.admin_outbox": Rule("/admin/outbox", ADMIN_ONLY),
    "accounts.admin_end_sessions": Rule(lambda w: f"/admin/users/{w['spare_user_id']}/sessions",
                                        ADMIN_ONLY, method="POST"),
    "accounts.admin_personal_data": Rule(lambda w: f"/admin/users/{w['users']['resident']}/data",
                                         ADMIN_ONLY),
    "accounts.retry_outbox_message": Rule("/admin/outbox/1/retry", ADMIN_ONLY, method="POST"),
    "grants.list_rounds": Rule("/grants/", EVERYONE),
}
