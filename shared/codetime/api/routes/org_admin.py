"""Managing organizations and private leaderboards. Every change needs a signed-in person (a token), or a key with
a one-time code from `codetime users confirm` (ConfirmedUser): joining shares one's data, and inviting or removing
people must not be possible with a leaked plugin key."""

# No `from __future__ import annotations`: the routes made per kind of group annotate with a path alias that
# only exists in their function (FastAPI resolves string annotations in module globals).

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from codetime.api.deps import OWNER, ConfirmedUser, CurrentUser
from codetime.api.rate_limits import RATE_LIMITED, ReadLimit
from codetime.api.schemas import org_admin as schemas
from codetime.api.schemas.common import USER_ROUTE_ERRORS, error_response, not_found
from codetime.services import orgs as service

router = APIRouter(
    tags=["organization management"],
    dependencies=[ReadLimit],
    responses={
        **USER_ROUTE_ERRORS,
        **RATE_LIMITED,
        **not_found("organization, leaderboard, dashboard, member or invite"),
        409: error_response("A member already, a name taken, or a limit reached"),
    },
)

USERS = "/api/v1/users/{user}"
ORGS = f"{USERS}/orgs/{{org}}"
BOARDS = f"{USERS}/leaderboards/{{board}}"
OrgQuery = Annotated[str | None, Query(max_length=36, description="An organization id; default the current one")]


def _path(name: str) -> Any:
    return Path(alias=name, description=f"The {name}'s id")


def _no_content() -> Response:
    return Response(status_code=204)


@router.post(
    f"{USERS}/orgs",
    dependencies=OWNER,
    status_code=201,
    response_model=schemas.OrganizationOut,
    summary="Create an organization (the caller is its owner)",
)
def create_org(user: ConfirmedUser, body: schemas.OrgCreate) -> dict[str, Any]:
    return {"data": service.create(user, service.ORG, body.name, body.project_patterns)}


@router.patch(
    ORGS,
    dependencies=OWNER,
    response_model=schemas.OrganizationOut,
    summary="Rename (owner) or change the project patterns (owner, admin)",
)
def update_org(user: ConfirmedUser, org: uuid.UUID, body: schemas.OrgPatch) -> dict[str, Any]:
    return {"data": service.update(user, service.ORG, org, name=body.name, patterns=body.project_patterns)}


@router.delete(ORGS, dependencies=OWNER, status_code=204, summary="Delete an organization (owner)")
def delete_org(user: ConfirmedUser, org: uuid.UUID) -> Response:
    service.delete(user, service.ORG, org)
    return _no_content()


@router.post(
    f"{USERS}/leaderboards",
    dependencies=OWNER,
    status_code=201,
    response_model=schemas.OrganizationOut,
    summary="Create a private leaderboard (the caller is its owner)",
)
def create_board(user: ConfirmedUser, body: schemas.BoardCreate) -> dict[str, Any]:
    return {"data": service.create(user, service.BOARD, body.name)}


@router.patch(
    BOARDS, dependencies=OWNER, response_model=schemas.OrganizationOut, summary="Rename a private leaderboard (owner)"
)
def update_board(user: ConfirmedUser, board: uuid.UUID, body: schemas.BoardCreate) -> dict[str, Any]:
    return {"data": service.update(user, service.BOARD, board, name=body.name)}


@router.delete(BOARDS, dependencies=OWNER, status_code=204, summary="Delete a private leaderboard (owner)")
def delete_board(user: ConfirmedUser, board: uuid.UUID) -> Response:
    service.delete(user, service.BOARD, board)
    return _no_content()


# Members, invites, roles and privacy: the same for both kinds of group. A member leaves by removing their own
# member id. Path parameters are named per kind ({member} / {board_member}, ...): ids of different tables.
def _group_routes(kind: str, base: str, name: str, group: str, member: str, invite: str) -> None:
    # A function per kind: each route's closure keeps its own kind (a loop variable would be the last one).
    Group = Annotated[uuid.UUID, _path(group)]
    Member = Annotated[uuid.UUID, _path(member)]
    Invite = Annotated[uuid.UUID, _path(invite)]

    @router.get(
        f"{base}/invites",
        dependencies=OWNER,
        operation_id=f"list_{name}_invites",
        response_model=schemas.InviteList,
        summary="Invites still usable (owner, admin)",
    )
    def list_invites(user: CurrentUser, group_id: Group) -> dict[str, Any]:
        return {"data": service.list_invites(user, kind, group_id)}

    @router.post(
        f"{base}/invites",
        dependencies=OWNER,
        status_code=201,
        operation_id=f"create_{name}_invite",
        response_model=schemas.InviteOut,
        summary="Invite by e-mail, or make an invite code (shown once) with expiry and use limit",
    )
    def create_invite(user: ConfirmedUser, group_id: Group, body: schemas.InviteCreate) -> dict[str, Any]:
        return {
            "data": service.invite(
                user,
                kind,
                group_id,
                email=body.email,
                role=body.role,
                max_uses=body.max_uses,
                expires_in_days=body.expires_in_days,
            )
        }

    @router.delete(
        f"{base}/invites/{{{invite}}}",
        dependencies=OWNER,
        status_code=204,
        operation_id=f"revoke_{name}_invite",
        summary="Revoke an invite (owner, admin)",
    )
    def revoke_invite(user: ConfirmedUser, group_id: Group, invite_id: Invite) -> Response:
        service.revoke_invite(user, kind, group_id, invite_id)
        return _no_content()

    @router.patch(
        f"{base}/members/{{{member}}}",
        dependencies=OWNER,
        operation_id=f"set_{name}_member_role",
        response_model=schemas.MemberOut,
        summary="Change a member's role (the owner; an admin for members and viewers)",
    )
    def set_role(user: ConfirmedUser, group_id: Group, member_id: Member, body: schemas.RoleBody) -> dict[str, Any]:
        return {"data": service.set_role(user, kind, group_id, member_id, body.role)}

    @router.delete(
        f"{base}/members/{{{member}}}",
        dependencies=OWNER,
        status_code=204,
        operation_id=f"remove_{name}_member",
        summary="Remove a member (owner, admin), or leave (one's own member id)",
    )
    def remove_member(user: ConfirmedUser, group_id: Group, member_id: Member) -> Response:
        service.remove_member(user, kind, group_id, member_id)
        return _no_content()

    @router.patch(
        f"{base}/membership",
        dependencies=OWNER,
        operation_id=f"set_{name}_privacy",
        response_model=schemas.OrganizationOut,
        summary="What the group sees of the caller: all projects, matching ones, or totals only",
    )
    def set_privacy(user: ConfirmedUser, group_id: Group, body: schemas.PrivacyBody) -> dict[str, Any]:
        return {"data": service.set_privacy(user, kind, group_id, body.privacy)}


_group_routes(service.ORG, ORGS, "org", "org", "member", "invite")
_group_routes(service.BOARD, BOARDS, "leaderboard", "board", "board_member", "board_invite")


@router.post(
    f"{USERS}/invitations/{{invitation}}/accept",
    dependencies=OWNER,
    status_code=201,
    response_model=schemas.OrganizationOut,
    summary="Accept an invitation to one's e-mail address",
)
def accept_invitation(user: ConfirmedUser, invitation: uuid.UUID) -> dict[str, Any]:
    return {"data": service.accept(user, invitation)}


@router.post(
    f"{USERS}/invitations/join",
    dependencies=OWNER,
    status_code=201,
    response_model=schemas.OrganizationOut,
    summary="Join an organization or private leaderboard with an invite code",
)
def join(user: ConfirmedUser, body: schemas.JoinBody) -> dict[str, Any]:
    return {"data": service.join(user, body.code)}


@router.post(
    f"{ORGS}/dashboards",
    dependencies=OWNER,
    status_code=201,
    response_model=schemas.DashboardOut,
    summary="Create a dashboard (a team) of members (owner, admin)",
)
def create_dashboard(user: ConfirmedUser, org: uuid.UUID, body: schemas.DashboardCreate) -> dict[str, Any]:
    return {"data": service.create_dashboard(user, org, body.name, body.members)}


@router.patch(
    f"{ORGS}/dashboards/{{dashboard}}",
    dependencies=OWNER,
    response_model=schemas.DashboardOut,
    summary="Rename a dashboard, add or remove members (owner, admin)",
)
def update_dashboard(
    user: ConfirmedUser, org: uuid.UUID, dashboard: uuid.UUID, body: schemas.DashboardPatch
) -> dict[str, Any]:
    return {
        "data": service.update_dashboard(
            user, org, dashboard, name=body.name, add=body.add_members, remove=body.remove_members
        )
    }


@router.delete(
    f"{ORGS}/dashboards/{{dashboard}}", dependencies=OWNER, status_code=204, summary="Delete a dashboard (owner, admin)"
)
def delete_dashboard(user: ConfirmedUser, org: uuid.UUID, dashboard: uuid.UUID) -> Response:
    service.delete_dashboard(user, org, dashboard)
    return _no_content()


# The product brief's shape: the caller's current organization (`?org=<id>`, else the most recently joined).
@router.patch(
    "/api/v1/organization",
    response_model=schemas.OrganizationOut,
    summary="Rename the current organization (owner) or change its patterns (owner, admin)",
)
def patch_organization(user: ConfirmedUser, body: schemas.OrgPatch, org: OrgQuery = None) -> dict[str, Any]:
    current = service.current_org(user, org)
    return {"data": service.update(user, service.ORG, current.group.id, name=body.name, patterns=body.project_patterns)}


@router.post(
    "/api/v1/organization/members",
    status_code=201,
    response_model=schemas.InviteOut,
    summary="Invite a person to the current organization by e-mail (they accept after signing in)",
)
def add_organization_member(user: ConfirmedUser, body: schemas.MemberInvite, org: OrgQuery = None) -> dict[str, Any]:
    current = service.current_org(user, org)
    return {"data": service.invite(user, service.ORG, current.group.id, email=body.email, role=body.role)}


@router.delete(
    "/api/v1/organization/members/{member}",
    status_code=204,
    summary="Remove a member from the current organization (or leave: one's own member id)",
)
def remove_organization_member(user: ConfirmedUser, member: uuid.UUID, org: OrgQuery = None) -> Response:
    service.remove_member(user, service.ORG, service.current_org(user, org).group.id, member)
    return _no_content()
