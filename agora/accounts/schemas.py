from datetime import datetime

from ninja import Field, Schema
from pydantic import AnyHttpUrl, field_validator

from agora.accounts.models import User
from agora.accounts.queries import is_email_verified
from agora.accounts.services.profile import ProfileChanges


class UserOut(Schema):
    id: int
    email: str
    name: str
    roles: list[str] = Field(description="A subset of student, instructor, admin.")
    headline: str
    bio: str
    links: list[str]
    time_zone: str
    show_on_leaderboards: bool
    avatar_url: str | None
    email_verified: bool
    date_joined: datetime

    @staticmethod
    def resolve_avatar_url(user: User) -> str | None:
        return user.avatar.url if user.avatar else None

    @staticmethod
    def resolve_email_verified(user: User) -> bool:
        return is_email_verified(user)


class AdminUserOut(UserOut):
    is_active: bool
    suspended_at: datetime | None
    suspension_reason: str
    last_login: datetime | None


class PublicUserOut(Schema):
    id: int
    name: str
    headline: str
    avatar_url: str | None

    @staticmethod
    def resolve_avatar_url(user: User) -> str | None:
        return user.avatar.url if user.avatar else None


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    name: str = Field(max_length=150)


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    otp: str | None = Field(
        None, max_length=64, description="Current TOTP or recovery code, when 2FA is on."
    )


class AuthOut(Schema):
    user: UserOut
    access: str
    refresh: str


class RegisteredOut(Schema):
    user: UserOut
    access: str | None = Field(
        description="Null when the server requires a confirmed email before signing in."
    )
    refresh: str | None = Field(
        description="Null when the server requires a confirmed email before signing in."
    )


class TokensOut(Schema):
    access: str
    refresh: str


class RefreshIn(Schema):
    refresh: str = Field(max_length=4096)


class ForgotIn(Schema):
    email: str = Field(max_length=254)


class ResetIn(Schema):
    token: str = Field(max_length=512, description="The token from the password-reset email.")
    password: str = Field(max_length=1024)


class VerifyEmailIn(Schema):
    key: str = Field(max_length=512, description="The key from the confirmation email's link.")


class ProfileIn(Schema):
    name: str | None = Field(None, max_length=150)
    headline: str | None = Field(None, max_length=120)
    bio: str | None = Field(None, max_length=5000)
    links: list[AnyHttpUrl] | None = Field(None, max_length=10)
    time_zone: str | None = Field(
        None, max_length=64, description="An IANA time zone name, e.g. Europe/Paris."
    )
    show_on_leaderboards: bool | None = Field(
        None, description="false keeps me off every leaderboard."
    )

    @field_validator("name", "headline", "bio", "time_zone")
    @classmethod
    def no_null_text(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("Send a string (possibly empty), not null.")
        return value

    @field_validator("show_on_leaderboards")
    @classmethod
    def no_null_flag(cls, value: bool | None) -> bool | None:
        if value is None:
            raise ValueError("Send true or false, not null.")
        return value

    @field_validator("links")
    @classmethod
    def no_null_links(cls, value: list[AnyHttpUrl] | None) -> list[AnyHttpUrl] | None:
        if value is None:
            raise ValueError("Send a list (possibly empty), not null.")
        return value

    def changes(self) -> ProfileChanges:
        data = self.model_dump(exclude_unset=True)
        if "links" in data:
            data["links"] = [str(link) for link in data["links"]]
        return ProfileChanges(**data)


class SuspendIn(Schema):
    reason: str = Field("", max_length=500)
