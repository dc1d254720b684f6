"""core.workflow: the Workflow object's own logic, and docs/workflows.md generated from the tables.

The tables themselves are tested move by move through the services in tests/registry
(test_filing_services.py for filings, test_workflows.py for institutions and claims).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.roles import REVIEWERS
from core.management.commands.workflows_doc import doc_path
from core.workflow import Transition, Workflow, workflows, workflows_markdown
from registry.models import ClaimStatus, Filing, FilingStatus, InstitutionStatus, Registration
from registry.workflow import CLAIM, FILING, INSTITUTION, FilingAction, InstitutionAction


def test_every_app_table_is_found():
    assert {w.model._meta.label for w in workflows()} >= {"registry.Filing", "registry.Institution",
                                                          "registry.InstitutionClaim"}
    assert [w for w in workflows() if w.model is Filing] == [FILING]


def test_docs_are_generated_from_the_tables():
    assert doc_path().read_text(encoding="utf-8") == workflows_markdown(), (
        "docs/workflows.md is out of date: run `python manage.py workflows_doc`")
    call_command("workflows_doc", "--check", verbosity=0)


def test_the_check_fails_when_docs_and_tables_disagree(monkeypatch):
    import core.management.commands.workflows_doc as command

    monkeypatch.setattr(command, "workflows_markdown", lambda: workflows_markdown() + "\n| 多出来的一行 |\n")
    with pytest.raises(CommandError, match="differs"):
        call_command("workflows_doc", "--check", verbosity=0)


def test_rendered_table_names_states_actions_and_roles():
    text = INSTITUTION.as_markdown()
    assert "| 暂停服务（`suspend`） | 已备案 | 暂停服务 | 区县备案审核员、区县管理员 | — | 须说明原因，通知举办者 |" in text
    assert "区县备案审核员、区县管理员、系统（定时任务）" in text  # terminate: reviewers and the sweep
    assert "| 通过备案（`accept`） | 已提交待审核、补正后重新提交 | 已通过（已备案） |" in FILING.as_markdown()
    assert len(CLAIM.rows()) == 2


@pytest.mark.parametrize("workflow", [FILING, INSTITUTION, CLAIM], ids=lambda w: w.model.__name__)
def test_allowed_actions_are_exactly_the_moves_out_of_each_state(workflow):
    for state in workflow.states.values:
        allowed = workflow.allowed_actions(state)
        assert allowed == [t.action for t in workflow.transitions if state in t.sources]
        for action in workflow.by_action:
            assert workflow.allows(action, state) == (action in allowed)


def test_terminal_states_allow_nothing():
    assert FILING.allowed_actions(FilingStatus.ACCEPTED) == FILING.allowed_actions(FilingStatus.WITHDRAWN) == []
    assert INSTITUTION.allowed_actions(InstitutionStatus.TERMINATED) == []
    assert CLAIM.allowed_actions(ClaimStatus.CONFIRMED) == CLAIM.allowed_actions(ClaimStatus.REJECTED) == []


def test_illegal_move_message_names_the_state_and_the_action():
    assert INSTITUTION.illegal_message(InstitutionStatus.FILED, InstitutionAction.RESUME) == (
        "机构当前状态为“已备案”，不能执行“恢复服务”操作；只有“暂停服务”的机构可以恢复服务。")
    assert FILING.illegal_message(FilingStatus.DRAFT, FilingAction.ACCEPT) == (
        "备案当前状态为“草稿”，不能执行“通过备案”操作；只有“已提交待审核”或“补正后重新提交”的备案可以通过备案。")


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="no transition"):
        FILING.transition("approve")


def _table(*transitions, model=Filing, field="status"):
    return Workflow(model=model, states=FilingStatus, actions=FilingAction, noun="备案", field=field,
                    transitions=transitions)


@pytest.mark.parametrize(("transitions", "message"), [
    ((Transition("approve", (FilingStatus.DRAFT,), FilingStatus.ACCEPTED, REVIEWERS),), "not one of"),
    ((Transition(FilingAction.SUBMIT, (FilingStatus.DRAFT,), FilingStatus.SUBMITTED, REVIEWERS),
      Transition(FilingAction.SUBMIT, (FilingStatus.RETURNED,), FilingStatus.SUBMITTED, REVIEWERS)), "two transitions"),
    ((Transition(FilingAction.SUBMIT, ("lost",), FilingStatus.SUBMITTED, REVIEWERS),), "not FilingStatus values"),
    ((Transition(FilingAction.SUBMIT, (FilingStatus.DRAFT,), FilingStatus.SUBMITTED, frozenset()),), "roles"),
])
def test_a_malformed_table_is_refused_when_it_is_built(transitions, message):
    before = list(workflows())
    with pytest.raises(ValueError, match=message):
        _table(*transitions)
    assert workflows() == before


def test_a_status_that_is_not_protected_is_refused():
    with pytest.raises(TypeError, match="protected FSMField"):
        _table(Transition(FilingAction.SUBMIT, (FilingStatus.DRAFT,), FilingStatus.SUBMITTED, REVIEWERS),
               model=Registration, field="name")
