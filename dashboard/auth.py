"""Sign-in: the password form, the identity provider (OIDC through st.login), sign-out.

When the accounts database holds no account at all the app is open (one city-wide
user, as for the sample city) and says so in the sidebar; as soon as one account exists
everybody signs in. A session's account lives in its session state, which only this
module writes; filters.current() confines every query's scope to it.
"""

from __future__ import annotations

import streamlit as st

import accounts
from dashboard import data
from dashboard.components import guarded
from dashboard.i18n import t, value_label

#: The user of an app without accounts: the whole city, named so in the audit log.
OPEN = accounts.Account("anonymous", "city")
_KEY = "account"


def signed_in() -> accounts.Account | None:
    """This session's account (None before signing in)."""
    return st.session_state.get(_KEY)


def gate(url: str) -> accounts.Account | None:
    """The session's account; draws the sign-in page and returns None until there is one.

    Checked on every run: an account disabled (or changed) since signing in loses (or
    changes) its access at the next click, and an open session must sign in as soon as
    the first account exists."""
    engine = guarded(lambda: data.accounts_engine(url))
    if engine is None:
        return None
    account = signed_in()
    if account is not None and account is not OPEN:
        current = guarded(lambda: accounts.find_account(engine, account.username))
        if current is not None:
            st.session_state[_KEY] = current
            return current
        st.session_state.pop(_KEY, None)
    required = guarded(lambda: accounts.has_accounts(engine))
    if required is None:
        return None
    if not required:
        st.session_state[_KEY] = OPEN
        return OPEN
    st.session_state.pop(_KEY, None)
    if _oidc_providers() is not None and _oidc_user():
        return _from_identity_provider(url, engine)
    _sign_in_form(url, engine)
    return None


def sidebar_box(url: str, account: accounts.Account) -> None:
    """Who is signed in, with a sign-out button (or the open-mode notice)."""
    if account is OPEN:
        st.caption(t("open_mode"))
        return
    scope = account.scope_path or t("whole_city")
    name = account.display_name or account.username
    st.caption(t("signed_in_as", name=name, role=value_label("role", account.role), scope=scope))
    if st.button(t("sign_out"), key="sign_out", icon=":material/logout:"):
        sign_out(url)


def sign_out(url: str) -> None:
    """End the session's sign-in (and the identity provider's cookie when it was used)."""
    account = st.session_state.pop(_KEY, None)
    if account is not None and account is not OPEN:
        guarded(lambda: accounts.record(data.accounts_engine(url), account.username, "sign_out"))
    if _oidc_providers() is not None and _oidc_user():
        st.logout()  # the browser is sent to /auth/logout, which starts a new session;
        st.stop()  # a rerun here could drop that redirect before it reaches the browser
    st.rerun()


def _sign_in_form(url: str, engine) -> None:
    st.title(t("sign_in_title"))
    st.caption(t("sign_in_hint"))
    with st.form("sign_in", enter_to_submit=True, width=480):
        username = st.text_input(t("username"), key="sign_in_user", max_chars=200)
        password = st.text_input(t("password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("sign_in"), icon=":material/login:")
    if submitted:
        try:
            account = accounts.authenticate(engine, username, password)
        except accounts.SignInRefused as exc:
            st.error(t("sign_in_refused", reason=str(exc)))
        else:
            st.session_state[_KEY] = account
            st.session_state.pop("sign_in_password", None)
            st.rerun()
    providers = _oidc_providers()
    if providers is not None:
        st.divider()
        for provider in providers or [None]:
            label = t("sign_in_oidc", provider=provider or t("identity_provider"))
            if st.button(label, key=f"oidc_{provider or 'default'}", icon=":material/badge:"):
                st.login(provider) if provider else st.login()


def _from_identity_provider(url: str, engine) -> accounts.Account | None:
    """Map the provider's identity (its e-mail address) onto an account, or refuse."""
    email = str(st.user.get("email") or "")
    account = guarded(lambda: accounts.find_account(engine, email)) if email else None
    if account is None:
        guarded(lambda: accounts.record(engine, email or "?", "sign_in", ok=False, detail="oidc"))
        st.title(t("sign_in_title"))
        st.error(t("no_account_for", email=email or "—"))
        if st.button(t("sign_out"), key="oidc_sign_out", icon=":material/logout:"):
            st.logout()
        return None
    guarded(lambda: accounts.record(engine, account.username, "sign_in", detail="oidc"))
    st.session_state[_KEY] = account
    return account


def _oidc_user() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] configured: st.user has no login state
        return False


def _oidc_providers() -> list[str] | None:
    """None without an [auth] section in secrets.toml; else the named providers ([] for the
    single default one configured directly in [auth])."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file at all
        return None
    if not section:
        return None
    named = [k for k, v in section.items() if hasattr(v, "items")]
    return named
