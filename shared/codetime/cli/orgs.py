"""`codetime orgs create|invite|list|members`: organizations from the server's shell (self-hosters)."""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from codetime.cli.runtime import local_runtime
from codetime.cli.users import find_user


def cmd_orgs_create(args: argparse.Namespace) -> int:
    from codetime.domain.errors import DomainError
    from codetime.services import orgs

    with local_runtime():
        owner = find_user(args)
        if owner is None:
            return 2
        try:
            org = orgs.create(owner, orgs.ORG, args.name, args.pattern or [])
        except DomainError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"organization {org['name']} ({org['id']}) created; owner {owner.username}")
    return 0


def cmd_orgs_invite(args: argparse.Namespace) -> int:
    """An invite made on the owner's behalf: an e-mail invite (the person accepts after signing in) or a code."""
    from codetime.domain.errors import DomainError
    from codetime.services import orgs

    if bool(args.invite_email) == bool(args.code):
        print("error: give --invite-email ADDRESS or --code", file=sys.stderr)
        return 2
    with local_runtime():
        org, owner = _org_and_owner(args.org)
        if owner is None:
            return 2
        try:
            made = orgs.invite(
                owner,
                orgs.ORG,
                org,
                email=args.invite_email,
                role=args.role,  # type: ignore[arg-type]
                max_uses=args.max_uses,
                expires_in_days=args.days,
            )
        except DomainError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if made.get("code"):
        print(made["code"])
        print(
            f"invite code for {made['role']}s: {made['max_uses']} use(s) until {made['expires_at']}; join with "
            'POST /api/v1/users/current/invitations/join {"code": ...} after signing in',
            file=sys.stderr,
        )
    else:
        print(
            f"{made['email']} invited as {made['role']} until {made['expires_at']}; they accept after signing in "
            "(GET /api/v1/users/current/invitations)"
        )
    return 0


def cmd_orgs_list(args: argparse.Namespace) -> int:
    from codetime.services import orgs

    with local_runtime():
        if args.email or args.username:
            user = find_user(args)
            if user is None:
                return 2
            rows = [(o["id"], o["name"], o["role"]) for o in orgs.list_groups(user, orgs.ORG)]
        else:
            rows = [
                (str(g.id), g.name, f"{count} member(s), owner {owner}")
                for g, count, owner in orgs.all_groups(orgs.ORG)
            ]
    for row in rows:
        print("\t".join(row))
    if not rows:
        print("no organizations", file=sys.stderr)
    return 0


def cmd_orgs_members(args: argparse.Namespace) -> int:
    from codetime.services import orgs

    with local_runtime():
        org, owner = _org_and_owner(args.org)
        if owner is None:
            return 2
        for member in orgs.members(owner, orgs.ORG, org):  # type: ignore[arg-type]
            print(
                "\t".join(
                    (
                        member["id"],
                        member["username"],
                        member["role"],
                        member["privacy"],
                        member["user"].get("email") or "",
                    )
                )
            )
    return 0


def _org_and_owner(value: str) -> tuple[uuid.UUID, Any] | tuple[None, None]:
    """The organization id and its owner (whose behalf the command acts on), or an error printed and (None, None)."""
    from codetime.services import orgs

    try:
        org = uuid.UUID(value)
    except ValueError:
        org = None
    owner = orgs.owner_of(orgs.ORG, org) if org else None
    if owner is None:
        print(f"error: no organization {value!r}", file=sys.stderr)
        return None, None
    return org, owner


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `orgs` command group."""
    orgs = sub.add_parser("orgs", help="manage organizations (teams)").add_subparsers(
        dest="orgs_command", required=True
    )
    create = orgs.add_parser("create", help="create an organization owned by a user")
    create.add_argument("--name", required=True)
    create.add_argument("--email", help="the owner's e-mail")
    create.add_argument("--username", help="the owner's username")
    create.add_argument("--pattern", action="append", help="a project pattern (shell-style, e.g. 'acme-*'); repeat")
    create.set_defaults(func=cmd_orgs_create)

    invite = orgs.add_parser("invite", help="invite by e-mail, or print an invite code (on the owner's behalf)")
    invite.add_argument("--org", required=True, help="the organization's id")
    invite.add_argument("--invite-email", help="invite this e-mail address (accepted after signing in)")
    invite.add_argument("--code", action="store_true", help="make an invite code instead")
    invite.add_argument("--role", default="member", choices=["admin", "member", "viewer"])
    invite.add_argument("--max-uses", type=int, default=1, help="uses of a code (default 1)")
    invite.add_argument("--days", type=int, default=7, help="days until the invite expires (default 7, at most 90)")
    invite.set_defaults(func=cmd_orgs_invite)

    listing = orgs.add_parser("list", help="every organization, or a user's (--email/--username)")
    listing.add_argument("--email")
    listing.add_argument("--username")
    listing.set_defaults(func=cmd_orgs_list)

    members = orgs.add_parser("members", help="an organization's members")
    members.add_argument("--org", required=True, help="the organization's id")
    members.set_defaults(func=cmd_orgs_members)
