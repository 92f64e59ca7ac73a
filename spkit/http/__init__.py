"""The one HTTP layer every outbound call of spkit goes through (MSAL included)."""

from .session import SpkitSession, build_session, session_for_card

__all__ = ["SpkitSession", "build_session", "session_for_card"]
