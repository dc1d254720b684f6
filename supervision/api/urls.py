"""/api/v1/ routes of supervision: the nationwide blacklist and its hits."""

from django.urls import path

from . import views

urlpatterns = [
    path("blacklist/", views.EntryListView.as_view(), name="api-blacklist"),
    path("blacklist/hits/", views.HitListView.as_view(), name="api-blacklist-hits"),
    path("blacklist/hits/<int:hit_id>/", views.HitDetailView.as_view(), name="api-blacklist-hit"),
    path("blacklist/hits/<int:hit_id>/close/", views.HitCloseView.as_view(), name="api-blacklist-hit-close"),
    path("blacklist/<int:entry_id>/", views.EntryDetailView.as_view(), name="api-blacklist-detail"),
    path("blacklist/<int:entry_id>/end/", views.EntryEndView.as_view(), name="api-blacklist-end"),
]

# Random inspections (双随机一公开) and rectification orders.
from . import inspections as insp  # noqa: E402

urlpatterns += [
    path("inspection-checklist/", insp.ChecklistView.as_view(), name="api-inspection-checklist"),
    path("inspectors/", insp.InspectorListView.as_view(), name="api-inspectors"),
    path("inspectors/<int:inspector_id>/conflicts/", insp.InspectorConflictView.as_view(),
         name="api-inspector-conflicts"),
    path("inspection-plans/", insp.PlanListView.as_view(), name="api-inspection-plans"),
    path("inspection-plans/<int:plan_id>/", insp.PlanDetailView.as_view(), name="api-inspection-plan"),
    path("inspection-plans/<int:plan_id>/draw/", insp.PlanDrawView.as_view(), name="api-inspection-plan-draw"),
    path("inspections/", insp.InspectionListView.as_view(), name="api-inspections"),
    path("inspections/<int:inspection_id>/", insp.InspectionDetailView.as_view(), name="api-inspection"),
    path("inspections/<int:inspection_id>/findings/", insp.InspectionFindingsView.as_view(),
         name="api-inspection-findings"),
    path("inspections/<int:inspection_id>/photos/", insp.InspectionPhotoView.as_view(), name="api-inspection-photos"),
    path("inspections/<int:inspection_id>/sign/", insp.InspectionSignView.as_view(), name="api-inspection-sign"),
    path("inspections/<int:inspection_id>/publish/", insp.InspectionPublishView.as_view(),
         name="api-inspection-publish"),
    path("rectification-orders/", insp.OrderListView.as_view(), name="api-rectification-orders"),
    path("rectification-orders/<int:order_id>/", insp.OrderDetailView.as_view(), name="api-rectification-order"),
    path("rectification-orders/<int:order_id>/reply/", insp.OrderReplyView.as_view(),
         name="api-rectification-order-reply"),
    path("rectification-orders/<int:order_id>/accept/", insp.OrderAcceptView.as_view(),
         name="api-rectification-order-accept"),
    path("rectification-orders/<int:order_id>/reject/", insp.OrderRejectView.as_view(),
         name="api-rectification-order-reject"),
]
from .enforcement import urlpatterns as enforcement_urlpatterns  # noqa: E402

urlpatterns += enforcement_urlpatterns
# Complaints (public and the district's) and incidents.
from . import complaints as c  # noqa: E402

urlpatterns += [
    path("public/complaints/", c.PublicComplaintCreateView.as_view(), name="api-public-complaints"),
    path("public/complaints/<str:code>/", c.PublicComplaintDetailView.as_view(), name="api-public-complaint"),
    path("complaints/", c.ComplaintListView.as_view(), name="api-complaints"),
    path("complaints/<int:complaint_id>/", c.ComplaintDetailView.as_view(), name="api-complaint"),
    path("complaints/<int:complaint_id>/assign/", c.ComplaintAssignView.as_view(), name="api-complaint-assign"),
    path("complaints/<int:complaint_id>/notes/", c.ComplaintNoteView.as_view(), name="api-complaint-notes"),
    path("complaints/<int:complaint_id>/reply/", c.ComplaintReplyView.as_view(), name="api-complaint-reply"),
    path("complaints/<int:complaint_id>/close/", c.ComplaintCloseView.as_view(), name="api-complaint-close"),
    path("complaints/<int:complaint_id>/link/", c.ComplaintLinkView.as_view(), name="api-complaint-link"),
    path("complaints/<int:complaint_id>/reopen/", c.ComplaintReopenView.as_view(), name="api-complaint-reopen"),
    path("incidents/", c.IncidentListView.as_view(), name="api-incidents"),
    path("incidents/<int:incident_id>/", c.IncidentDetailView.as_view(), name="api-incident"),
    path("incidents/<int:incident_id>/follow-ups/", c.IncidentFollowUpView.as_view(), name="api-incident-follow-ups"),
    path("incidents/<int:incident_id>/acknowledge/", c.IncidentAcknowledgeView.as_view(),
         name="api-incident-acknowledge"),
    path("incidents/<int:incident_id>/close/", c.IncidentCloseView.as_view(), name="api-incident-close"),
    path("incidents/<int:incident_id>/blacklist-review/", c.IncidentBlacklistReviewView.as_view(),
         name="api-incident-blacklist-review"),
]
