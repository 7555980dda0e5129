"""All-time totals, projects, the user object, raw heartbeats and user agents (WakaTime's shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AllTimeRange(BaseModel):
    start: str
    start_date: str
    start_text: str
    end: str
    end_date: str
    end_text: str
    timezone: str


class AllTime(BaseModel):
    is_up_to_date: bool
    range: AllTimeRange
    timeout: int
    total_seconds: float
    text: str
    decimal: str
    digital: str
    daily_average: float


class AllTimeResponse(BaseModel):
    data: AllTime


class Project(BaseModel):
    id: str
    name: str
    urlencoded_name: str
    color: str | None
    repository: Any
    badge: Any
    clients: list[Any]
    has_public_url: bool
    url: str
    first_heartbeat_at: str | None
    human_readable_first_heartbeat_at: str
    last_heartbeat_at: str | None
    human_readable_last_heartbeat_at: str
    created_at: str | None


class ProjectsResponse(BaseModel):
    data: list[Project]


# WakaTime's user object (GET /users/current; services/stats.py `user_object` builds it), in small groups. Every key
# it answers is declared: the model forbids any other, so a key the service adds cannot be dropped silently.
class UserIdentity(BaseModel):
    id: str = Field(description="The user's UUID (on Wakapi's paths: the username, as Wakapi answers)")
    username: str
    display_name: str = Field(description="The display name, or the username when there is none")
    full_name: str | None
    email: str | None = Field(description="Only the owner ever sees the user object")
    public_email: str | None
    is_email_public: bool
    is_email_confirmed: bool
    photo: str | None
    is_photo_public: bool
    profile_url: str | None
    profile_url_escaped: str | None
    website: str | None
    human_readable_website: str | None
    location: str | None
    city: dict[str, Any] | None
    bio: str | None
    github_username: str | None
    twitter_username: str | None
    linkedin_username: str | None
    wonderfuldev_username: str | None
    is_hireable: bool
    created_at: str | None
    modified_at: str | None


class UserPreferences(BaseModel):
    timezone: str
    timeout: int = Field(description="Keystroke timeout in minutes")
    writes_only: bool
    weekday_start: int = Field(description="First day of the week: 0 Sunday ... 6 Saturday")
    week_start: int = Field(description="CodeTime's name of weekday_start")
    public_profile: bool
    default_dashboard_range: str | None
    durations_slice_by: str | None
    date_format: str | None
    time_format_24hr: bool | None
    time_format_display: str | None
    color_scheme: str | None
    hide_ai_coding: bool
    show_machine_name_ip: bool
    suggest_dangling_branches: bool
    is_onboarding_finished: bool


class UserSharing(BaseModel):
    logged_time_public: bool = Field(description="Stats are public (share_data_max_days is not 0)")
    languages_used_public: bool
    editors_used_public: bool
    categories_used_public: bool
    os_used_public: bool
    public_profile_time_range: str | None
    share_all_time_badge: bool | None
    share_last_year_days: bool | None


class UserActivity(BaseModel):
    last_heartbeat_at: str | None
    last_plugin: str | None = Field(description="The latest heartbeat's User-Agent")
    last_plugin_name: str | None = Field(description="Its editor")
    last_project: str | None
    last_branch: str | None
    last_language: str | None
    is_up_to_date: bool = Field(description="False while aggregates are recomputed after a change")


class UserPlan(BaseModel):
    plan: str
    has_premium_features: bool
    has_basic_features: bool
    can_show_pro_status: bool
    needs_payment_method: bool
    invoice_id_format: str | None
    invoice_counter: int


# Bases in reverse: pydantic lays out the last base's fields first (the answer reads identity ... plan).
class UserObject(UserPlan, UserActivity, UserSharing, UserPreferences, UserIdentity):
    """WakaTime's user object, the same for GET /users/{user} and PATCH /users/current."""

    model_config = ConfigDict(extra="forbid")


class UserResponse(BaseModel):
    data: UserObject


class StoredHeartbeat(BaseModel):
    id: str
    time: float
    entity: str
    type: str
    category: str
    project: str | None
    branch: str | None
    language: str | None
    dependencies: list[str] | None
    lines: int | None
    lineno: int | None
    cursorpos: int | None
    is_write: bool
    editor: str | None
    operating_system: str | None
    machine_name: str | None
    user_agent: str | None
    ai_line_changes: int | None = None
    human_line_changes: int | None = None
    ai_session: str | None = None
    ai_model: str | None = None
    ai_subscription_plan: str | None = None
    ai_input_tokens: int | None = None
    ai_cached_input_tokens: int | None = None
    ai_output_tokens: int | None = None
    ai_prompt_length: int | None = None
    created_at: str | None
    user_id: str


class HeartbeatsResponse(BaseModel):
    data: list[StoredHeartbeat]
    start: str
    end: str
    timezone: str
    total: int
    total_pages: int
    page: int
    prev_page: int | None
    next_page: int | None


class UserAgent(BaseModel):
    id: str
    value: str
    editor: str | None
    os: str | None
    is_browser_extension: bool
    first_seen_at: str | None
    last_seen_at: str | None


class UserAgentsResponse(BaseModel):
    data: list[UserAgent]
    total_pages: int
