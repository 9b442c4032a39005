"""The self-assessment's pages."""

from django.http import Http404


def assessment_page(request):
    raise Http404


def assessment_download(request):
    raise Http404


def eligibility_page(request):
    raise Http404


def drilldown_page(request, key):
    raise Http404
