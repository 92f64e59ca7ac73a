"""Graph's route table. Order matters: the first route whose path matches wins (and a path that matches
with another method is a 405)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..http import Route

if TYPE_CHECKING:
    from .responses import GraphService

_VERSION = r"/(?P<version>v1\.0|beta)"
# An object by id, or by appId with Graph's alternate-key syntax: /applications(appId='…') (quotes may
# come percent-encoded).
_KEY = r"(?:/(?P<id>[^/()]+)|\(appId=(?:'|%27)(?P<app_id>[^'%/]*)(?:'|%27)\))"
_APPLICATION = _VERSION + r"/applications" + _KEY
_SERVICE_PRINCIPAL = _VERSION + r"/servicePrincipals" + _KEY
_ASSIGNMENTS = _SERVICE_PRINCIPAL + r"/(?P<relation>appRoleAssignedTo|appRoleAssignments)"
# host | host,siteGuid[,webGuid] | host:/server/relative/path: (the colon closes the path before a segment)
_SITE_PERMISSIONS = _VERSION + r"/sites/(?P<ref>[^/:]+(?::/[^:]*:)?)/permissions"


def routes(service: GraphService) -> list[Route]:
    return [
        # Graph also answers the namespace-qualified and call forms of the function.
        Route.of(
            "GET",
            _VERSION + r"/sites/(?:microsoft\.graph\.|oneDrive\.)?getAllSites(?:\(\))?",
            service.get_all_sites,
        ),
        Route.of("GET", _VERSION + r"/sites/root", service.get_root_site),
        Route.of("GET", _SITE_PERMISSIONS, service.list_site_permissions),
        Route.of("POST", _SITE_PERMISSIONS, service.create_site_permission),
        Route.of("GET", _SITE_PERMISSIONS + r"/(?P<permission>[^/]+)", service.get_site_permission),
        Route.of("PATCH", _SITE_PERMISSIONS + r"/(?P<permission>[^/]+)", service.update_site_permission),
        Route.of("DELETE", _SITE_PERMISSIONS + r"/(?P<permission>[^/]+)", service.delete_site_permission),
        # host | host,siteGuid[,webGuid] | host:/server/relative/path[:]
        Route.of("GET", _VERSION + r"/sites/(?P<ref>[^/]+(?::/[^:]*:?)?)", service.get_site),
        Route.of("GET", _VERSION + r"/organization", service.get_organization),
        # the signed-in user, users and directory roles
        Route.of("GET", _VERSION + r"/me", service.get_me),
        Route.of("GET", _VERSION + r"/me/(?:memberOf|transitiveMemberOf)", service.get_me_member_of),
        Route.of("GET", _VERSION + r"/users", service.list_users),
        Route.of("GET", _VERSION + r"/users/(?P<user>[^/]+)", service.get_user),
        Route.of(
            "GET",
            _VERSION + r"/users/(?P<user>[^/]+)/(?:memberOf|transitiveMemberOf)",
            service.get_user_member_of,
        ),
        Route.of("GET", _VERSION + r"/directoryRoles", service.list_directory_roles),
        # app registrations
        Route.of("GET", _VERSION + r"/applications", service.list_applications),
        Route.of("POST", _VERSION + r"/applications", service.create_application),
        Route.of("GET", _APPLICATION, service.get_application),
        Route.of("PATCH", _APPLICATION, service.update_application),
        Route.of("DELETE", _APPLICATION, service.delete_application),
        Route.of("POST", _APPLICATION + r"/(?:microsoft\.graph\.)?addPassword", service.add_password),
        Route.of("POST", _APPLICATION + r"/(?:microsoft\.graph\.)?removePassword", service.remove_password),
        # service principals and consent
        Route.of("GET", _VERSION + r"/servicePrincipals", service.list_service_principals),
        Route.of("POST", _VERSION + r"/servicePrincipals", service.create_service_principal),
        Route.of("GET", _SERVICE_PRINCIPAL, service.get_service_principal),
        Route.of("DELETE", _SERVICE_PRINCIPAL, service.delete_service_principal),
        Route.of("GET", _ASSIGNMENTS, service.list_role_assignments),
        Route.of("POST", _ASSIGNMENTS, service.create_role_assignment),
        Route.of("DELETE", _ASSIGNMENTS + r"/(?P<assignment>[^/]+)", service.delete_role_assignment),
        Route.of("GET", _SERVICE_PRINCIPAL + r"/oauth2PermissionGrants", service.list_grants),
        Route.of("GET", _VERSION + r"/oauth2PermissionGrants", service.list_grants),
        Route.of("POST", _VERSION + r"/oauth2PermissionGrants", service.create_grant),
        Route.of("GET", _VERSION + r"/oauth2PermissionGrants/(?P<grant>[^/]+)", service.get_grant),
        Route.of("PATCH", _VERSION + r"/oauth2PermissionGrants/(?P<grant>[^/]+)", service.update_grant),
        Route.of("DELETE", _VERSION + r"/oauth2PermissionGrants/(?P<grant>[^/]+)", service.delete_grant),
    ]
