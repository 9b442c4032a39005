"""The admin's pages for appointing managers (任免管理员): who manages the units below one's own.

A manager of a center or an institute (and an admin) sees the units strictly below the
units they manage with their managers, appoints one by mobile number and removes one
after a confirmation page. Every change goes through ``stations.services`` (the rule of
who may appoint whom, admin access and the log); a unit outside the user's reach, their
own unit or a sibling's is refused with the service's words, whatever id the form carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, re_path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.phones import mask_phone, normalize_phone, validate_mobile
from accounts.throttles import ScopedThrottle
from stations import services
from stations.models import Level, PracticeUnit, UnitManager

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

UNITS_PER_PAGE = 50


class AppointForm(forms.Form):
    required_css_class = "required"

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_(
            "The person logs in with this number. They must be registered on the platform: as a volunteer "
            "of a station in this unit's area, or as a manager there (admins may appoint anyone registered)."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 14}),
    )

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_mobile(phone)
        return phone


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("Unit name or code"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("level"), required=False, choices=[("", _("All levels")), *Level.choices])
    parent = forms.IntegerField(required=False, min_value=1, max_value=2**53, widget=forms.HiddenInput)


def overview_url(parent: PracticeUnit | None = None) -> str:
    url = reverse("admin:stations_practiceunit_managers")
    return f"{url}?{urlencode({'parent': parent.pk})}" if parent is not None else url


def unit_url(unit: PracticeUnit) -> str:
    return reverse("admin:stations_practiceunit_unit_managers", args=[unit.pk])


def _managers() -> Prefetch:
    return Prefetch("manager_roles", queryset=UnitManager.objects.select_related("user").order_by("created_at", "pk"))


def _context(model_admin: ModelAdmin, request: AdminRequest, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "overview_url": overview_url(),
        **extra,
    }


def _refused(model_admin: ModelAdmin, request: AdminRequest) -> TemplateResponse:
    """A clear refusal for a unit the user may not appoint for (their own, a sibling's, one elsewhere).

    It names no unit: an id typed into the address must not tell the name of a unit elsewhere.
    """
    context = _context(
        model_admin,
        request,
        gettext("Appoint managers"),
        refusal=services.UnitError("not_allowed").detail,
    )
    return TemplateResponse(request, "admin/stations/practiceunit/unit_managers.html", context, status=403)


def overview_view(model_admin: ModelAdmin, request: AdminRequest) -> HttpResponse:
    """The units below the user's own with their managers: searched, filtered by level, paginated."""
    user = request.user
    if not services.appoints_anywhere(user):
        return _refused(model_admin, request)
    search = UnitSearchForm(request.GET or None)
    units = services.appointing_scope(user).select_related("parent").prefetch_related(_managers()).order_by("path")
    parent = None
    if search.is_valid():
        if search.cleaned_data["q"]:
            text = search.cleaned_data["q"]
            units = units.filter(Q(name__icontains=text) | Q(code__icontains=text))
        if search.cleaned_data["level"]:
            units = units.filter(level=search.cleaned_data["level"])
        if search.cleaned_data["parent"]:
            # Named only within the user's reach: their own units and the units below them.
            parent = PracticeUnit.objects.managed_by(user).filter(pk=search.cleaned_data["parent"]).first()
            units = units.filter(parent_id=search.cleaned_data["parent"])
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "unit": unit,
            "url": unit_url(unit),
            "managers": [
                f"{role.user.name or gettext('(no name)')}（{mask_phone(role.user.phone)}）"
                for role in unit.manager_roles.all()
            ],
        }
        for unit in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = _context(
        model_admin,
        request,
        gettext("Appoint managers"),
        search=search,
        rows=rows,
        page=page,
        parent=parent,
        query=query.urlencode(),
    )
    return TemplateResponse(request, "admin/stations/practiceunit/managers.html", context)


def unit_view(model_admin: ModelAdmin, request: AdminRequest, unit_id: str) -> HttpResponse:
    """One unit's managers, with the appointment form; a POST appoints (throttled as the API's)."""
    user = request.user
    unit = get_object_or_404(PracticeUnit.objects.select_related("parent"), pk=unit_id)
    if not services.can_appoint_managers(user, unit):
        return _refused(model_admin, request)
    form = AppointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Per user, the API's bucket: a bound on probing who is registered.
        if not ScopedThrottle("appoint_manager").allow_request(request, None):
            form.add_error(None, gettext("Too many appointments in a short time. Please try again later."))
        else:
            try:
                role = services.add_unit_manager(unit, form.cleaned_data["phone"], by=user)
            except services.UnitError as error:
                form.add_error("phone", ValidationError(str(error.detail)))
            else:
                model_admin.message_user(
                    request,
                    gettext("%(user)s now manages %(unit)s and can log into the admin site with their mobile number.")
                    % {"user": role.user, "unit": unit.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(unit_url(unit))
    roles = UnitManager.objects.filter(unit=unit).select_related("user").order_by("created_at", "pk")
    context = _context(
        model_admin,
        request,
        gettext("Managers of %(unit)s") % {"unit": unit.name},
        unit=unit,
        roles=[
            {
                "role": role,
                "name": role.user.name or gettext("(no name)"),
                "phone": mask_phone(role.user.phone),
                "remove_url": reverse("admin:stations_practiceunit_remove_manager", args=[unit.pk, role.user_id]),
            }
            for role in roles
        ],
        form=form,
    )
    return TemplateResponse(request, "admin/stations/practiceunit/unit_managers.html", context)


def remove_view(model_admin: ModelAdmin, request: AdminRequest, unit_id: str, user_id: str) -> HttpResponse:
    """Ask, then remove one manager of a unit (a POST with the CSRF token)."""
    user = request.user
    unit = get_object_or_404(PracticeUnit, pk=unit_id)
    if not services.can_appoint_managers(user, unit):
        return _refused(model_admin, request)
    role = get_object_or_404(UnitManager.objects.select_related("user"), unit=unit, user_id=int(user_id))
    if request.method == "POST":
        try:
            services.remove_unit_manager(unit, role.user_id, by=user)
        except services.UnitError as error:
            model_admin.message_user(request, str(error.detail), messages.ERROR)
        else:
            model_admin.message_user(
                request,
                gettext("%(user)s no longer manages %(unit)s.") % {"user": role.user, "unit": unit.name},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(unit_url(unit))
    others = UnitManager.objects.filter(user_id=role.user_id).exclude(unit=unit).exists()
    context = _context(
        model_admin,
        request,
        gettext("Remove a manager"),
        unit=unit,
        person=role.user,
        keeps_access=others or role.user.is_superuser,
        back_url=unit_url(unit),
    )
    return TemplateResponse(request, "admin/stations/practiceunit/remove_manager.html", context)


def urls(model_admin: ModelAdmin) -> list[URLPattern]:
    """The pages' URLs under the units' admin, before its ``<object_id>/`` patterns."""
    site = model_admin.admin_site

    def view(function):
        def wrapped(request, **kwargs):
            return function(model_admin, request, **kwargs)

        return site.admin_view(wrapped)

    return [
        path("managers/", view(overview_view), name="stations_practiceunit_managers"),
        # Ids of at most 18 digits, as the API's: a longer one would overflow the database's integers.
        re_path(r"^(?P<unit_id>[0-9]{1,18})/managers/$", view(unit_view), name="stations_practiceunit_unit_managers"),
        re_path(
            r"^(?P<unit_id>[0-9]{1,18})/managers/(?P<user_id>[0-9]{1,18})/remove/$",
            view(remove_view),
            name="stations_practiceunit_remove_manager",
        ),
    ]
