from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.phones import mask_phone, normalize_phone, validate_mobile


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra) -> "User":
        user = self.model(phone=normalize_phone(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with a mainland mobile number.

    Admins are superusers. ``is_staff`` only lets a unit manager into the admin
    site, where everything is still scoped to the units they manage.
    """

    phone = models.CharField(_("mobile number"), max_length=11, unique=True, validators=[validate_mobile])
    name = models.CharField(_("name"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("admin site access"), default=False, help_text=_("Lets a unit manager log into the admin site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    password_change_required = models.BooleanField(
        _("must choose a new password"),
        default=False,
        help_text=_("Set while the password is one someone else handed over; cleared when the user chooses their own."),
    )

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        # Masked: this string shows up in admin pages that managers see.
        return f"{self.name}（{mask_phone(self.phone)}）" if self.name else mask_phone(self.phone)

    def get_short_name(self) -> str:
        """How pages greet the user (the admin's 「欢迎，张三」): the name, else the masked number.
        Logging in still takes the full number (``get_username``)."""
        return self.name or mask_phone(self.phone)

    def get_full_name(self) -> str:
        return self.name


# Who makes a request: a user, or Django's AnonymousUser before logging in.
AnyUser: TypeAlias = User | AnonymousUser


class TokenStamp(models.Model):
    """The password an API token (django-rest-knox's ``AuthToken``) was issued under.

    ``password_stamp`` is the user's session hash at issue, the same HMAC of the
    password hash that Django keeps in a session: once the password changes, by
    whatever path, the token no longer matches and is refused (and deleted)
    exactly as the user's sessions are. A row of its own rather than knox's
    swappable token model: knox's migrations create their table whatever the
    setting, and that orphan table would hold a foreign key to the users.
    """

    token = models.OneToOneField(
        "knox.AuthToken", verbose_name=_("API token"), on_delete=models.CASCADE, primary_key=True, related_name="stamp"
    )
    password_stamp = models.CharField(_("password stamp"), max_length=128)

    class Meta:
        verbose_name = _("API token stamp")
        verbose_name_plural = _("API token stamps")

    def __str__(self) -> str:
        return f"{self.token_id[:8]}…"


class LoginToken(AuthToken):
    """django-rest-knox's API tokens as the admin lists them, with Chinese names (knox names
    none): admins see who holds a token and until when, and revoke it by deleting the row."""

    class Meta:
        proxy = True
        verbose_name = _("API login token")
        verbose_name_plural = _("API login tokens")
