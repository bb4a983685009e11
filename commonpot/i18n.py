"""Words and figures in the reader's language (Flask-Babel).

Domain code marks its messages with the names re-exported here, never with flask_babel
directly, so there is one place to change:

    from commonpot.i18n import _, lazy_gettext, ngettext

    raise Refused(_("This round is closed."))             # at the moment of refusing
    label = lazy_gettext("Your postcode")                  # module level and form fields
    ngettext("%(num)d application", "%(num)d applications", n)

All of them work outside a request (CLI commands, jobs, tests): with no request the locale
is the default (English) and the message comes back as written.

Figures: `format_money`, `format_number`, `format_date`, `format_datetime` format through
Babel for the current locale (the Jinja filters `money`, `number`, `date`, `datetime` call
them). Times are stored in UTC and shown in Europe/London.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import get_locale as _babel_locale
from flask_babel import gettext, lazy_gettext, lazy_ngettext, ngettext, pgettext

_ = gettext
_l = lazy_gettext  # short, for form modules full of labels

__all__ = ["_", "_l", "gettext", "lazy_gettext", "lazy_ngettext", "ngettext", "pgettext",
           "LANGUAGES", "LANGUAGE_COOKIE", "DEFAULT_LANGUAGE", "current_language",
           "select_locale", "in_language_of", "later", "translations", "format_money", "format_number",
           "format_date", "format_datetime", "language_name"]

# The languages people can choose, each named in itself (for the switcher). Adding one: its
# catalogue under commonpot/translations/ and a line here (see README, "Translations").
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LONDON = ZoneInfo("Europe/London")

# Babel formats figures for a full locale; British English for "en" (day before month, £).
_FORMAT_LOCALE = {"en": "en_GB", "cy": "cy_GB"}
# Date and time patterns per language (CLDR syntax). English keeps the service's long-standing
# "5 March 2027, 2:30pm"; Welsh public bodies write times on the 24-hour clock.
_PATTERNS = {
    "en": {"date": "d MMMM y", "short_date": "d MMM y", "datetime": "d MMMM y, h:mma",
           "time": "h:mma"},
    "cy": {"date": "d MMMM y", "short_date": "d MMM y", "datetime": "d MMMM y, HH:mm",
           "time": "HH:mm"},
}


def _languages() -> dict[str, str]:
    if has_app_context():
        return current_app.config.get("LANGUAGES", LANGUAGES)
    return LANGUAGES


def select_locale() -> str:
    """The Flask-Babel locale selector: an explicit choice (the language cookie, then the
    signed-in person's stored preference), then the browser's Accept-Language, then English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    languages = _languages()
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    preferred = _user_preference()
    if preferred in languages:
        return preferred
    return request.accept_languages.best_match(list(languages)) or DEFAULT_LANGUAGE


def _user_preference() -> str | None:
    from flask_login import current_user

    try:
        user = current_user._get_current_object()
    except Exception:  # noqa: BLE001 - no login manager (a bare app in a unit test)
        return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "preferred_language", None)


def current_language() -> str:
    """'en', 'cy', ...: the language of the page being built (the default outside requests)."""
    if not has_app_context():
        return DEFAULT_LANGUAGE
    locale = _babel_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def in_language_of(user):
    """`with in_language_of(user):` messages built inside are in that person's language (their
    stored choice), for mail to someone other than the person making the request. Without a
    stored choice: the current language."""
    from flask_babel import force_locale

    preferred = getattr(user, "preferred_language", None)
    return force_locale(preferred if preferred in _languages() else current_language())


def stream_in_language(chunks):
    """A streamed response's chunks, written in the language of the request that started
    them: the stream runs after that request's context (and its signed-in person) is gone,
    so the language is decided now and held for the whole stream."""
    from flask_babel import force_locale

    language = current_language()

    def generate():
        with force_locale(language):
            yield from chunks

    return generate()


def later(message):
    """A message for an API that takes a string or a callable (Flask-Limiter's error_message):
    translated when it is shown, in the language of that request."""
    return lambda: str(message)


def translations():
    """The reader's catalogue itself, for messages whose values are written separately (the
    counting engine's phrases): `.gettext(message)` and `.ngettext(singular, plural, n)`
    translate without formatting anything."""
    from flask_babel import get_translations

    return get_translations()


def language_name(code: str) -> str:
    return _languages().get(code, code)


def _format_locale() -> Locale:
    language = current_language()
    return Locale.parse(_FORMAT_LOCALE.get(language, language))


def _patterns() -> dict[str, str]:
    return _PATTERNS.get(current_language(), _PATTERNS["en"])


def format_money(pence: int | None, *, show_pence: bool = False) -> str:
    """Integer pence -> '£1,250.50' in the reader's locale. Whole pounds drop the pence
    ('£1,250') unless `show_pence` (statements, where columns of figures line up)."""
    pence = pence or 0
    amount = Decimal(pence) / 100
    if pence % 100 == 0 and not show_pence:
        return babel_numbers.format_currency(amount, "GBP", format="¤#,##0", currency_digits=False,
                                             locale=_format_locale())
    return babel_numbers.format_currency(amount, "GBP", format="¤#,##0.00", currency_digits=False,
                                         locale=_format_locale())


def format_number(value, places: int | None = None) -> str:
    """1234567 -> '1,234,567'; with `places`, exactly that many decimals."""
    if value is None:
        return ""
    if places is not None:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=_format_locale(),
                                            decimal_quantization=True)
    return babel_numbers.format_decimal(value, locale=_format_locale())


def _local(moment: datetime) -> datetime:
    # Naive datetimes in this codebase are UTC (SQLite drops the zone).
    if moment.tzinfo is None:
        from datetime import UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def format_date(value: date | datetime | None, style: str = "date") -> str:
    """A day: '15 March 2027' ('15 Mawrth 2027'); style 'short_date' -> '15 Mar 2027'.
    A datetime is taken in Europe/London first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_date(value, _patterns()[style], locale=_format_locale())


def format_datetime(moment: datetime | None, with_zone: bool = True) -> str:
    """A moment in Europe/London: '15 March 2027, 2:30pm (GMT)'."""
    if moment is None:
        return ""
    local = _local(moment)
    text = babel_dates.format_datetime(local, _patterns()["datetime"], tzinfo=LONDON,
                                       locale=_format_locale())
    if current_language() == "en":
        text = text.replace("AM", "am").replace("PM", "pm")
    return f"{text} ({local.tzname()})" if with_zone else text


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    text = babel_dates.format_time(_local(moment), _patterns()["time"], tzinfo=LONDON,
                                   locale=_format_locale())
    return text.replace("AM", "am").replace("PM", "pm") if current_language() == "en" else text


def init_app(app) -> None:
    """Bind Flask-Babel, and give templates the filters and the language switcher's facts."""
    from commonpot.extensions import babel

    app.config.setdefault("LANGUAGES", LANGUAGES)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)

    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    # Globals too, so macros imported without context can use them.
    app.add_template_global(format_money, "format_money")
    app.add_template_global(current_language, "current_language")
    app.add_template_global(language_name, "language_name")
    app.add_template_global(lambda: app.config["LANGUAGES"], "available_languages")
