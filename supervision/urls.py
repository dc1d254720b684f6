from django.urls import path

from .views import blacklist, complaints

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
    # Complaints from the public (the district's queue) and incidents reported by operators.
    path("complaints/", complaints.complaint_queue, name="complaint_queue"),
    path("complaints/<int:complaint_id>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:complaint_id>/assign/", complaints.complaint_assign, name="complaint_assign"),
    path("complaints/<int:complaint_id>/note/", complaints.complaint_note, name="complaint_note"),
    path("complaints/<int:complaint_id>/reply/", complaints.complaint_reply, name="complaint_reply"),
    path("complaints/<int:complaint_id>/close/", complaints.complaint_close, name="complaint_close"),
    path("complaints/<int:complaint_id>/link/", complaints.complaint_link, name="complaint_link"),
    path("complaints/<int:complaint_id>/reopen/", complaints.complaint_reopen, name="complaint_reopen"),
    path("incidents/", complaints.incident_list, name="incident_list"),
    path("incidents/new/", complaints.incident_new, name="incident_new"),
    path("incidents/<int:incident_id>/", complaints.incident_detail, name="incident_detail"),
    path("incidents/<int:incident_id>/follow-up/", complaints.incident_follow_up, name="incident_follow_up"),
    path("incidents/<int:incident_id>/acknowledge/", complaints.incident_acknowledge, name="incident_acknowledge"),
    path("incidents/<int:incident_id>/close/", complaints.incident_close, name="incident_close"),
    path("incidents/<int:incident_id>/blacklist-review/", complaints.incident_blacklist_review,
         name="incident_blacklist_review"),
]
