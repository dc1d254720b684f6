from django.urls import path

from supervision.views import complaints

from . import views

app_name = "portal"
urlpatterns: list = [
    path("verify/<str:receipt_no>/", views.verify_receipt, name="verify_receipt"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
    # Complaints from the public (supervision's pages, public like the rest of the portal).
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/track/", complaints.complaint_track, name="complaint_track"),
    path("search/", views.search, name="search"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<str:code>.csv", views.open_data_csv, name="open_data_csv"),
    path("open-data/<str:code>.xlsx", views.open_data_xlsx, name="open_data_xlsx"),
]
