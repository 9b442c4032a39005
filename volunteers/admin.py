from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.phones import mask_phone
from stations.admin import ScopedAdmin, SuperuserOnlyAdmin
from volunteers.id_numbers import mask_id_number
from volunteers.models import Skill, Team, Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(ScopedAdmin):
    list_display = [
        "number",
        "real_name",
        "masked_id_number",
        "masked_phone",
        "gender",
        "home_station",
        "status",
        "created_at",
    ]
    list_filter = ["status", "gender", "political_status", "skills"]
    search_fields = ["real_name", "number"]
    list_select_related = ["user", "home_station"]
    date_hierarchy = "created_at"
    filter_horizontal = ["skills"]
    fields = [
        "number",
        "real_name",
        "masked_id_number",
        "masked_phone",
        "gender",
        "birth_date",
        "home_station",
        "skills",
        "political_status",
        "status",
        "consented_at",
    ]
    readonly_fields = [
        "number",
        "real_name",
        "masked_id_number",
        "masked_phone",
        "gender",
        "birth_date",
        "consented_at",
    ]

    def scoped_queryset(self, request):
        return Volunteer.objects.managed_by(request.user)

    def has_add_permission(self, request) -> bool:
        # Volunteers register themselves (with consent); nobody creates them here.
        return False

    def _unmasked(self, request, names: list[str]) -> list[str]:
        # Admins see ID and phone numbers in full; managers only masked.
        if not request.user.is_superuser:
            return names
        full = {"masked_id_number": "id_number", "masked_phone": "phone"}
        return [full.get(name, name) for name in names]

    def get_list_display(self, request):
        return self._unmasked(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._unmasked(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._unmasked(request, super().get_readonly_fields(request, obj))

    @admin.display(description=_("ID number"))
    def masked_id_number(self, volunteer: Volunteer) -> str:
        return mask_id_number(volunteer.id_number)

    @admin.display(description=_("mobile number"))
    def masked_phone(self, volunteer: Volunteer) -> str:
        return mask_phone(volunteer.phone)


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
    def member_count(self, team: Team) -> int:
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
class SkillAdmin(SuperuserOnlyAdmin):
    list_display = ["name"]
    search_fields = ["name"]
