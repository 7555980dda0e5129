"""Account deletion and "clear my data".

Both are two-phase. The request itself, in one short transaction, makes the change take effect: deletion removes
the user row (keys and every table referencing users cascade) so nothing authenticates or is written for the
user again; a clear stamps `data_cleared_at` (queued heartbeats sent before it are dropped by the writer) and
drops the aggregates, so reads answer zero at once. Then the heartbeats — possibly millions — are deleted in
windows (repositories/accounts.py), newest first, for as long as the caller's time budget allows. What is left
is recorded in `data_purges` and finished by a purge message on the heartbeat queue: the writer Lambda runs one
budgeted step per message and queues the next, so no invocation can time out, and a failed step is redelivered
by SQS. `codetime users delete/clear` finish in-process (no budget).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from codetime.cache import get_cache
from codetime.db import get_pool
from codetime.domain.errors import InvalidInput, NotFound
from codetime.logs import logger
from codetime.queue import get_queue
from codetime.queue_messages import encode_purge
from codetime.repositories.accounts import AccountRepository, Purge
from codetime.repositories.users import User, UserRepository
from codetime.services import aggregation, cache_keys, live, rate_limit
from codetime.services.auth import forget_key, forget_user
from codetime.services.identity import forget_subject


class ConfirmationRequired(InvalidInput):
    pass


class AccountGone(NotFound):
    """The user was deleted while the request ran."""


@dataclass(frozen=True, slots=True)
class PurgeStatus:
    complete: bool


def check_confirmation(user: User, confirm: str | None) -> None:
    """Destructive requests name the account they destroy: its username (or id)."""
    if confirm not in (user.username, str(user.id)):
        raise ConfirmationRequired(f"Confirm by passing confirm={user.username} (your username).")


def delete_account(user_id: uuid.UUID, *, budget_seconds: float | None) -> PurgeStatus:
    """Delete the user and everything they own; `budget_seconds=None` finishes in-process."""
    with get_pool().connection() as conn, conn.transaction():
        deleted = AccountRepository(conn).delete_user(user_id)
    if deleted is None:
        raise AccountGone("No such user.")
    cache = get_cache()
    for key_hash in deleted.key_hashes:
        forget_key(key_hash)
    cache.delete(*(cache_keys.api_key_used(key_id) for key_id in deleted.key_ids))
    rate_limit.forget(user_id, deleted.key_ids)
    if deleted.oidc_subject:
        forget_subject(deleted.oidc_subject)
    _forget_cached(user_id)
    live.revoked(user_id)  # every live connection of the account closes
    logger.info("account deleted", extra={"user_id": str(user_id)})
    return _purge_or_queue(user_id, budget_seconds)


def clear_data(user_id: uuid.UUID, *, budget_seconds: float | None) -> PurgeStatus:
    """Delete the user's heartbeats and aggregates, keep the account, keys and settings."""
    with get_pool().connection() as conn, conn.transaction():
        found = AccountRepository(conn).clear_data(user_id)
    if not found:
        raise AccountGone("No such user.")
    _forget_cached(user_id)
    logger.info("account data cleared", extra={"user_id": str(user_id)})
    return _purge_or_queue(user_id, budget_seconds)


def _forget_cached(user_id: uuid.UUID) -> None:
    forget_user(user_id)
    cache_keys.drop_user_results(user_id)


def _purge_or_queue(user_id: uuid.UUID, budget_seconds: float | None) -> PurgeStatus:
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    if purge_step(user_id, deadline):
        return PurgeStatus(complete=True)
    get_queue().send([encode_purge(user_id)])
    return PurgeStatus(complete=False)


def purge_step(user_id: uuid.UUID, deadline: float | None) -> bool:
    """Work on the user's pending purge until done (True) or past `deadline` (False). Idempotent."""
    with get_pool().connection() as conn:
        repo = AccountRepository(conn)
        pending = repo.pending(user_id)
        if not pending:
            return True
        purge = pending[0]
        while repo.delete_heartbeat_window(purge) is not None:  # each window commits alone (autocommit)
            if deadline is not None and time.monotonic() > deadline:
                return False
        with conn.transaction():
            _finish(conn, purge)
    _forget_cached(user_id)
    return True


def _finish(conn, purge: Purge) -> None:  # type: ignore[no-untyped-def]
    repo = AccountRepository(conn)
    if purge.account_deleted:
        repo.delete_everywhere(purge.user_id)
    else:
        # Under the writer's locks: heartbeats sent since the clear get their days recomputed from what is left.
        settings = UserRepository(conn).time_settings([purge.user_id], lock="no key update").get(purge.user_id)
        aggregation.lock_user(conn, purge.user_id)
        repo.delete_aggregates(purge.user_id)
        repo.rebuild_user_agents(purge.user_id)
        if settings is not None:
            days = repo.active_days(purge.user_id, settings[0])
            if days:
                aggregation.recompute(conn, {purge.user_id: days})
        else:  # deleted meanwhile
            repo.delete_everywhere(purge.user_id)
    repo.finish(purge.user_id)


def run_pending_purges(budget_seconds: float) -> int:
    """Advance every unfinished purge (a lost purge message, an interrupted CLI) within the budget; returns how many
    finished. For the maintenance schedule."""
    deadline = time.monotonic() + budget_seconds
    with get_pool().connection() as conn:
        user_ids = [purge.user_id for purge in AccountRepository(conn).pending()]
    return sum(purge_step(user_id, deadline) for user_id in user_ids if time.monotonic() < deadline)


def run_purge_message(user_id: uuid.UUID, deadline: float) -> None:
    """The writer's handling of a purge message: a step until `deadline` (at least one window), then the next
    message if not done."""
    if not purge_step(user_id, deadline):
        get_queue().send([encode_purge(user_id)])
