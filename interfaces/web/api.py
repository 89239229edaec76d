"""The JSON API under ``/api``: the same services and the same scope checks as the pages.

Authentication: the session cookie of a logged-in browser plus the ``X-CSRF-Token`` header on every POST
(the token is in ``GET /api/session`` and in the pages' ``<meta name="csrf-token">``), or HTTP Basic with a
user's name and password for scripts. A refused step answers 422 with every verdict (``Check.as_dict()``),
a version conflict 409, an applicant outside the user's scope 404, a step of another level 403.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from interfaces.web import catalogue, forms, reading
from interfaces.web import scope as scopes
from interfaces.web.case_pages import spec_for_slug
from interfaces.web.deps import ApiVisitorDep, CaseDep, WebDep
from states.rulesets import DEFAULT_POLICY, RuleSetId
from workflow import replay, services, transfers
from workflow.case_extras import case_extras
from workflow.errors import StaleRecord, StepRefused
from workflow.evidence import to_json

router = APIRouter(prefix="/api")
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录或登录已过期"},
    403: {"description": "角色无权办理（如支部不能记录上级党委的步骤；巡察只读），或 CSRF 校验未通过"},
    404: {"description": "申请人不存在或不在本人的数据范围内（两者不加区分）"},
}


class NewApplicant(BaseModel):
    name: str = Field(examples=["李明"])
    sex: str = Field(examples=["男"], description="男 或 女")
    birth_date: date
    organisation: str = Field(description="受理申请的党支部（须在本人数据范围内）")
    id_number: str | None = None
    unit: str = ""
    contact: str = ""


class StepBody(BaseModel):
    on: date = Field(description="办理日期（纸质记录上的日期）")
    evidence: dict[str, str] = Field(default_factory=dict, description="材料：名称（代码或中文）→ 文字，与命令行 --set 相同",
                                     examples=[{"recommendation": "党员推荐", "members": "5", "present": "4"}])
    override_reason: str = ""
    authoriser: str = ""
    backfill_reason: str = ""
    expected_version: int | None = Field(default=None, description="所见记录的版本号；已被他人修改时答 409")


def view_json(view: services.CaseView) -> dict[str, Any]:
    """The same data as ``fazhan show --json``."""
    encoded: dict[str, Any] = jsonable_encoder(view.as_dict())
    return encoded


@router.get("/session", tags=["登录"], responses=ERRORS)
def session_info(who: ApiVisitorDep) -> dict[str, Any]:
    """当前用户、角色、数据范围根组织，以及带 Cookie 调用 POST 时须放在 X-CSRF-Token 头中的令牌。"""
    return {"username": who.user.username, "display_name": who.user.display_name, "role": who.user.role.value,
            "role_name": who.user.role.label, "organisation": who.user.organisation, "csrf_token": who.csrf}


@router.get("/applicants", tags=["申请人"], responses=ERRORS)
def list_applicants(who: ApiVisitorDep, app: WebDep, organisation: str = "", status: str = "",
                    overdue: bool = False, name: str = "") -> list[dict[str, Any]]:
    """数据范围内的申请人，可按党组织（含下级）、状态、是否逾期、姓名（部分）筛选。"""
    rows = reading.cases(app.engine, app.clock, who.scope, organisation=organisation, status=status,
                         overdue_only=overdue, name=name)
    listed: list[dict[str, Any]] = jsonable_encoder([{"case_id": r.case_id, "name": r.name, "organisation": r.organisation,
                              "status": r.status.value, "status_name": r.status.label,
                              "overdue": [n.spec.step.value for n in r.overdue], "next_due": r.next_due} for r in rows])
    return listed


@router.get("/applicants/{case_id}", tags=["申请人"], responses=ERRORS)
def show_applicant(case_id: CaseDep, who: ApiVisitorDep, app: WebDep) -> dict[str, Any]:  # noqa: ARG001
    """申请人的已办步骤、当前状态、下一步（可办、受阻的原因、条款和日期）和违规记录，同 `fazhan show --json`。"""
    return {**view_json(services.show(app.engine, app.clock, case_id)), **case_extras(app.engine, case_id).as_dict()}


@router.get("/applicants/{case_id}/history", tags=["申请人"], responses=ERRORS)
def applicant_history(case_id: CaseDep, who: ApiVisitorDep, app: WebDep) -> list[dict[str, Any]]:  # noqa: ARG001
    """申请人的全部审计事件，含被拒绝的尝试。"""
    return [{k: to_json(v) for k, v in jsonable_encoder(e).items()} for e in services.history(app.engine, case_id)]


@router.post("/applicants", tags=["申请人"], status_code=201, responses=ERRORS | {400: {"description": "输入有误"}})
def add_applicant(body: NewApplicant, who: ApiVisitorDep, app: WebDep) -> dict[str, Any]:
    """登记入党申请人并建立案卷（支部书记、组织委员、管理员）。"""
    who.scope.require_add_applicants()
    scopes.require_organisation(app.engine, who.scope, body.organisation)
    case_id = services.add_applicant(app.engine, app.clock, who.user.actor, name=body.name, sex=body.sex,
                                     birth_date=body.birth_date, organisation=body.organisation,
                                     id_number=body.id_number, unit=body.unit, contact=body.contact)
    return {"case_id": case_id, "name": body.name}


@router.post("/applicants/{case_id}/steps/{slug}", tags=["申请人"], responses=ERRORS | {
    400: {"description": "材料无法识别"}, 409: {"description": "记录已被他人修改（版本冲突）"},
    422: {"description": "规定不允许：列出每条不允许的规定、条款、可办理日期（Check.as_dict()）"}})
def record_step(case_id: CaseDep, slug: str, body: StepBody, who: ApiVisitorDep, app: WebDep) -> Any:
    """记录一个步骤：符合规定才记录；不符合时答 422 并列出每一条不允许的规定。"""
    spec = spec_for_slug(slug)
    who.scope.require_step(spec)
    request = forms.step_request(spec, body.on.isoformat(), body.evidence, override_reason=body.override_reason,
                                 authoriser=body.authoriser, backfill_reason=body.backfill_reason,
                                 expected_version=body.expected_version)
    try:
        done = transfers.record(app.engine, app.clock, who.user.actor, case_id, request)  # 转入审查 moves the case
    except StepRefused as refused:
        return JSONResponse({"error": "refused", "message": str(refused), **refused.check.as_dict()}, status_code=422)
    except StaleRecord as stale:
        return JSONResponse({"error": "conflict", "message": str(stale)}, status_code=409)
    return done.as_dict()


@router.get("/procedure", tags=["流程"])
def procedure(app: WebDep, rule_set: Annotated[RuleSetId | None, Query()] = None) -> dict[str, Any]:
    """流程表：5个阶段、25个步骤及每步的材料、规则、性质和依据条款（默认按今天适用的规则版本）。"""
    return catalogue.listing(rule_set or DEFAULT_POLICY.rule_set_on(app.clock.today()))


@router.get("/audit/verify", tags=["审计"], responses=ERRORS)
def audit_verify(who: ApiVisitorDep, app: WebDep) -> dict[str, Any]:
    """核验整条审计链（密钥签名），并按审计链重演各案卷与各表比对：指出第一处问题。"""
    with app.engine.connect() as conn:
        tables = replay.compare(conn)
    report = tables.chain
    in_scope = who.scope.organisation_ids is None  # the differences name applicants: only for a full scope
    return {"intact": tables.intact, "checked": report.checked, "first_bad_seq": report.first_bad_seq,
            "problem": report.problem, "sentence": report.sentence(), "sentences": tables.sentences() if in_scope else
            [report.sentence()], "difference_count": tables.total,
            "differences": [d.__dict__ for d in tables.differences] if in_scope else []}
