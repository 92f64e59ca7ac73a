"""The models layer: pure data and validation (clouds, addresses, secrets, certificates, profiles, results).

No HTTP and no widgets here, so every face (CLI, notebooks, sandbox) shares one definition of what is
valid. Import from the submodules, e.g. ``from spkit.models.profile import load_profile``.
"""
