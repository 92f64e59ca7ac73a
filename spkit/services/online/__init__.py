"""SharePoint Online (Microsoft 365): Entra ID sign-in and tokens, Microsoft Graph, SharePoint REST, app
registration and consent; the Online half of every workflow."""
