"""Fund managers import a fund's area from CSV; a file with a mistake imports nothing."""

import io

from sqlalchemy import func, select

from grants.models import AreaPostcode, FundArea
from tests.grants.factories import create_fund
from tests.helpers import post_form, sign_in


def _import(client, fund_id, text):
    return post_form(client, f"/grants/funds/{fund_id}/areas",
                     {"file": (io.BytesIO(text.encode()), "areas.csv")},
                     content_type="multipart/form-data", follow_redirects=True)


def test_area_import_is_all_or_nothing(client, session, make_user):
    fund = create_fund(session, slug="import-fund", areas=False)
    session.commit()
    make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    sign_in(client, "manager@example.org")

    bad_file = "area,kind,postcode\nRiverside,ward,RT1 4*\nNowhere,ward,not a postcode\n"
    page = _import(client, fund.id, bad_file)
    text = page.get_data(as_text=True)
    assert "Nothing was imported" in text and "Row 3" in text
    assert session.scalar(select(func.count()).select_from(FundArea)) == 0

    page = _import(client, fund.id, "area,kind,postcode\nRiverside,ward,RT1 4*\nOld Town,ward,RT3 2CD\n")
    assert "2 area(s) created and 2 postcode(s) added" in page.get_data(as_text=True)
    session.expire_all()
    assert {a.name for a in session.scalars(select(FundArea))} == {"Riverside", "Old Town"}
    assert session.scalar(select(func.count()).select_from(AreaPostcode)) == 2
