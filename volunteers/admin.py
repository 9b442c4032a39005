from __future__ import annotations

import base64
import binascii
import inspect
import secrets
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import (  # type: ignore[attr-defined]  # the stubs lack IS_FACETS_VAR (5.0)
    IS_FACETS_VAR,
    SEARCH_VAR,
)
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from accounts.phones import mask_phone, normalize_phone, validate_mobile
from accounts.services import change_password, require_password_change
from jobs.files import attachment_header
from stations.admin import SafeModelChoiceField, ScopedAdmin, WorkflowForm, serializer_errors_to_form
from stations.models import Level, PracticeUnit
from stations.scoping import is_manager
from volunteers import roster_import
from volunteers.correction_history import NO_DELETION_HELP, CorrectionHistoryMixin
from volunteers.id_numbers import mask_id_number, normalize_id_number, parse_id_number
from volunteers.models import Award, GuardianRelation, PoliticalStatus, Skill, Team, Volunteer
from volunteers.serializers import RegistrationSerializer
from volunteers.services import register_volunteer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

# No look-alikes (0/O, 1/l/I): the password is read out or written on paper.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 - the characters, not a password


def one_time_password() -> str:
    """A password a manager hands over once, for the volunteer to change."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(10))


def has_field(name: str) -> bool:
    return any(field.name == name for field in Volunteer._meta.get_fields())


def whole_number(term: str) -> dict | None:
    """A lookup for a whole, valid ID or mobile number typed in the search box; None for anything else."""
    id_number = normalize_id_number(term)
    try:
        parse_id_number(id_number)
        return {"id_number": id_number}
    except ValidationError:
        phone = normalize_phone(term)
    try:
        validate_mobile(phone)
    except ValidationError:
        return None
    return {"user__phone": phone}


class OnTheSpotForm(WorkflowForm):
    """A volunteer registered by a manager at a desk: the person signs the consent form on paper."""

    real_name = forms.CharField(label=_("real name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=30)
    phone = forms.CharField(label=_("mobile number"), max_length=20)
    home_station = SafeModelChoiceField(label=_("home station"), queryset=PracticeUnit.objects.none())
    political_status = forms.ChoiceField(
        label=_("political status"), choices=[("", "—"), *PoliticalStatus.choices], required=False
    )
    guardian_name = forms.CharField(label=_("guardian's name"), max_length=60, required=False)
    guardian_phone = forms.CharField(label=_("guardian's mobile number"), max_length=20, required=False)
    guardian_relation = forms.ChoiceField(
        label=_("guardian's relation"), choices=[("", "—"), *GuardianRelation.choices], required=False
    )
    guardian_consent = forms.BooleanField(label=_("the guardian consents (signed)"), required=False)
    consent = forms.BooleanField(
        label=_("consent signed"),
        help_text=_("The volunteer has signed the consent to the processing of personal information (paper form)."),
    )

    def __init__(self, *args, request: AdminRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stations = PracticeUnit.objects.managed_by(request.user).filter(level=Level.STATION, is_active=True)
        cast(forms.ModelChoiceField, self.fields["home_station"]).queryset = stations
        if not has_field("guardian_name"):
            for name in ["guardian_name", "guardian_phone", "guardian_relation", "guardian_consent"]:
                del self.fields[name]
        self.password = one_time_password()
        self.registration: dict = {}

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        # Empty choices are left out, as an API client would leave them out.
        data = {key: value.pk if hasattr(value, "pk") else value for key, value in cleaned.items() if value != ""}
        serializer = RegistrationSerializer(data={**data, "password": self.password})
        if serializer.is_valid():
            self.registration = dict(serializer.validated_data)
        else:
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


@admin.register(Volunteer)
class VolunteerAdmin(ScopedAdmin):
    list_display = [
        "number",
        "real_name",
        "masked_id_number",
        "masked_phone",
        "gender",
        "age_display",
        "home_station",
        "status",
        "created_at",
    ]
    list_filter = ["status", "gender", "political_status", "skills"]
    search_fields = ["real_name", "number"]
    list_select_related = ["user", "home_station"]
    date_hierarchy = "created_at"
    filter_horizontal = ["skills"]
    change_list_template = "admin/volunteers/volunteer/change_list.html"
    object_tools = {"reset_password": _("Reset the password")}
    actions: list = []

    def get_fields(self, request, obj=None):
        fields = [
            "number",
            "real_name",
            "id_number" if request.user.is_superuser else "masked_id_number",
            "phone" if request.user.is_superuser else "masked_phone",
            "gender",
            # The birth date is the middle of the ID number: managers see the age only.
            "birth_date" if request.user.is_superuser else "age_display",
            "home_station",
            "skills",
            "political_status",
            "status",
            "consented_at",
        ]
        if has_field("guardian_name"):
            guardian_phone = "guardian_phone" if request.user.is_superuser else "masked_guardian_phone"
            fields += ["guardian_name", guardian_phone, "guardian_relation", "guardian_consented_at"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        editable = {"home_station", "skills", "political_status", "status"}
        return [name for name in self.get_fields(request, obj) if name not in editable]

    def get_list_display(self, request):
        if not request.user.is_superuser:
            return self.list_display
        full = {"masked_id_number": "id_number", "masked_phone": "full_phone"}
        return [full.get(name, name) for name in self.list_display]

    def scoped_queryset(self, request):
        return Volunteer.objects.managed_by(request.user)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        exact = whole_number(search_term.strip()) if search_term.strip() else None
        if exact is not None:
            # Only a whole number finds anyone, and only within the manager's scope.
            results = results | queryset.filter(**exact)
        return results, may_have_duplicates

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if whole_number(changelist.query.strip()) is not None:
            # The page does not repeat a whole number typed in (nor its birth-date digits)
            # in the search box or the filter links; the rows found are shown masked.
            changelist.query = ""
            changelist.params.pop(SEARCH_VAR, None)
            changelist.filter_params.pop(SEARCH_VAR, None)
            changelist.add_facet_link = changelist.get_query_string({IS_FACETS_VAR: True})
            changelist.remove_facet_link = changelist.get_query_string(remove=[IS_FACETS_VAR])
        return changelist

    def get_preserved_filters(self, request) -> str:
        # Links from the list keep its filters, but not a whole number typed in.
        if whole_number(request.GET.get(SEARCH_VAR, "").strip()) is not None:
            return ""
        return super().get_preserved_filters(request)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, volunteer: Volunteer) -> str:
        return mask_id_number(volunteer.id_number)

    @admin.display(description=_("mobile number"))
    def masked_phone(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.phone)

    @admin.display(description=_("mobile number"))
    def full_phone(self, volunteer: Volunteer) -> str:
        return volunteer.phone

    @admin.display(description=_("guardian's mobile number"))
    def masked_guardian_phone(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.guardian_phone) if volunteer.guardian_phone else "—"

    @admin.display(description=_("age"))
    def age_display(self, volunteer: Volunteer) -> str:
        return gettext("%(age)d years") % {"age": volunteer.age}

    def tool_links(self, request: HttpRequest, obj) -> list[tuple[StrOrPromise, str]]:
        # The rest of the volunteer's record (办法 art. 9-10), entered from their page.
        query = urlencode({"volunteer": obj.pk})
        return [
            *super().tool_links(request, obj),
            (_("Enter an award"), f"{reverse('admin:volunteers_award_add')}?{query}"),
            (_("Evaluate a period"), f"{reverse('admin:events_evaluation_add')}?{query}"),
        ]

    # Registering on the spot --------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)

        def perform(form: OnTheSpotForm) -> HttpResponse | None:
            accepted = inspect.signature(register_volunteer).parameters
            data = {key: value for key, value in form.registration.items() if key in accepted}
            try:
                volunteer = register_volunteer(**data)
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            require_password_change(volunteer.user)
            return self.password_page(request, volunteer, form.password, registered=True)

        return self.object_form(
            request,
            None,
            OnTheSpotForm,
            title=gettext("Register a volunteer on the spot"),
            perform=perform,
            form_kwargs={"request": request},
            intro=gettext(
                "Keep the signed consent form. The volunteer logs in with the mobile number and the one-time "
                "password shown next, then changes it."
            ),
        )

    def password_page(self, request: HttpRequest, volunteer: Volunteer, password: str, *, registered: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("One-time password"),
            "opts": self.model._meta,
            "object": volunteer,
            "change_url": self.change_url(volunteer),
            "password": password,
            "registered": registered,
        }
        response = TemplateResponse(request, "admin/volunteers/volunteer/one_time_password.html", context)
        # Shown once: never from a cache or the back button.
        response["Cache-Control"] = "no-store"
        return response

    def reset_password_view(self, request: AdminRequest, volunteer: Volunteer) -> HttpResponse:
        def perform(form: forms.Form) -> HttpResponse:
            password = one_time_password()
            # Every login of the volunteer ends: a lost phone stays logged in no longer.
            change_password(volunteer.user, password, one_time=True)
            return self.password_page(request, volunteer, password, registered=False)

        return self.object_form(
            request,
            volunteer,
            WorkflowForm,
            title=gettext("Reset the password of %(name)s") % {"name": volunteer.real_name},
            perform=perform,
            intro=gettext("The old password stops working. The new one is shown once; hand it to the volunteer."),
        )

    # Roster import ------------------------------------------------------------------

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="volunteers_volunteer_import"),
            path(
                "import/failed-rows/",
                self.admin_site.admin_view(self.import_failed_rows_view),
                name="volunteers_volunteer_import_failed_rows",
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="volunteers_volunteer_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request: AdminRequest) -> HttpResponse:
        if not self.may_use_workflows(request):
            return HttpResponse(status=403)
        stations = PracticeUnit.objects.managed_by(request.user).filter(level=Level.STATION, is_active=True)
        response = HttpResponse(roster_import.template_workbook(stations.order_by("path")), content_type=XLSX_TYPE)
        # Not inside the f-string: xgettext does not look into f-strings, the name stayed English.
        name = gettext("volunteer roster")
        response["Content-Disposition"] = attachment_header(f"{name}.xlsx", "volunteer-roster.xlsx")
        return response

    def import_view(self, request: AdminRequest) -> HttpResponse:
        if not self.may_use_workflows(request):
            return HttpResponse(status=403)
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import volunteers from Excel"),
            "opts": self.model._meta,
            "form": form,
        }
        if request.method != "POST":
            return TemplateResponse(request, "admin/volunteers/volunteer/import.html", context)
        form.is_valid()
        content = form.content()
        rows: list[roster_import.RosterRow] = []
        if content and roster_import.carried_size(content) > settings.MAX_REQUEST_BODY_BYTES:
            # The preview sends the file back with the confirmation: refused now, not with a 413 then.
            largest = roster_import.largest_carried_file(settings.MAX_REQUEST_BODY_BYTES) / (1024 * 1024)
            message = gettext(
                "This file is too large to preview and import in one go: at most about %(size).1f MB. "
                "Split the roster into several files and import them one after another."
            )
            form.add_error("file", message % {"size": largest})
            content = b""
        if content:
            try:
                rows = roster_import.read_rows(content)
            except roster_import.RosterError as error:
                form.add_error("file", str(error))
                content = b""
        if form.errors:
            # A browser cannot fill a file input again: the file chosen comes back in the page,
            # as the preview carries it, so a forgotten tick costs only the tick.
            if content:
                context["kept"] = {"content": base64.b64encode(content).decode(), "name": form.file_name()}
            return TemplateResponse(request, "admin/volunteers/volunteer/import.html", context)
        encoded = base64.b64encode(content).decode()
        if "confirm" in request.POST:
            result = roster_import.import_rows(rows, user=request.user)
            imported = Volunteer.objects.filter(pk__in=[volunteer.pk for volunteer in result.volunteers])
            context |= {
                "title": gettext("Volunteers imported"),
                "result": result,
                "imported": imported.select_related("user", "home_station").order_by("pk")[:MAX_LISTED],
                "more": max(result.created - MAX_LISTED, 0),
                "content": encoded,
                "login_url": request.build_absolute_uri(reverse("login")),
            }
            return TemplateResponse(request, "admin/volunteers/volunteer/import_done.html", context)
        check = roster_import.check_rows(rows, user=request.user)
        context |= {
            "check": check,
            "content": encoded,
            "preview_title": ngettext(
                "%(valid)d of %(count)d row will be imported",
                "%(valid)d of %(count)d rows will be imported",
                len(rows),
            )
            % {"valid": len(check.valid), "count": len(rows)},
        }
        return TemplateResponse(request, "admin/volunteers/volunteer/import.html", context)

    def import_failed_rows_view(self, request: AdminRequest) -> HttpResponse:
        """The rows of the sheet sent along that cannot be imported, with their errors, as a workbook."""
        if not self.may_use_workflows(request):
            return HttpResponse(status=403)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:volunteers_volunteer_import"))
        form = RosterUploadForm(request.POST, request.FILES)
        form.is_valid()
        try:
            rows = roster_import.read_rows(form.content())
        except roster_import.RosterError:
            return HttpResponseRedirect(reverse("admin:volunteers_volunteer_import"))
        check = roster_import.check_rows(rows, user=request.user)
        response = HttpResponse(roster_import.failed_rows_workbook(check.invalid), content_type=XLSX_TYPE)
        name = gettext("volunteer roster, rows to fix")
        response["Content-Disposition"] = attachment_header(f"{name}.xlsx", "volunteer-roster-to-fix.xlsx")
        return response


# The result page lists this many imported people by name; the volunteer list has them all.
MAX_LISTED = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RosterUploadForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", pgettext_lazy("label suffix", ":"))
        super().__init__(*args, **kwargs)

    file = forms.FileField(label=_("Excel file (.xlsx)"), required=False)
    encoded = forms.CharField(widget=forms.HiddenInput, required=False)
    encoded_name = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    consent = forms.BooleanField(
        label=_("consent forms signed"),
        help_text=_("Everyone on the sheet has signed the consent to the processing of personal information."),
        error_messages={
            "required": _("Tick this box: everyone on the sheet must have signed the consent form before the import.")
        },
    )

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if not cleaned.get("file") and not cleaned.get("encoded"):
            self.add_error("file", _("Choose the filled-in template."))
        return cleaned

    def content(self) -> bytes:
        """The file chosen now, else the one kept in the page; empty when there is none (or it was tampered with)."""
        cleaned = getattr(self, "cleaned_data", {})
        upload = cleaned.get("file")
        if upload:
            upload.seek(0)
            return upload.read()
        try:
            return base64.b64decode(cleaned.get("encoded") or "", validate=True)
        except (binascii.Error, ValueError):
            return b""

    def file_name(self) -> str:
        upload = getattr(self, "cleaned_data", {}).get("file")
        return upload.name if upload else getattr(self, "cleaned_data", {}).get("encoded_name", "")


class MemberCount(TypedDict):
    n_members: int


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["name", "unit", "leader", "member_count", "created_at"]
    list_filter = ["unit__level"]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit", "leader"]
    filter_horizontal = ["members"]

    def scoped_queryset(self, request):
        return Team.objects.managed_by(request.user).annotate(n_members=Count("members")).order_by("unit__path", "name")

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, team: WithAnnotations[Team, MemberCount]) -> int:
        return team.n_members

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "leader":
            kwargs["queryset"] = Volunteer.objects.managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            kwargs["queryset"] = Volunteer.objects.managed_by(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    """The skill list volunteers choose from: managers add to it; only admins rename or delete."""

    list_display = ["name"]
    search_fields = ["name"]

    def _manager(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and is_manager(request.user)

    def has_module_permission(self, request) -> bool:
        return self._manager(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._manager(request)

    def has_add_permission(self, request) -> bool:
        return self._manager(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


# Trainings (art. 8) are recorded for an event's attendees: their admin is in events/record_keeping_admin.py.


class AwardForm(forms.ModelForm):
    """An award for one of the manager's volunteers (never their own), as the API's AwardSerializer allows."""

    request: AdminRequest

    class Meta:
        model = Award
        fields = ["volunteer", "name", "awarded_on", "awarding_body", "level", "on_certificates"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", pgettext_lazy("label suffix", ":"))
        super().__init__(*args, **kwargs)
        # On a correction the volunteer is read-only: it changes what was awarded, not to whom.
        if "volunteer" in self.fields:
            field = cast(forms.ModelChoiceField, self.fields["volunteer"])
            field.queryset = Volunteer.objects.managed_by(self.request.user)
            field.help_text = _("A volunteer of your units, found by name or volunteer number.")


@admin.register(Award)
class AwardAdmin(CorrectionHistoryMixin, ScopedAdmin):
    """Awards (志愿服务记录与证明出具办法 art. 9): name, date, awarding body, level; corrected, not deleted."""

    form = AwardForm
    list_display = ["awarded_on", "name", "volunteer", "awarding_body", "level", "on_certificates", "created_by"]
    list_filter = ["level", "on_certificates", "awarded_on"]
    search_fields = ["name", "awarding_body", "volunteer__real_name", "volunteer__number"]
    list_select_related = ["volunteer", "created_by"]
    date_hierarchy = "awarded_on"
    autocomplete_fields = ["volunteer"]
    readonly_fields = ["created_by", "created_at"]

    def scoped_queryset(self, request):
        # Awards of the manager's volunteers, never their own.
        return Award.objects.filter(volunteer__in=Volunteer.objects.managed_by(request.user))

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["volunteer", "name", "awarded_on", "awarding_body", "level", "on_certificates"]})
        ]
        if obj is not None:
            fieldsets.append((_("Record"), {"fields": ["created_by", "created_at"], "description": NO_DELETION_HELP}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ["volunteer", "created_by", "created_at"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        # ?volunteer= from a volunteer's page; an id outside the manager's reach shows nothing.
        return {key: value for key, value in initial.items() if key in ("volunteer", "name", "awarding_body")}

    def has_delete_permission(self, request, obj=None) -> bool:
        # Corrected, not deleted; an admin may remove an entry made twice by mistake (logged too).
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj: Award, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
