"""A faithful Microsoft 365 tenant (identity platform, Graph, SharePoint Online) on loopback HTTPS.

Laid out like moto: shared state in ``state.py``; per emulated service a folder with ``models.py``
(rules, no HTTP), ``responses.py`` (request in, exact response out), ``urls.py`` (route table) and
``exceptions.py`` (the service's own error shapes).
"""
