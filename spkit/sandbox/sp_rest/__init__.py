"""What SharePoint Online (``sharepoint/``) and SharePoint Server (``farm/``) share in their REST layer: both
run the same ``/_api`` code, so the sandbox renders dates, OData entities and errors once, here.

``dates`` (last-modified dates and change tokens), ``odata`` (the OData flavour of ``Accept``, ``$select``
and entity rendering), ``web_fields`` (the SP.Web / SP.Site field table), ``context_info`` and ``errors``
(the REST layer's refusals and their bodies, which each product's ``exceptions.py`` names). What differs
between the two products (authentication, response headers, the OData v4 forms only Online speaks) stays
in their own packages.
"""
