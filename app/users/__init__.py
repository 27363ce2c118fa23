"""User accounts and their API tokens: who may sign in, with which role, for which party."""

from app.users import service
from app.users.auth import (
    AdminUser,
    CurrentUser,
    EditorUser,
    authenticate_request,
    authenticator,
    bearer,
    bearer_token,
    current_principal,
)
from app.users.enums import IssuableScope, TokenScope
from app.users.models import ApiToken, IssuedToken, TokenCreate, UserAccount, UserCreate, UserPublic
from app.users.service import token_is_live

__all__ = [
    "AdminUser",
    "ApiToken",
    "CurrentUser",
    "EditorUser",
    "IssuableScope",
    "IssuedToken",
    "TokenCreate",
    "TokenScope",
    "UserAccount",
    "UserCreate",
    "UserPublic",
    "authenticate_request",
    "authenticator",
    "bearer",
    "bearer_token",
    "current_principal",
    "service",
    "token_is_live",
]
