-- Teams (issue 12): organizations with dashboards, and private leaderboards. Both are groups of users with roles,
-- invited the same way, so one set of tables holds them: `kind` says which.
-- A member's privacy says what the group sees of them: 'all' projects, only projects 'matching' the group's
-- patterns, or 'totals' only (no project, entity, branch or machine names). Nothing before `joined_at` is shown;
-- a member who leaves or is removed is deleted (their data disappears from every team view at once).
CREATE TABLE IF NOT EXISTS organizations (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL DEFAULT 'org' CHECK (kind IN ('org', 'leaderboard')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    patterns    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(patterns) <= 50),
    created_at  timestamptz NOT NULL DEFAULT now(),
    modified_at timestamptz
);

CREATE TABLE IF NOT EXISTS org_members (
    id        uuid PRIMARY KEY,
    org_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    privacy   text NOT NULL DEFAULT 'all' CHECK (privacy IN ('all', 'matching', 'totals')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, user_id)
);
CREATE INDEX IF NOT EXISTS org_members_user_idx ON org_members (user_id);

-- An invite names an e-mail (accepted by the user with that e-mail, signed in) or is a code (only its hash is
-- kept) usable `max_uses` times until `expires_at`.
CREATE TABLE IF NOT EXISTS org_invites (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email      text,
    code_hash  bytea UNIQUE,
    role       text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    max_uses   integer NOT NULL DEFAULT 1 CHECK (max_uses BETWEEN 1 AND 10000),
    uses       integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(email, code_hash) = 1)
);
CREATE INDEX IF NOT EXISTS org_invites_org_idx ON org_invites (org_id);
CREATE INDEX IF NOT EXISTS org_invites_email_idx ON org_invites (lower(email)) WHERE email IS NOT NULL;

-- A dashboard is a named set of an organization's members (a team).
CREATE TABLE IF NOT EXISTS org_dashboards (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

CREATE TABLE IF NOT EXISTS org_dashboard_members (
    dashboard_id uuid NOT NULL REFERENCES org_dashboards (id) ON DELETE CASCADE,
    member_id    uuid NOT NULL REFERENCES org_members (id) ON DELETE CASCADE,
    PRIMARY KEY (dashboard_id, member_id)
);
CREATE INDEX IF NOT EXISTS org_dashboard_members_member_idx ON org_dashboard_members (member_id);
