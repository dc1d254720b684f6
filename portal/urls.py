from django.urls import path

from . import views

app_name = "portal"
urlpatterns: list = [
    path("verify/<str:receipt_no>/", views.verify_receipt, name="verify_receipt"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
    path("search/", views.search, name="search"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<str:code>.csv", views.open_data_csv, name="open_data_csv"),
    path("open-data/<str:code>.xlsx", views.open_data_xlsx, name="open_data_xlsx"),
]
