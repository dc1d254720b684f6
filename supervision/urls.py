from django.urls import path

from .views import blacklist

app_name = "supervision"
urlpatterns = [
    # The nationwide blacklist (从业禁止名单): the district's entries and the hits it sees.
    path("blacklist/", blacklist.blacklist_list, name="blacklist_list"),
    path("blacklist/new/", blacklist.blacklist_new, name="blacklist_new"),
    path("blacklist/hits/", blacklist.hit_list, name="hit_list"),
    path("blacklist/hits/<int:hit_id>/close/", blacklist.hit_close, name="hit_close"),
    path("blacklist/<int:entry_id>/", blacklist.blacklist_detail, name="blacklist_detail"),
    path("blacklist/<int:entry_id>/edit/", blacklist.blacklist_correct, name="blacklist_correct"),
    path("blacklist/<int:entry_id>/end/", blacklist.blacklist_end, name="blacklist_end"),
]
