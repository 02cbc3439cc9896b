"""Sign-in and sign-out over real HTTP: the redirect when signed out, the form, the session cookie's
attributes, CSRF (token and Origin) checked before the password, and sign-out ending the session.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.helpers.server import PASSWORD, Server, add_users, running_server
from tests.web.browser import PRESESSION, SESSION, Browser, form_token, set_cookie
from tests.web.conftest import RAISED, Site, email_of

_counter = iter(range(10_000))


def _fresh_user(site: Site, role: str = "VIEWER") -> str:
    email = f"signin{next(_counter)}-{role.lower()}@example.com"
    add_users(site.server.settings, (email, role))
    return email


def test_signed_out_pages_redirect_to_the_sign_in_page(browser: Browser) -> None:
    home = browser.get("/")
    assert home.status_code == 303
    assert home.headers["location"] == "/login"
    page = browser.get("/evidence?status=FAIL&severity=critical")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=" + quote(
        "/evidence?status=FAIL&severity=critical", safe=""
    )
    assert browser.get("/compliance/SOC2").status_code == 303


def test_the_sign_in_form_has_labelled_fields_and_sets_a_pre_session_token(
    browser: Browser,
) -> None:
    page = browser.get("/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<form method="post" action="/login"' in html
    assert '<label for="email">Email</label>' in html and 'id="email" name="email"' in html
    assert '<label for="password">Password</label>' in html
    assert 'id="password" name="password" type="password"' in html
    assert '<button type="submit" class="button">Sign in</button>' in html
    cookie = set_cookie(page, PRESESSION)
    assert cookie["value"] == form_token(html)
    assert "httponly" in cookie and cookie["samesite"].lower() == "lax" and cookie["path"] == "/"


def test_signing_in_sets_an_http_only_lax_session_cookie(site: Site, browser: Browser) -> None:
    email = _fresh_user(site)
    answer = browser.sign_in(email)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = set_cookie(answer, SESSION)
    assert "httponly" in cookie
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert "secure" not in cookie  # plain http
    assert int(cookie["max-age"]) == 12 * 3600
    home = browser.get("/")
    assert home.status_code == 200
    assert email in home.text and "VIEWER" in home.text
    assert ">Sign out</button>" in home.text


def test_sign_in_returns_to_the_page_that_asked(site: Site, browser: Browser) -> None:
    email = _fresh_user(site)
    asked = browser.get("/evidence?status=FAIL")
    page = browser.get(asked.headers["location"])
    data = {
        "email": email,
        "password": PASSWORD,
        "csrf_token": form_token(page.text),
        "next": "/evidence?status=FAIL",
    }
    answer = browser.post("/login", data=data)
    assert answer.status_code == 303 and answer.headers["location"] == "/evidence?status=FAIL"
    data["next"] = "//evil.example/steal"
    with Browser(site.server) as again:
        data["csrf_token"] = form_token(again.get("/login").text)
        answer = again.post("/login", data=data)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_post_login_without_a_csrf_token_is_403_before_the_password_is_checked(
    site: Site, browser: Browser
) -> None:
    email = _fresh_user(site)
    browser.get("/login")  # has the pre-session cookie, but sends no token
    refused = browser.post("/login", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert SESSION not in refused.headers.get("set-cookie", "")
    wrong = browser.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403
    # A token without its cookie (another browser's) is refused too.
    token = form_token(browser.get("/login").text)
    with Browser(site.server) as stranger:
        stolen = stranger.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
    assert stolen.status_code == 403
    assert browser.get("/").status_code == 303  # still signed out


def test_post_login_from_a_foreign_origin_is_403(site: Site, browser: Browser) -> None:
    email = _fresh_user(site)
    foreign = browser.sign_in(email, Origin="https://evil.example")
    assert foreign.status_code == 403
    assert browser.session_id is None
    null_origin = browser.sign_in(email, Origin="null")
    assert null_origin.status_code == 403
    own = browser.sign_in(email, Origin=site.server.url)
    assert own.status_code == 303


def test_a_wrong_password_shows_the_form_again(site: Site, browser: Browser) -> None:
    email = _fresh_user(site)
    answer = browser.sign_in(email, "not the password at all")
    assert answer.status_code == 401
    assert "invalid email or password" in answer.text
    assert 'role="alert"' in answer.text
    assert f'value="{email}"' in answer.text
    assert browser.session_id is None
    unknown = browser.sign_in("nobody@example.com", PASSWORD)
    assert unknown.status_code == 401 and "invalid email or password" in unknown.text


def test_signing_out_ends_the_session(site: Site) -> None:
    email = _fresh_user(site)
    with Browser(site.server) as browser:
        browser.signed_in(email)
        old = browser.session_id
        assert old is not None
        refused = browser.post("/logout", data={})
        assert refused.status_code == 403  # no CSRF token: still signed in
        assert browser.get("/").status_code == 200
        answer = browser.sign_out()
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        assert set_cookie(answer, SESSION)["max-age"] == "0"
    with Browser(site.server) as replay:
        replay.client.cookies.set(SESSION, old)
        again = replay.get("/")
        assert again.status_code == 303 and again.headers["location"] == "/login"


def test_sign_out_from_a_foreign_origin_is_403(site: Site) -> None:
    with Browser(site.server) as browser:
        browser.signed_in(_fresh_user(site))
        token = browser.token()
        foreign = browser.post(
            "/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        assert browser.get("/").status_code == 200


def test_htmx_requests_send_the_token_in_a_header(site: Site) -> None:
    with Browser(site.server) as browser:
        browser.signed_in(_fresh_user(site))
        page = browser.get("/")
        token = form_token(page.text)
        assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page.text
        answer = browser.post("/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
        assert answer.status_code == 303
        assert browser.get("/").status_code == 303


def test_the_session_cookie_is_secure_behind_a_tls_proxy(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    home = tmp_path_factory.mktemp("tls") / "home"
    env = {**RAISED, "SENTINEL_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with running_server(home, (email_of("VIEWER"), "VIEWER"), **env) as server:
        _secure_sign_in(server)


def _secure_sign_in(server: Server) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with Browser(server, **https) as browser:
        page = browser.get("/login")
        assert "secure" in set_cookie(page, PRESESSION)
        token = form_token(page.text)
        data = {"email": email_of("VIEWER"), "password": PASSWORD, "csrf_token": token}
        # The cookie is Secure, so httpx will not send it back over http: send it by hand.
        headers = {"Cookie": f"{PRESESSION}={token}"}
        origin_http = browser.post("/login", data=data, headers={**headers, "Origin": server.url})
        assert origin_http.status_code == 403  # the page was https: http is another origin
        https_origin = server.url.replace("http://", "https://")
        answer = browser.post("/login", data=data, headers={**headers, "Origin": https_origin})
        assert answer.status_code == 303, answer.text
        cookie = set_cookie(answer, SESSION)
        assert "secure" in cookie and "httponly" in cookie
        assert cookie["samesite"].lower() == "lax"
