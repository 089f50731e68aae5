"""The Vietnamese catalog: complete, placeholders intact, compiles, and is what Vietnamese readers see.

The catalog tests read the .po/.pot files themselves, so they need nothing compiled. The page tests
compile the current .po into a temporary directory and serve from there, so a missing or stale .mo
(it is built by `make translations` and not kept in git) cannot hide a broken catalog.
"""
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from wtforms.i18n import messages_path

from app.money import format_money
from tests.app_helpers import other_app
from tests.factories import make_campaign, make_user
from tests.routes.csrf import post_form

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
POT = TRANSLATIONS / "messages.pot"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
# The same keywords the extract command uses (see the README's translation section).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
UPDATE_HINT = ("run: make catalog, then translate the new entries")

# Python %-placeholders (named or not, with flags), the literal %%, str.format fields, and markup tags.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]|\{[^{}]*\}")
_TAG = re.compile(r"<[^>]+>")


def _read(path):
    with open(path, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def vi():
    return _read(VI_PO)


def _key(message_id):
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _forms(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _untranslated(catalog, entries):
    """`entries` are (message id, context) pairs; the context is None for texts said without one."""
    missing = []
    for message_id, context in entries:
        message = catalog.get(_key(message_id), context=context)
        if message is None or message.fuzzy or not all(_forms(message.string)):
            missing.append(_key(message_id) if context is None else f"{context}|{_key(message_id)}")
    return missing


def _translated_messages(catalog):
    return [m for m in catalog if m.id and all(_forms(m.string))]


class _AnyValue(dict):
    """A mapping that has every key, for trying %-formatting the way gettext(..., **kw) would."""

    def __missing__(self, key):
        return 1


def test_the_catalog_is_vietnamese_with_one_plural_form(vi):
    assert str(vi.locale) == "vi"
    assert vi.num_plurals == 1
    assert vi.plural_expr == "0"
    assert "nplurals=1; plural=0;" in vi.plural_forms


def test_every_entry_of_the_template_is_translated(vi):
    template = _read(POT)
    entries = [(m.id, m.context) for m in template if m.id]
    assert entries, "the .pot is empty"
    missing = _untranslated(vi, entries)
    assert not missing, f"{len(missing)} untranslated or fuzzy in vi: {missing[:20]}"


def test_every_string_in_the_code_is_translated(vi):
    """Catches a string added to the code after the last extract: the .pot alone would not show it."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {(message_id, context) for _file, _line, message_id, _comments, context
             in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS) if message_id}
    assert len(found) > 100, "extraction found almost nothing: is babel.cfg still right?"
    missing = _untranslated(vi, found)
    assert not missing, f"{len(missing)} strings of the code lack a Vietnamese translation ({UPDATE_HINT}): " \
                        f"{missing[:20]}"


def test_wtforms_own_messages_are_translated(vi):
    """WTForms ships no Vietnamese; app/form_messages.py marks its messages, spelled exactly as WTForms does."""
    wtforms = _read(Path(messages_path()) / "wtforms.pot")
    ids = [m.id for m in wtforms if m.id]
    assert "This field is required." in [_key(i) for i in ids]
    missing = _untranslated(vi, [(message_id, None) for message_id in ids])
    assert not missing, f"WTForms messages missing from our catalog (update app/form_messages.py): {missing}"


def test_placeholders_and_markup_are_kept(vi):
    wrong = []
    for m in _translated_messages(vi):
        ids = _forms(m.id)
        expected = sorted(_PLACEHOLDER.findall(ids[-1]))
        tags = sorted(_TAG.findall(ids[0]))
        for text in _forms(m.string):
            # One Vietnamese form serves every count, so it follows the plural English form.
            if sorted(_PLACEHOLDER.findall(text)) != expected or sorted(_TAG.findall(text)) != tags:
                wrong.append((_key(m.id), text))
    assert not wrong, wrong[:20]


def test_translations_survive_formatting(vi):
    """Templates always %-format (Jinja's newstyle gettext), Python only with arguments: neither may raise."""
    broken = []
    for m in _translated_messages(vi):
        from_template = any(path.endswith(".html") for path, _line in m.locations)
        if not (from_template or m.python_format):
            continue
        for text in _forms(m.string):
            try:
                text % _AnyValue()
            except (ValueError, TypeError, KeyError) as exc:
                broken.append((_key(m.id), text, str(exc)))
    assert not broken, broken[:20]


def test_the_catalog_compiles_without_errors(vi):
    problems = [(_key(m.id), [str(e) for e in errors]) for m, errors in vi.check()]
    assert not problems, problems[:20]
    buffer = io.BytesIO()
    write_mo(buffer, vi)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    assert compiled.gettext("Sign in") == "Đăng nhập"
    assert compiled.ngettext("%(num)d campaign", "%(num)d campaigns", 5) % {"num": 5} == "5 chiến dịch"


@pytest.fixture
def vi_app(base_app, tmp_path):
    """The app serving translations compiled from the current vi.po."""
    target = tmp_path / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as f:
        write_mo(f, _read(VI_PO))
    settings = {key: value for key, value in base_app.config.items() if key.isupper()}
    settings["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)
    with other_app(base_app, type("CompiledCatalogConfig", (), settings)) as app:
        yield app


def test_the_sign_in_page_speaks_vietnamese(vi_app):
    html = vi_app.test_client().get("/auth/sign-in", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "<h1>Đăng nhập</h1>" in html
    for words in ("Mật khẩu", "Quên mật khẩu?", "Tạo tài khoản", "Chương trình tiếp thị liên kết"):
        assert words in html
    assert "Forgot your password?" not in html


def test_form_errors_speak_vietnamese_too(vi_app):
    client = vi_app.test_client()
    response = post_form(client, "/auth/sign-in", {"email": "", "password": ""}, headers={"Accept-Language": "vi"})
    html = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in html
    assert "This field is required." not in html


def test_the_sign_in_page_stays_english_for_english_readers(vi_app):
    html = vi_app.test_client().get("/auth/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1>Sign in</h1>" in html


def test_money_is_formatted_the_vietnamese_way(app):
    assert format_money(50000, "VND", "vi").replace("\xa0", " ") == "50.000 ₫"
    assert format_money(1234567, "VND", "vi").replace("\xa0", " ") == "1.234.567 ₫"
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert render_template_string("{{ 50000|money('VND') }}").replace("\xa0", " ") == "50.000 ₫"


@pytest.mark.skipif(not (VI_PO.with_suffix(".mo")).exists(),
                    reason="app/translations/vi/LC_MESSAGES/messages.mo is missing: run `make translations`")
def test_the_installed_catalog_shows_vietnamese_words_and_money(client, login_as):
    """The .mo where the app looks for it (built by `make translations`): words and money on a real page."""
    merchant = make_user("merchant", company_name="Cửa hàng Hoa")
    make_campaign(merchant, name="Khuyến mãi Tết", commission_type="fixed", commission_fixed=50000, currency="VND")
    login_as(make_user("affiliate", locale="vi"))
    html = client.get("/campaigns/directory").get_data(as_text=True).replace("\xa0", " ")
    assert '<html lang="vi">' in html
    assert "Khuyến mãi Tết" in html
    assert "50.000 ₫ mỗi chuyển đổi" in html
    assert "Tìm chiến dịch" in html


def test_one_english_word_keeps_its_meanings_apart(vi_app):
    """Where English uses one word for two ideas, Vietnamese gets one entry per idea (a message context)."""
    from flask_babel import pgettext
    with vi_app.test_request_context(headers={"Accept-Language": "vi"}):
        assert pgettext("status", "Requested") == "Chờ duyệt"
        assert pgettext("date column", "Requested") == "Ngày yêu cầu"
        assert pgettext("timeline", "Requested") == "Gửi yêu cầu"
        assert pgettext("balance", "Pending") == "Chưa khả dụng"
        assert pgettext("withdrawing", "Payouts") == "Rút tiền"
        assert pgettext("paying", "Payouts") != pgettext("withdrawing", "Payouts")
        assert pgettext("form heading", "Refund") != pgettext("list heading", "Refunds")
        assert render_template_string('{{ pgettext("button", "Pause") }} {{ pgettext("status", "Paused") }}') \
            == "Tạm dừng Đang tạm dừng"
