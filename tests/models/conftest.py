"""Shared fixtures for the models tests: a sandbox card on disk and certificates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spkit.models.certificates import LoadedCertificate, generate_self_signed

CONTOSO_TENANT_ID = "6f0e1d2c-3b4a-4958-8a7b-6c5d4e3f2a1b"
BACKUP_APP_ID = "11111111-2222-4333-8444-555555555555"


def make_card(tmp_path: Path) -> dict[str, Any]:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    return {
        "version": 1,
        "pid": 123,
        "ca_bundle": str(ca),
        "connect_to": {"login.localhost:443": "127.0.0.1:50443"},
        "cloud": {
            "authority_host": "https://login.localhost",
            "graph_url": "https://graph.localhost",
            "sharepoint_suffix": "sharepoint.localhost",
        },
        "tenants": [
            {
                "name": "contoso",
                "tenant_id": CONTOSO_TENANT_ID,
                "domains": ["contoso.onmicrosoft.com", "contoso.com"],
                "sharepoint_url": "https://contoso.sharepoint.localhost",
                "admin_url": "https://contoso-admin.sharepoint.localhost",
                "site_count": 250,
                "personal_site_count": 40,
                "users": [
                    {
                        "upn": "admin@contoso.onmicrosoft.com",
                        "password": "Adm1n-pass",
                        "roles": ["Global Administrator"],
                        "mfa": False,
                        "app_password": None,
                        "enabled": True,
                    },
                    {
                        "upn": "nopass@contoso.onmicrosoft.com",
                        "password": None,
                        "roles": [],
                        "mfa": False,
                        "app_password": None,
                        "enabled": True,
                    },
                ],
                "apps": [
                    {
                        "name": "backup",
                        "client_id": BACKUP_APP_ID,
                        "client_secret": "s3cret~value",
                        "secret_expired": False,
                        "certificate": None,
                        "granted": ["Graph/Sites.Read.All"],
                    },
                    {
                        "name": "certonly",
                        "client_id": "22222222-2222-4333-8444-555555555555",
                        "client_secret": None,
                        "secret_expired": False,
                        "certificate": None,
                        "granted": [],
                    },
                ],
            }
        ],
        "farms": [],
    }


@pytest.fixture
def card(tmp_path: Path) -> dict[str, Any]:
    return make_card(tmp_path)


@pytest.fixture
def card_file(tmp_path: Path, card: dict[str, Any]) -> Path:
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(card))
    return path


@pytest.fixture(scope="session")
def cert() -> LoadedCertificate:
    return generate_self_signed("spkit-test")


@pytest.fixture(scope="session")
def other_cert() -> LoadedCertificate:
    return generate_self_signed("spkit-other")
