"""The domain model. One concept per module; import everything from here."""
from ..db import Base
from .account import (
    ORGANISATION_TYPES,
    ROLES,
    AccountEvent,
    ApiToken,
    Invitation,
    LoginAttempt,
    Membership,
    Organisation,
    OutboxMessage,
    RecoveryCode,
    User,
)
from .alert import ALERT_FREQUENCIES, ALERT_SOURCES, AlertDigest, AlertSubscription, RateLimitHit
from .changelog import IndexChange
from .changes import CHANGE_TYPES, ChangeFeedState, PublicChange, PublicState
from .audit import AUDIT_ACTIONS, AuditEntry, InstrumentVersion, Notification, Watch
from .coverage import CoverageDeclaration
from .feedback import REPORT_PAGES, REPORT_STATES, FeedbackReport
from .geo import Municipality, Region
from .imported import PROPOSAL_STATUSES, ImportRecord, ParameterProposal
from .search_event import SEARCH_SOURCES, GapTally, SearchEvent, SearchTally
from .instrument import (
    AMOUNT_TYPES,
    APPLICANTS,
    DURATION_UNITS,
    LIFECYCLES,
    REACHES,
    STATUSES,
    Instrument,
    instrument_municipality,
    instrument_region,
    instrument_term,
)
from .job import JOB_STATES, Job
from .link_check import LinkCheck
from .parameter_value import DATED_PARAMETERS, ParameterValue
from .provider import NATIONAL_PROVIDER_TYPES, PROVIDER_TYPES, Provider
from .webhook import CONSUMER_STATES, DELIVERY_STATES, WebhookAttempt, WebhookConsumer, WebhookDelivery
from .taxonomy import INSTRUMENT_TERM_TAXONOMIES, TERM_TAXONOMIES, InstrumentKind, TaxonomyTerm

__all__ = [
    "AMOUNT_TYPES", "APPLICANTS", "DURATION_UNITS", "LIFECYCLES", "REACHES", "STATUSES",
    "Base", "Instrument", "InstrumentKind", "Municipality", "NATIONAL_PROVIDER_TYPES", "PROVIDER_TYPES",
    "Provider", "Region", "TaxonomyTerm", "INSTRUMENT_TERM_TAXONOMIES", "TERM_TAXONOMIES",
    "instrument_municipality", "instrument_region", "instrument_term",
    # accounts, audit
    "ORGANISATION_TYPES", "ROLES", "AccountEvent", "ApiToken", "Invitation", "LoginAttempt", "Membership", "Organisation",
    "OutboxMessage", "RecoveryCode", "User",
    "AUDIT_ACTIONS", "AuditEntry", "InstrumentVersion", "Notification", "Watch", "CoverageDeclaration",
    "JOB_STATES", "Job",
    # dated values, link checks
    "DATED_PARAMETERS", "LinkCheck", "ParameterValue",
    # imports from other systems
    "PROPOSAL_STATUSES", "ImportRecord", "ParameterProposal",
    "IndexChange",
    # the public change feed and webhooks
    "CHANGE_TYPES", "ChangeFeedState", "PublicChange", "PublicState",
    "CONSUMER_STATES", "DELIVERY_STATES", "WebhookAttempt", "WebhookConsumer", "WebhookDelivery",
    # feedback
    "REPORT_PAGES", "REPORT_STATES", "FeedbackReport", "SEARCH_SOURCES", "SearchEvent", "SearchTally", "GapTally",
    # following a search, rate limits
    "ALERT_FREQUENCIES", "ALERT_SOURCES", "AlertDigest", "AlertSubscription", "RateLimitHit",
]
