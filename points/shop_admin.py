"""The shop (爱心超市) in the admin: items (入库 and 盘点 through points.shop), the stock register,
redemptions (退回 with a reason) and shop keepers, each scoped to the units the user manages."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from accounts.models import User
from events.photos import PhotoRejected, check_photo, reencode_photo
from points import shop
from points.models import Redemption, ShopItem, ShopKeeper, StockMovement
from stations.admin import ScopedAdmin, WorkflowForm, WorkflowOnlyAdmin
from stations.scoping import scoped


class ReceiveForm(WorkflowForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=shop.MAX_STOCK_QUANTITY)
    donor = forms.CharField(label=_("donor"), max_length=100, required=False, help_text=_("Empty: the item's donor."))
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class CountForm(WorkflowForm):
    counted = forms.IntegerField(label=_("counted on the shelf"), min_value=0, max_value=shop.MAX_STOCK_QUANTITY)
    note = forms.CharField(
        label=_("note"), max_length=200, required=False, help_text=_("Required when the count differs from the stock.")
    )


class ReturnForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


ITEM_FIELDS = [
    "unit",
    "name",
    "description",
    "kind",
    "price",
    "donor",
    "photo",
    "limit_per_person",
    "limit_days",
    "is_active",
]


class ShopItemForm(forms.ModelForm):
    class Meta:
        model = ShopItem
        fields = ITEM_FIELDS

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not isinstance(photo, UploadedFile):
            return photo
        # As every photo the platform keeps: refused from its header if too large to decode,
        # then stored as plain pixels (no EXIF position of the donor's shop or home).
        try:
            check_photo(photo)
            return reencode_photo(photo)
        except PhotoRejected as rejection:
            raise forms.ValidationError(str(rejection)) from None


class StockMovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["created_at", "kind", "quantity", "stock_after", "donor", "note", "by"]
    readonly_fields = ["created_at", "kind", "quantity", "stock_after", "donor", "note", "by"]
    ordering = ["-created_at", "-id"]
    verbose_name_plural = _("stock register")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShopItem)
class ShopItemAdmin(ScopedAdmin):
    form = ShopItemForm
    list_display = ["name", "unit", "price", "stock", "donor", "limit_per_person", "limit_days", "is_active"]
    list_filter = ["is_active", "kind"]
    search_fields = ["name", "donor", "unit__name"]
    list_select_related = ["unit"]
    readonly_fields = ["stock"]
    fields = [*ITEM_FIELDS[:5], "stock", *ITEM_FIELDS[5:]]
    object_tools = {"receive": _("Receive stock (入库)"), "count": _("Stocktaking (盘点)")}

    def scoped_queryset(self, request):
        return scoped(ShopItem.objects.all(), request.user, "unit__path")

    def get_inlines(self, request, obj):
        return [StockMovementInline] if obj is not None else []

    def receive_view(self, request: AdminRequest, item: ShopItem) -> HttpResponse:
        def perform(form: ReceiveForm) -> None:
            data = form.cleaned_data
            try:
                movement = shop.receive_stock(
                    item, data["quantity"], by=request.user, donor=data["donor"], note=data["note"]
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            message = gettext("Received %(quantity)s; %(stock)s in stock.") % {
                "quantity": movement.quantity,
                "stock": movement.stock_after,
            }
            self.message_user(request, message, messages.SUCCESS)
            return None

        title = gettext("Receive stock of %(item)s") % {"item": item}
        return self.object_form(request, item, ReceiveForm, title=title, perform=perform)

    def count_view(self, request: AdminRequest, item: ShopItem) -> HttpResponse:
        def perform(form: CountForm) -> None:
            data = form.cleaned_data
            try:
                movement = shop.count_stock(item, data["counted"], by=request.user, note=data["note"])
            except DomainError as error:
                form.add_error("note" if error.code == "note_required" else None, error.detail)
                return None
            if movement is None:
                self.message_user(request, gettext("The count matches the stock."), messages.SUCCESS)
            else:
                message = gettext("Stock corrected by %(difference)+d to %(stock)s.") % {
                    "difference": movement.quantity,
                    "stock": movement.stock_after,
                }
                self.message_user(request, message, messages.WARNING)
            return None

        title = gettext("Stocktaking of %(item)s (%(stock)s in stock)") % {"item": item, "stock": item.stock}
        return self.object_form(request, item, CountForm, title=title, perform=perform)


@admin.register(StockMovement)
class StockMovementAdmin(WorkflowOnlyAdmin):
    """The stock register (入库, 出库, 盘点): written only by the shop's workflows."""

    list_display = ["created_at", "item", "kind", "quantity", "stock_after", "donor", "note", "by_name"]
    list_filter = [("item", admin.RelatedOnlyFieldListFilter), "kind", "created_at"]
    search_fields = ["item__name", "donor", "note"]
    list_select_related = ["item", "by"]
    date_hierarchy = "created_at"

    def scoped_queryset(self, request):
        return scoped(StockMovement.objects.all(), request.user, "item__unit__path")

    @admin.display(description=_("by"), ordering="by__name")
    def by_name(self, movement: StockMovement) -> str:
        return movement.by.name


@admin.register(Redemption)
class RedemptionAdmin(WorkflowOnlyAdmin):
    list_display = ["created_at", "item", "volunteer_name", "quantity", "points", "status", "how", "by_name"]
    list_filter = ["status", ("item", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["item__name", "volunteer__real_name", "recipient"]
    list_select_related = ["item", "volunteer", "by"]
    date_hierarchy = "created_at"
    actions = ["return_selected"]
    object_tools = {"take_back": _("Return (退回)")}

    def scoped_queryset(self, request):
        return scoped(Redemption.objects.all(), request.user, "item__unit__path")

    @admin.display(description=_("given to"), ordering="volunteer__real_name")
    def volunteer_name(self, redemption: Redemption) -> str:
        return redemption.volunteer.real_name if redemption.volunteer else redemption.recipient

    @admin.display(description=_("handed over by"), ordering="by__name")
    def by_name(self, redemption: Redemption) -> str:
        return redemption.by.name

    @admin.display(description=_("how"), ordering="method")
    def how(self, redemption: Redemption) -> str:
        return str(shop.METHOD_LABELS.get(redemption.method, redemption.method))

    def _take_back(self, request: AdminRequest, redemptions, reason: str) -> int:
        returned = 0
        for redemption in redemptions:
            try:
                shop.return_redemption(redemption, by=request.user, reason=reason)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{redemption}：")
                continue
            returned += 1
        return returned

    @admin.action(description=_("Return the selected redemptions (退回) with a reason"))
    def return_selected(self, request: AdminRequest, queryset) -> HttpResponse | None:
        def perform(form: ReturnForm) -> None:
            returned = self._take_back(request, queryset.select_related("item__unit"), form.cleaned_data["reason"])
            self.message_user(
                request, ngettext("%d redemption returned.", "%d redemptions returned.", returned) % returned
            )
            return None

        return self.form_action(
            request, queryset, ReturnForm, title=gettext("Return the selected redemptions"), perform=perform
        )

    def take_back_view(self, request: AdminRequest, redemption: Redemption) -> HttpResponse:
        def perform(form: ReturnForm) -> None:
            try:
                shop.return_redemption(redemption, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Returned: the points and the goods are back."), messages.SUCCESS)
            return None

        title = gettext("Return %(redemption)s") % {"redemption": redemption}
        return self.object_form(request, redemption, ReturnForm, title=title, perform=perform)


class ShopKeeperForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("mobile number"), max_length=11, help_text=_("The keeper's mobile number: they must have registered.")
    )

    class Meta:
        model = ShopKeeper
        fields = ["unit"]

    def clean_phone(self) -> User:
        user = User.objects.filter(phone=self.cleaned_data["phone"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("Nobody has registered with this mobile number."))
        return user

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        user, unit = cleaned.get("phone"), cleaned.get("unit")
        if user is not None and unit is not None and ShopKeeper.objects.filter(unit=unit, user=user).exists():
            self.add_error("phone", _("This person already keeps this shop."))
        return cleaned

    def save(self, commit: bool = True) -> ShopKeeper:
        self.instance.user = self.cleaned_data["phone"]
        return super().save(commit)


@admin.register(ShopKeeper)
class ShopKeeperAdmin(ScopedAdmin):
    """Keepers of a unit's shop, appointed by the unit's managers: added or removed, never changed."""

    form = ShopKeeperForm
    list_display = ["unit", "keeper_name"]
    search_fields = ["unit__name", "user__name"]
    list_select_related = ["unit", "user"]

    def scoped_queryset(self, request):
        return scoped(ShopKeeper.objects.all(), request.user, "unit__path")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    @admin.display(description=_("shop keeper"), ordering="user__name")
    def keeper_name(self, keeper: ShopKeeper) -> str:
        return str(keeper.user)
