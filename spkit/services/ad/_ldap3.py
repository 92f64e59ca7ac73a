"""Import ldap3 once, quietly: ldap3 2.9.1 imports ``tagMap``/``typeMap``, which pyasn1 >= 0.6 deprecates.

The warning is harmless (the names still work) and not ours to fix; only those two messages are
silenced, and only while ldap3 is first imported.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"(tag|type)Map is deprecated", category=DeprecationWarning)
    import ldap3  # noqa: F401
