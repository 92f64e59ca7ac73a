"""What SharePoint Online (``sharepoint/``) and SharePoint Server (``farm/``) share in their REST layer: both
run the same ``/_api`` code, so the sandbox renders dates, OData entities and errors once, here.

``dates`` (SharePoint's date strings and change tokens), ``odata`` (the OData flavour of ``Accept``,
``$select`` and entity rendering) and ``errors`` (the REST layer's refusals and their bodies). What differs
between the two products (authentication, response headers, the OData v4 forms only Online speaks) stays
in their own packages.
"""
