"""What the Online service tests share: the shared sandbox's cloud and tenant, a session to it, profiles
written from its card as a user writes them, an app's token, and a Global Administrator's Graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spkit.http.session import SpkitSession, session_for_card
from spkit.models.clouds import Cloud, sandbox_cloud
from spkit.models.online_profile import OnlineProfile
from spkit.models.profile import load_profile
from spkit.services.online.admin_signin import AdminAuthenticator, AdminSignIn
from spkit.services.online.app_tokens import AppAuthenticator, AppCredential, certificate_credential
from spkit.services.online.graph_client import GraphClient
from tests.helpers import card_app, card_tenant, write_profile

ADMIN = "admin@contoso.onmicrosoft.com"


def card_user(card: dict, upn: str) -> dict:
    return next(u for u in card_tenant(card)["users"] if u["upn"] == upn)


def granted(card: dict, app: str, resource: str) -> list[str]:
    """The roles the card says are consented for ``app`` on ``resource`` (Graph or SharePoint)."""
    return [g.split("/", 1)[1] for g in card_app(card, app)["granted"] if g.startswith(f"{resource}/")]


@pytest.fixture(scope="module")
def cloud(card: dict) -> Cloud:
    return sandbox_cloud(card)


@pytest.fixture(scope="module")
def tenant(card: dict) -> dict:
    return card_tenant(card)


@pytest.fixture
def session(card: dict) -> Iterator[SpkitSession]:
    with session_for_card(card) as opened:
        yield opened


@pytest.fixture
def online_profile(tmp_path: Path, card: dict, card_path: Path) -> Callable[..., OnlineProfile]:
    """``online_profile(app, credential="auto", **overrides)``: a parameters file of one sandbox app, loaded."""

    def make(app: str, **kwargs) -> OnlineProfile:
        profile = load_profile(write_profile(tmp_path, card_path, card, app, **kwargs))
        assert isinstance(profile, OnlineProfile)
        return profile

    return make


@pytest.fixture
def app_auth(
    card: dict, cloud: Cloud, tenant: dict, session: SpkitSession
) -> Callable[..., AppAuthenticator]:
    """``app_auth(app, credential=None, client_id=None)``: MSAL's client of a sandbox app, over ``session``;
    the app's own PEM certificate unless another credential is given."""

    def make(app: str, credential: AppCredential | None = None, client_id: str | None = None):
        entry = card_app(card, app)
        return AppAuthenticator(
            cloud=cloud,
            tenant_id=tenant["tenant_id"],
            client_id=client_id or entry["client_id"],
            credential=credential or certificate_credential(entry["certificate"]["pem"]),
            session=session,
        )

    return make


@pytest.fixture(scope="module")
def admin_session(card: dict) -> Iterator[SpkitSession]:
    with session_for_card(card) as opened:
        yield opened


@pytest.fixture(scope="module")
def admin_signin(card: dict, cloud: Cloud, tenant: dict, admin_session: SpkitSession) -> AdminSignIn:
    """The tenant's Global Administrator, signed in once per module with a password (no cache on disk)."""
    authenticator = AdminAuthenticator(cloud=cloud, tenant_id=tenant["tenant_id"], session=admin_session)
    return authenticator.password(ADMIN, card_user(card, ADMIN)["password"])


@pytest.fixture(scope="module")
def admin_graph(cloud: Cloud, admin_session: SpkitSession, admin_signin: AdminSignIn) -> GraphClient:
    return GraphClient(admin_session, cloud.graph_url, admin_signin.token)
