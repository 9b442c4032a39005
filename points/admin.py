"""The points sections of the admin: rules and awards (rules_admin), the shop (shop_admin), the ledger below."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from points import rules_admin, shop_admin, watch  # noqa: F401  (they register their models)
from points.models import Account, Alert, Entry, Gift, Transfer
from stations.admin import WorkflowForm, WorkflowOnlyAdmin
from stations.scoping import managed_q

# Every field read-only: the ledger is changed by its services only.
ACCOUNT_FIELDS = ("kind", "volunteer", "unit", "balance", "frozen", "created_at")
ENTRY_FIELDS = ("account", "amount", "created_at")
TRANSFER_FIELDS = ("kind", "source", "target", "amount", "unit", "cause", "hours", "memo", "by", "created_at")
GIFT_FIELDS = ("giver", "receiver", "relation", "amount", "status", "created_at", "decided_at")
ALERT_FIELDS = ("kind", "unit", "volunteer", "detail", "created_at", "resolved_by", "resolved_at", "resolution")
CAUSES = {
    "record": _("service record"),
    "redemption": _("redemption"),
    "award": _("award"),
    "gift": _("transfer to a relative"),
    "reverses": _("reversal of"),
}


def accounts_in_reach(user: Any) -> QuerySet[Account]:
    """Admins every account; a manager the volunteers whose home station lies in their subtree and
    the accounts of their units (a center's system accounts therefore only for the center's managers)."""
    accounts = Account.objects.all()
    if user.is_superuser:
        return accounts
    return accounts.filter(managed_q(user, "volunteer__home_station__path") | managed_q(user, "unit__path"))


def transfers_in_reach(user: Any) -> QuerySet[Transfer]:
    """The transfers touching an account the user reaches."""
    transfers = Transfer.objects.all()
    if user.is_superuser:
        return transfers
    reach = accounts_in_reach(user)
    return transfers.filter(
        Q(Exists(reach.filter(pk=OuterRef("source_id")))) | Q(Exists(reach.filter(pk=OuterRef("target_id"))))
    )


class FreezeForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(WorkflowForm):
    resolution = forms.CharField(
        label=_("resolution"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you found and what was done."),
    )


class FrozenFilter(admin.SimpleListFilter):
    title = _("frozen")
    parameter_name = "frozen"

    def lookups(self, request, model_admin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(frozen_reason="")
        if self.value() == "no":
            return queryset.filter(frozen_reason="")
        return queryset


@admin.register(Account)
class AccountAdmin(WorkflowOnlyAdmin):
    """Points accounts, read-only: balances move only by transfers; managers may freeze a volunteer's."""

    list_display = ["__str__", "kind", "owner_unit", "balance", "frozen"]
    list_filter = ["kind", FrozenFilter]
    search_fields = ["volunteer__real_name", "volunteer__number", "volunteer__user__phone", "unit__name"]
    list_select_related = ["volunteer__home_station", "unit"]
    fields = readonly_fields = ACCOUNT_FIELDS
    actions = ["freeze_selected", "unfreeze_selected"]

    def scoped_queryset(self, request):
        return accounts_in_reach(request.user)

    @admin.display(description=_("unit"))
    def owner_unit(self, account: Account) -> str:
        unit = account.volunteer.home_station if account.volunteer is not None else account.unit
        return unit.name if unit is not None else ""

    @admin.display(description=_("frozen because"))
    def frozen(self, account: Account) -> str:
        return watch.frozen_reason_text(account)

    def _each(self, request: AdminRequest, queryset, change) -> int:
        done = 0
        for account in queryset.select_related("volunteer"):
            try:
                change(account)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{account}：")
                continue
            done += 1
        return done

    @admin.action(description=_("Freeze the points of the selected volunteers with a reason"))
    def freeze_selected(self, request: AdminRequest, queryset) -> HttpResponse | None:
        def perform(form: FreezeForm) -> None:
            reason = form.cleaned_data["reason"]

            def freeze(account: Account) -> None:
                watch.freeze_account(account, reason=reason, by=request.user)
                self.log_change(request, account, gettext("Frozen: %(reason)s") % {"reason": reason})

            done = self._each(request, queryset, freeze)
            self.message_user(
                request, ngettext("%d account frozen.", "%d accounts frozen.", done) % done, messages.SUCCESS
            )

        return self.form_action(
            request,
            queryset,
            FreezeForm,
            title=gettext("Freeze points"),
            perform=perform,
            intro=gettext("Frozen points still grow by service but cannot be redeemed, transferred or donated."),
        )

    @admin.action(description=_("Unfreeze the points of the selected volunteers"))
    def unfreeze_selected(self, request: AdminRequest, queryset) -> HttpResponse | None:
        def perform(form: FreezeForm) -> None:
            reason = form.cleaned_data["reason"]

            def unfreeze(account: Account) -> None:
                account = watch.unfreeze_account(account, by=request.user)
                self.log_change(request, account, gettext("Unfrozen: %(reason)s") % {"reason": reason})

            done = self._each(request, queryset, unfreeze)
            self.message_user(
                request, ngettext("%d account unfrozen.", "%d accounts unfrozen.", done) % done, messages.SUCCESS
            )

        return self.form_action(
            request,
            queryset,
            FreezeForm,
            title=gettext("Unfreeze points"),
            perform=perform,
            intro=gettext("Points stay frozen while a correction request of the volunteer is pending."),
        )


class EntryInline(admin.TabularInline):
    model = Entry
    fields = readonly_fields = ENTRY_FIELDS
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may open the transfer (TransferAdmin, scoped) reads both its sides.
        return True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account__volunteer", "account__unit")


@admin.register(Transfer)
class TransferAdmin(WorkflowOnlyAdmin):
    """Every movement of points with its cause and who made it; append-only (corrections are reversals)."""

    list_display = ["created_at", "kind", "source", "target", "amount", "unit", "cause", "by"]
    list_filter = ["kind", ("unit", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["source__volunteer__real_name", "target__volunteer__real_name", "memo"]
    list_select_related = ["source__volunteer", "source__unit", "target__volunteer", "target__unit", "unit", "by"]
    fields = readonly_fields = TRANSFER_FIELDS
    inlines = [EntryInline]

    def scoped_queryset(self, request):
        return transfers_in_reach(request.user)

    @admin.display(description=_("cause"))
    def cause(self, transfer: Transfer) -> str:
        for field, label in CAUSES.items():
            pk = getattr(transfer, f"{field}_id")
            if pk is not None:
                return f"{label} #{pk}"
        return ""


def gifts_in_reach(user: Any) -> QuerySet[Gift]:
    gifts = Gift.objects.all()
    if user.is_superuser:
        return gifts
    return gifts.filter(managed_q(user, "giver__home_station__path") | managed_q(user, "receiver__home_station__path"))


@admin.register(Gift)
class GiftAdmin(WorkflowOnlyAdmin):
    """Transfers to relatives as they were offered and answered; the points move in the transfer list."""

    list_display = ["created_at", "giver", "receiver", "relation", "amount", "status", "decided_at"]
    list_filter = ["status"]
    search_fields = ["giver__real_name", "receiver__real_name"]
    list_select_related = ["giver", "receiver"]
    fields = readonly_fields = GIFT_FIELDS

    def scoped_queryset(self, request):
        return gifts_in_reach(request.user)


class ResolvedFilter(admin.SimpleListFilter):
    title = _("resolved")
    parameter_name = "resolved"

    def lookups(self, request, model_admin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        return queryset


@admin.register(Alert)
class AlertAdmin(WorkflowOnlyAdmin):
    """What the fraud watch raised (``manage.py watch_points``); a manager resolves it with what they found."""

    list_display = ["created_at", "kind", "unit", "volunteer", "detail", "resolved_at", "resolved_by"]
    list_filter = ["kind", ResolvedFilter]
    search_fields = ["volunteer__real_name", "volunteer__number", "unit__name", "detail"]
    list_select_related = ["unit", "volunteer", "resolved_by"]
    fields = readonly_fields = ALERT_FIELDS
    actions = ["resolve_selected"]

    def scoped_queryset(self, request):
        alerts = Alert.objects.all()
        return alerts if request.user.is_superuser else alerts.filter(managed_q(request.user, "unit__path"))

    @admin.action(description=_("Resolve the selected alerts"))
    def resolve_selected(self, request: AdminRequest, queryset) -> HttpResponse | None:
        def perform(form: ResolveForm) -> None:
            done = 0
            for alert in queryset:
                try:
                    watch.resolve_alert(alert, by=request.user, resolution=form.cleaned_data["resolution"])
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{alert}：")
                    continue
                done += 1
            self.message_user(
                request, ngettext("%d alert resolved.", "%d alerts resolved.", done) % done, messages.SUCCESS
            )

        return self.form_action(request, queryset, ResolveForm, title=gettext("Resolve alerts"), perform=perform)
