"""Which directory Browse binds to: the sandbox's (from its card) or the one the options and the
``SPKIT_AD_*`` environment name. ``spkit ad users|trusts`` and the wizard's *Browse* both ask here, so
they pick the same directory and say "type the UPN" for the same reasons.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ...models.secrets import Secret
from .sandbox_directory import card_directory, directory_settings_from_card, no_directory_error
from .settings import ENV_SERVER, DirectorySettings, build_settings, configured_server


def directory_card(card: dict[str, Any] | None, *, environment_wins: bool = False) -> dict[str, Any] | None:
    """The sandbox card to browse, or None for the options' and environment's directory.

    ``environment_wins``: the card is only the sandbox a face was opened with (the wizard), so a
    directory named by ``SPKIT_AD_SERVER`` is the one to browse; a card the user named (``--sandbox``)
    wins over the environment."""
    if card is not None and environment_wins and os.environ.get(ENV_SERVER):
        return None
    return card


def choose_directory_settings(
    card: dict[str, Any] | None = None,
    *,
    domain: str | None = None,
    environment_wins: bool = False,
    read_password: Callable[[], Secret | None] | None = None,
    **options: Any,
) -> DirectorySettings:
    """The settings to bind with: the card's directory (its farm's domain, or ``domain``, with that
    domain's account) when ``directory_card`` keeps the card, else ``build_settings`` over ``options``
    and the environment. No directory either way is "type the UPN" (exit 2), said before
    ``read_password`` (a face reading stdin) is called. ``options`` are ``build_settings``' and win over
    the card's values."""
    chosen = directory_card(card, environment_wins=environment_wins)
    if chosen is not None:
        if card_directory(chosen) is None:
            raise no_directory_error(chosen)  # why the sandbox serves none (no slapd, ...)
    else:
        configured_server(options.get("server"))
    if read_password is not None:
        options["password"] = read_password()
    if chosen is not None:
        settings = directory_settings_from_card(chosen, domain=domain, **options)
        if settings is None:
            raise no_directory_error(chosen)
        return settings
    options.setdefault("server", None)
    options.setdefault("user", None)
    return build_settings(**options)
