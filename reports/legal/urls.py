from django.urls import path

from reports.legal.views import AnnualReportView, MyDataPdfView, MyDataView, MyPhotoView, NationalExportView

urlpatterns = [
    path("reports/national-export/", NationalExportView.as_view(), name="report-national-export"),
    path("reports/annual/", AnnualReportView.as_view(), name="report-annual"),
    path("me/data/", MyDataView.as_view(), name="me-data"),
    path("me/data/pdf/", MyDataPdfView.as_view(), name="me-data-pdf"),
    path("me/data/photos/<str:kind>/<int:pk>/", MyPhotoView.as_view(), name="me-data-photo"),
]
