"""On-premises SharePoint Server: NTLM sessions, REST, search enumeration and verification."""
