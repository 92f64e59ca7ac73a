"""The farm's own refusal: that of the authentication layer. SharePoint Server's REST (OData) layer answers
exactly as SharePoint Online's (``sp_rest.errors``); what differs is IIS Windows authentication in front
of it (``ntlm.py``), which answers 401 with ``WWW-Authenticate: Negotiate`` / ``NTLM`` and the plain-text
body ``401 UNAUTHORIZED``.
"""

from __future__ import annotations

# What SharePoint Server sends with a 401 (text/plain; Content-Length 16), whatever the cause: no reason
# leaks to the client (centreon/centreon-plugins#4147 shows the headers and the length).
UNAUTHORIZED_BODY = "401 UNAUTHORIZED"
