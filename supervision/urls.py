from django.urls import path

from .views import blacklist, complaints, enforcement

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
    # Penalties, emergency closures and grades (district); the operator's own.
    path("institutions/<int:institution_id>/", enforcement.institution_enforcement, name="institution_enforcement"),
    path("institutions/<int:institution_id>/penalties/new/", enforcement.penalty_new, name="penalty_new"),
    path("institutions/<int:institution_id>/closures/new/", enforcement.closure_new, name="closure_new"),
    path("penalties/", enforcement.penalty_list, name="penalty_list"),
    path("penalties/<int:penalty_id>/", enforcement.penalty_detail, name="penalty_detail"),
    path("penalties/<int:penalty_id>/conclude/", enforcement.penalty_conclude, name="penalty_conclude"),
    path("penalties/<int:penalty_id>/withdraw/", enforcement.penalty_withdraw, name="penalty_withdraw"),
    path("closures/", enforcement.closure_list, name="closure_list"),
    path("closures/<int:closure_id>/", enforcement.closure_detail, name="closure_detail"),
    path("closures/<int:closure_id>/items/", enforcement.closure_item, name="closure_item"),
    path("closures/<int:closure_id>/complete/", enforcement.closure_complete, name="closure_complete"),
    path("closures/<int:closure_id>/cancel/", enforcement.closure_cancel, name="closure_cancel"),
    path("grades/", enforcement.grade_list, name="grade_list"),
    path("my/penalties/", enforcement.operator_penalties, name="operator_penalties"),
    path("my/closures/", enforcement.operator_closure, name="operator_closure"),
]

# Random inspections (双随机一公开) and rectification orders.
from .views import checklists, inspections  # noqa: E402

urlpatterns += [
    path("inspection-plans/", inspections.plan_list, name="plan_list"),
    path("inspection-plans/new/", inspections.plan_new, name="plan_new"),
    path("inspection-plans/<int:plan_id>/", inspections.plan_detail, name="plan_detail"),
    path("inspection-plans/<int:plan_id>/draw/", inspections.plan_draw, name="plan_draw"),
    path("checklists/", checklists.checklist_list, name="checklist_list"),
    path("checklists/copy/", checklists.checklist_copy, name="checklist_copy"),
    path("checklists/revise/", checklists.checklist_revise, name="checklist_revise"),
    path("checklists/<int:template_id>/", checklists.checklist_detail, name="checklist_detail"),
    path("inspectors/", inspections.inspector_list, name="inspector_list"),
    path("inspectors/<int:inspector_id>/conflicts/", inspections.inspector_conflict, name="inspector_conflict"),
    path("inspectors/<int:inspector_id>/edit/", inspections.inspector_edit, name="inspector_edit"),
    path("inspectors/<int:inspector_id>/active/", inspections.inspector_active, name="inspector_active"),
    path("inspectors/<int:inspector_id>/conflicts/<int:conflict_id>/remove/", inspections.conflict_remove,
         name="conflict_remove"),
    path("inspections/", inspections.inspection_list, name="inspection_list"),
    path("inspections/new/", inspections.inspection_new, name="inspection_new"),
    path("inspections/<int:inspection_id>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:inspection_id>/record/", inspections.inspection_record, name="inspection_record"),
    path("inspections/<int:inspection_id>/sign/", inspections.inspection_sign, name="inspection_sign"),
    path("inspections/<int:inspection_id>/publish/", inspections.inspection_publish, name="inspection_publish"),
    path("rectification/", inspections.order_board, name="order_board"),
    path("rectification/<int:order_id>/", inspections.order_detail, name="order_detail"),
    path("rectification/<int:order_id>/reply/", inspections.order_reply, name="order_reply"),
    path("rectification/<int:order_id>/verify/", inspections.order_verify, name="order_verify"),
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
