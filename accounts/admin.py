import knox.admin  # noqa: F401  # registers knox's own admin first, replaced below
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts import login_limits
from accounts.models import LoginToken, User
from accounts.services import require_password_change, revoke_credentials


class AdminRequest(HttpRequest):
    """A request behind the admin site: ``AdminSite.admin_view`` lets only active staff in, so its user is a User."""

    user: User


class SuperuserOnlyMixin:
    """Unscoped admin pages: admins only, whatever model permissions a manager was given."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)


@admin.register(User)
class UserAdmin(SuperuserOnlyMixin, DjangoUserAdmin):
    # Every user's full phone number is here.
    ordering = ["-date_joined"]
    list_display = ["phone", "name", "is_staff", "is_superuser", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["phone", "name"]
    fieldsets = [
        (None, {"fields": ["phone", "password"]}),
        (_("Personal info"), {"fields": ["name"]}),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "password_change_required",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "name", "password1", "password2"]})]

    actions = ["unlock_logins"]

    @admin.action(description=_("Lift the login locks of the selected users"))
    def unlock_logins(self, request, queryset) -> None:
        for user in queryset:
            login_limits.unlock(user.phone)
        self.message_user(request, _("Login locks lifted for %(count)d users.") % {"count": len(queryset)})

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            # The admin typed the password: its holder chooses their own at the first login.
            obj.password_change_required = True
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated: every token and session ends now, and stays ended if reactivated.
            revoke_credentials(obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            # A password set for someone else is handed over, like a manager's one-time password.
            require_password_change(User.objects.get(pk=id))
        return response


# knox's admin section reads 「KNOX / Auth tokens」 in English, with raw digests; its tokens
# are listed under accounts instead, in Chinese, for admins only.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(LoginToken)
class LoginTokenAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """The API tokens people hold (the app's logins): listed, and revoked by deleting; never made here."""

    list_display = ["key_prefix", "holder", "issued", "expires"]
    list_select_related = ["user"]
    search_fields = ["user__phone", "user__name"]
    ordering = ["-created"]
    fields = ["key_prefix", "holder", "issued", "expires"]
    readonly_fields = ("key_prefix", "holder", "issued", "expires")

    @admin.display(description=_("token begins with"))
    def key_prefix(self, token: LoginToken) -> str:
        return f"{token.token_key}…"

    @admin.display(description=_("user"), ordering="user__phone")
    def holder(self, token: LoginToken) -> User:
        return token.user

    @admin.display(description=_("issued at"), ordering="created")
    def issued(self, token: LoginToken):
        return token.created

    @admin.display(description=_("expires at"), ordering="expiry")
    def expires(self, token: LoginToken):
        return token.expiry

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
