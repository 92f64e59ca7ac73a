"""The identity platform's rungs (Online): the tenant's discovery, the app-only token, its claims."""

from __future__ import annotations

from ..errors import CertificateError, CloudError, SpkitError
from ..services.online.app_tokens import AccessToken, AppAuthenticator, AppCredential
from ..services.online.profile_access import app_credential
from ..services.online.tenant_discovery import discover_tenant
from ..services.online.token_claims import summarise_claims
from .certificate_evidence import certificate_refusal
from .context import CheckContext
from .rung import Warn, rung

SITE_READ_ROLES = {"Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"}


@rung("discovery", "Tenant discovery", needs=("tls:login",))
def discovery(context: CheckContext):
    """The tenant's OpenID metadata; the SharePoint address's tenant must be the one ``tenant_id`` names."""
    profile, session = context.profile, context.session
    cloud, address = profile.cloud_obj, profile.address
    tenant_ref = profile.tenant_id or cloud.initial_domain(address.tenant)
    found = discover_tenant(session, cloud, tenant_ref)
    context.state["tenant_id"] = found.tenant_id
    context.result.facts["tenant_id"] = found.tenant_id
    facts = found.facts()
    initial = cloud.initial_domain(address.tenant)
    if tenant_ref.lower() != initial:
        try:
            owner = discover_tenant(session, cloud, initial)
        except SpkitError as error:
            if address.needs_confirmation:
                raise Warn(
                    f"tenant {found.tenant_id}; the guessed name '{address.tenant}' is not a tenant "
                    f"({error.code}); confirm the SharePoint name after sign-in",
                    facts,
                ) from error
            raise SpkitError(
                f"the SharePoint address names tenant '{address.tenant}', which does not exist in "
                f"{cloud.display_name}",
                code="ADDRESS_TENANT_UNKNOWN",
                evidence=error.summary,
                fix="check the SharePoint address (https://<tenant>.sharepoint...)",
            ) from error
        if owner.tenant_id != found.tenant_id:
            raise SpkitError(
                f"the SharePoint address belongs to tenant {owner.tenant_id}, but tenant_id names "
                f"{found.tenant_id}",
                code="TENANT_MISMATCH",
                evidence=f"{initial} → {owner.tenant_id}; {tenant_ref} → {found.tenant_id}",
                fix="use the tenant ID of the tenant that owns the SharePoint address",
            )
    return f"tenant {found.tenant_id} ({tenant_ref})", facts, found


@rung("token", "App-only token (Graph)", needs=("discovery",))
def token(context: CheckContext):
    """An app-only Graph token with MSAL, by the profile's credential (secret or certificate)."""
    profile = context.profile
    cloud = profile.cloud_obj
    if not cloud.graph_url:
        raise CloudError(
            f"{cloud.display_name} has no Microsoft Graph endpoint",
            code="CLOUD_NO_GRAPH",
            fix=cloud.advice,
        )
    try:
        credential = app_credential(profile)
    except CertificateError as error:  # expired, not yet valid, key too small: show the certificate's fields
        raise certificate_refusal(error, profile) from error
    context.result.facts["credential"] = credential.description
    context.result.facts.update(_certificate_facts(credential))
    authenticator = AppAuthenticator(
        cloud=cloud,
        tenant_id=context.state["tenant_id"],
        client_id=profile.client_id,
        credential=credential,
        session=context.session,
    )
    context.state["auth"] = authenticator
    acquired = authenticator.acquire(cloud.graph_url, "Graph token")
    context.state["graph_token"] = acquired
    detail = f"Graph token for {profile.client_id} with a {credential.kind}"
    if credential.warnings:
        raise Warn(detail + "; " + "; ".join(credential.warnings), {"credential": credential.description})
    return detail, {"credential": credential.description}, acquired


def _certificate_facts(credential: AppCredential) -> dict[str, str]:
    """The certificate's thumbprint and expiry, recorded before the sign-in so a batch report can warn
    ahead of the expiry even when the token is refused. A client secret's expiry is not knowable from
    the client side (only the app registration holds it), so none is recorded for a secret."""
    if credential.kind != "certificate" or not credential.thumbprint:
        return {}
    facts = {"certificate_thumbprint": credential.thumbprint}
    if credential.not_after is not None:
        facts["certificate_expires"] = credential.not_after.isoformat()
    return facts


@rung("claims", "Token claims and roles", needs=("token",))
def claims(context: CheckContext):
    """The token carries application roles (admin consent), and one of them reads sites."""
    acquired: AccessToken = context.state["graph_token"]
    summary = summarise_claims(acquired.claims)
    context.result.facts["graph_roles"] = summary["roles"]
    if not summary["roles"]:
        raise SpkitError(
            "the Graph token carries no application roles: nobody granted admin consent",
            code="TOKEN_NO_ROLES",
            evidence=f"claims: {summary}",
            fix="grant admin consent for the app's Microsoft Graph application permissions "
            "(e.g. Sites.Read.All)",
        )
    if not SITE_READ_ROLES & set(summary["roles"]):
        context.state["selected_only"] = "Sites.Selected" in summary["roles"]
        raise Warn(f"roles {', '.join(summary['roles'])}: none lets the app list all sites", summary)
    return f"roles: {', '.join(summary['roles'])}; credential: {summary['credential']}", summary, None
