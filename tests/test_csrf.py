"""Posting any form without a CSRF token is refused."""

from werkzeug.routing import IntegerConverter

from tests.helpers import sign_in

# Routes that take POSTs from machines that sign their requests instead (Stripe webhooks).
CSRF_EXEMPT = {"payments.stripe_webhook"}


def test_every_post_route_refuses_a_missing_csrf_token(app, client, make_user):
    make_user("admin@example.org", admin=True)
    sign_in(client, "admin@example.org")
    checked = []
    adapter = app.url_map.bind("commonpot.test")
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in CSRF_EXEMPT:
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
                  for name, converter in rule._converters.items()}
        url = adapter.build(rule.endpoint, values, method="POST")
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, f"{rule.endpoint} accepted a POST without a CSRF token"
        assert "form has expired" in response.get_data(as_text=True)
        checked.append(rule.endpoint)
    assert "accounts.login" in checked and "accounts.logout" in checked


def test_login_form_without_token_changes_nothing(app, client, make_user):
    make_user("someone@example.org")
    response = client.post("/login", data={"email": "someone@example.org",
                                           "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302  # still signed out
