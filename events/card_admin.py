"""Admin of printed volunteer cards and of the keys that sign personal codes.

Cards change only through ``events.card_services``: issuing one (by volunteer number) revokes
the card in use and opens the printable card; the list revokes or reissues the selected cards.
Keys are read-only here: ``manage.py rotate_card_key`` makes and retires generations.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from events import card_services
from events.card_views import cards_visible_to
from events.models import CardKey, VolunteerCard
from stations.admin import WorkflowForm, WorkflowOnlyAdmin
from volunteers.models import Volunteer


class IssueCardForm(WorkflowForm):
    number = forms.CharField(label=_("volunteer number"), max_length=16)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_number(self) -> Volunteer:
        volunteer = Volunteer.objects.managed_by(self.user).filter(number=self.cleaned_data["number"].strip()).first()
        if volunteer is None:
            raise forms.ValidationError(_("No volunteer of your units has this number."))
        return volunteer


class RevokeCardForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=card_services.REASON_MAX_LENGTH)


class InUseFilter(admin.SimpleListFilter):
    title = _("in use")
    parameter_name = "in_use"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(VolunteerCard)
class VolunteerCardAdmin(WorkflowOnlyAdmin):
    list_display = ["volunteer", "serial", "generation", "issued_at", "revoked_at", "revoke_reason", "print_link"]
    list_filter = [InUseFilter, "generation"]
    search_fields = ["volunteer__real_name", "volunteer__number"]
    list_select_related = ["volunteer"]
    readonly_fields = ["volunteer", "serial", "generation", "issued_at", "issued_by", "revoked_at", "revoked_by"]
    actions = ["revoke_selected", "reissue_selected"]

    def scoped_queryset(self, request):
        return cards_visible_to(request.user).filter(volunteer__in=Volunteer.objects.managed_by(request.user))

    def has_add_permission(self, request, obj=None) -> bool:
        # "Add" is issuing: the form asks for the volunteer's number, the service does the rest.
        return self._allowed(request)

    @admin.display(description=_("print"))
    def print_link(self, card: VolunteerCard) -> str:
        if card.revoked_at is not None:
            return "—"
        url = reverse("volunteer-card-print", args=[card.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("print"))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)

        def perform(form: IssueCardForm) -> HttpResponse | None:
            try:
                card = card_services.issue_card(form.cleaned_data["number"], cast(User, request.user))
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Card %(serial)d issued: print it now.") % {"serial": card.serial})
            return HttpResponseRedirect(reverse("volunteer-card-print", args=[card.pk]))

        return self.object_form(
            request,
            None,
            IssueCardForm,
            title=gettext("Issue a volunteer card"),
            intro=gettext("The volunteer's card in use, if any, is revoked: only the new card is accepted."),
            perform=perform,
            form_kwargs={"user": request.user},
        )

    @admin.action(description=_("Revoke the selected cards with a reason"))
    def revoke_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: RevokeCardForm) -> None:
            revoked = 0
            for card in queryset.filter(revoked_at__isnull=True):
                try:
                    card_services.revoke_card(card, request.user, form.cleaned_data["reason"])
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{card}：")
                    continue
                revoked += 1
            self.message_user(request, ngettext("%d card revoked.", "%d cards revoked.", revoked) % revoked)

        return self.form_action(
            request, queryset, RevokeCardForm, title=gettext("Revoke the selected cards"), perform=perform
        )

    @admin.action(description=_("Issue new cards to the selected cards' volunteers"))
    def reissue_selected(self, request, queryset) -> None:
        issued = 0
        for volunteer in Volunteer.objects.filter(pk__in=queryset.values("volunteer")):
            try:
                card_services.issue_card(volunteer, request.user)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{volunteer}：")
                continue
            issued += 1
        self.message_user(
            request,
            ngettext("%d card issued: print it from the list.", "%d cards issued: print them from the list.", issued)
            % issued,
            messages.SUCCESS,
        )


@admin.register(CardKey)
class CardKeyAdmin(WorkflowOnlyAdmin):
    """Generations of the signing key, for admins to see which are in use (rotate_card_key changes them)."""

    list_display = ["generation", "created_at", "retired_at", "cards_in_use"]
    readonly_fields = ["generation", "public_key", "created_at", "retired_at"]

    def scoped_queryset(self, request):
        return CardKey.objects.all()

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("cards in use"))
    def cards_in_use(self, key: CardKey) -> int:
        return card_services.cards_signed_with(key.generation)
