"""A faithful Microsoft 365 tenant (identity platform, Graph, SharePoint Online) on loopback HTTPS.

Laid out like moto: shared state in ``state.py``; per emulated service a folder whose rules are free
functions over that state in topic modules (``models.py`` and, for a service of several topics, one module
each), ``responses.py`` (request in, exact response out), ``urls.py`` (route table) and ``exceptions.py``
(the service's error shapes). docs/sandbox-internals.md has the map.
"""
