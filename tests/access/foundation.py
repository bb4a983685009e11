from tests.access import ADMIN_ONLY, EVERYONE, SIGNED_IN, Rule

EXPECT = {
    "public.home": Rule("/", EVERYONE),
    "public.audit_checkpoint": Rule("/audit", EVERYONE),
    "public.audit_events": Rule("/audit/events.json", EVERYONE),
    "public.healthz": Rule("/healthz", EVERYONE),
    "public.readyz": Rule("/readyz", EVERYONE),
    "public.accessibility": Rule("/accessibility", EVERYONE),
    "accounts.register": Rule("/register", EVERYONE),
    "accounts.verify_email": Rule("/verify/not-a-token", EVERYONE),
    "accounts.resend_verification": Rule("/verify/resend", SIGNED_IN, method="POST"),
    "accounts.login": Rule("/login", EVERYONE),
    "accounts.logout": Rule("/logout", SIGNED_IN, method="POST"),
    "accounts.request_reset": Rule("/reset", EVERYONE),
    "accounts.reset_password": Rule("/reset/not-a-token", EVERYONE),
    "accounts.account": Rule("/account", SIGNED_IN),
    "accounts.request_email_change": Rule("/account/email", SIGNED_IN, method="POST"),
    "accounts.confirm_email_change": Rule("/account/email/not-a-token", SIGNED_IN),
    "accounts.admin_users": Rule("/admin/users", ADMIN_ONLY),
    "accounts.admin_user": Rule(lambda w: f"/admin/users/{w['users']['resident']}", ADMIN_ONLY),
    "accounts.admin_outbox": Rule("/admin/outbox", ADMIN_ONLY),
    "grants.list_rounds": Rule("/grants/", EVERYONE),
}
