"""The services: the work spkit does (discovery, auth, enumeration, verification), over one session."""
