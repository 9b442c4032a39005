import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedDateFilter
from certificates.models import BulkIssueJob, Certificate, CertificateRequest, JobStatus, RequestStatus, Scope
from events.models import Event
from stations.filters import ScopedChoiceFilter, SubtreeFilter
from volunteers.models import Volunteer


class CertificateFilter(django_filters.FilterSet):
    volunteer = ScopedChoiceFilter(model=Volunteer, listed=True)
    event = ScopedChoiceFilter(model=Event, listed=True)
    bulk_job = ScopedChoiceFilter(model=BulkIssueJob, listed=True)
    unit = SubtreeFilter(field_name="unit__path", label=_("Issuing unit (subtree)"))
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)
    needs_review = django_filters.BooleanFilter(
        field_name="needs_review", label=_("Records changed since issue (to reissue or revoke)")
    )
    issued_from = BoundedDateFilter(field_name="issued_at", lookup_expr="date__gte", label=_("Issued from"))
    issued_to = BoundedDateFilter(field_name="issued_at", lookup_expr="date__lte", label=_("Issued until"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search number, name or volunteer number"))

    class Meta:
        model = Certificate
        fields = [
            "volunteer",
            "unit",
            "event",
            "scope",
            "revoked",
            "needs_review",
            "bulk_job",
            "issued_from",
            "issued_to",
            "q",
        ]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value) | Q(volunteer_name__icontains=value) | Q(volunteer_number__icontains=value)
        )


class CertificateRequestFilter(django_filters.FilterSet):
    volunteer = ScopedChoiceFilter(model=Volunteer, listed=True)
    unit = SubtreeFilter(field_name="unit__path", label=_("Unit asked (subtree)"))
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = CertificateRequest
        fields = ["volunteer", "unit", "status", "scope"]


class BulkIssueJobFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Issuing unit (subtree)"))
    status = django_filters.MultipleChoiceFilter(choices=JobStatus.choices)

    class Meta:
        model = BulkIssueJob
        fields = ["unit", "status"]
