"""Public codes: the ids partners build on (assess JSON, button ids, analytics).

These values are a contract. Add members; never rename or remove one without a
new API version (see DEVELOPERS.md, "Public contracts").
"""

from __future__ import annotations

from enum import StrEnum


class UserType(StrEnum):
    """Who files (利用者). The 7 user types of the ISA startup guide [G] §1."""

    ORGANIZATION_STAFF = "organization_staff"
    LAWYER_SCRIVENER = "lawyer_scrivener"
    PUBLIC_INTEREST_CORP_STAFF = "public_interest_corp_staff"
    REGISTERED_SUPPORT_ORG_STAFF = "registered_support_org_staff"
    FOREIGN_NATIONAL = "foreign_national"
    LEGAL_REPRESENTATIVE = "legal_representative"
    RELATIVE = "relative"


class Procedure(StrEnum):
    """Residence procedures: the 7 online ones and 2 that are counter only."""

    CERTIFICATE_OF_ELIGIBILITY = "certificate_of_eligibility"
    CHANGE_OF_STATUS = "change_of_status"
    EXTENSION = "extension"
    ACQUISITION = "acquisition"
    CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT = "certificate_of_authorized_employment"
    REENTRY_PERMIT = "reentry_permit"
    ACTIVITY_PERMISSION = "activity_permission"
    PERMANENT_RESIDENCE = "permanent_residence"
    RESIDENCE_CARD_RENEWAL = "residence_card_renewal"


class Status(StrEnum):
    """Statuses of residence (在留資格), 入管法 Appended Tables I and II."""

    DIPLOMAT = "diplomat"
    OFFICIAL = "official"
    PROFESSOR = "professor"
    ARTIST = "artist"
    RELIGIOUS_ACTIVITIES = "religious_activities"
    JOURNALIST = "journalist"
    HIGHLY_SKILLED_PROFESSIONAL_1 = "highly_skilled_professional_1"
    HIGHLY_SKILLED_PROFESSIONAL_2 = "highly_skilled_professional_2"
    BUSINESS_MANAGER = "business_manager"
    LEGAL_ACCOUNTING_SERVICES = "legal_accounting_services"
    MEDICAL_SERVICES = "medical_services"
    RESEARCHER = "researcher"
    INSTRUCTOR = "instructor"
    ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL = "engineer_specialist_humanities_international"
    INTRA_COMPANY_TRANSFEREE = "intra_company_transferee"
    NURSING_CARE = "nursing_care"
    ENTERTAINER = "entertainer"
    SKILLED_LABOR = "skilled_labor"
    SPECIFIED_SKILLED_WORKER_1 = "specified_skilled_worker_1"
    SPECIFIED_SKILLED_WORKER_2 = "specified_skilled_worker_2"
    TECHNICAL_INTERN_TRAINING = "technical_intern_training"
    CULTURAL_ACTIVITIES = "cultural_activities"
    TEMPORARY_VISITOR = "temporary_visitor"
    STUDENT = "student"
    TRAINEE = "trainee"
    DEPENDENT = "dependent"
    DESIGNATED_ACTIVITIES = "designated_activities"
    DESIGNATED_ACTIVITIES_DEPARTURE_PREPARATION = "designated_activities_departure_preparation"
    PERMANENT_RESIDENT = "permanent_resident"
    SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL = "spouse_or_child_of_japanese_national"
    SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT = "spouse_or_child_of_permanent_resident"
    LONG_TERM_RESIDENT = "long_term_resident"


class Reason(StrEnum):
    """Why online filing is not possible now. Any reason present means ``online: false``."""

    ABROAD = "abroad"
    FOREIGN_IP = "foreign_ip"
    STATUS_EXCLUDED = "status_excluded"
    PROCEDURE_NOT_ONLINE = "procedure_not_online"
    NEEDS_MAIN_APPLICATION = "needs_main_application"
    EXPIRY_TODAY = "expiry_today"
    EXPIRED = "expired"
    WINDOW_NOT_OPEN = "window_not_open"
    RELATIVE_CONDITION_NOT_MET = "relative_condition_not_met"
    SELF_FILER_INELIGIBLE = "self_filer_ineligible"
    MY_NUMBER_CARD_REQUIRED = "my_number_card_required"
    NO_PERIOD_OF_STAY = "no_period_of_stay"
    USER_TYPE_NOT_ALLOWED = "user_type_not_allowed"
    # Added in 0.4.
    APPLICANT_ABROAD = "applicant_abroad"
    NO_COE_FOR_STATUS = "no_coe_for_status"
    SUPERVISING_ORG_ONLY = "supervising_org_only"
    SHORT_PERIOD_OF_STAY = "short_period_of_stay"


class Requirement(StrEnum):
    """What the filer needs before the first online filing."""

    USER_REGISTRATION = "user_registration"
    MY_NUMBER_CARD = "my_number_card"
    USE_APPLICATION = "use_application"
    AGENT_APPROVAL = "agent_approval"
    NOTIFICATION_CERTIFICATE = "notification_certificate"
    REQUEST_FROM_RECEIVING_ORG = "request_from_receiving_org"
    # Added in 0.4.
    AGENT_APPROVAL_OR_REQUIREMENTS = "agent_approval_or_requirements"
    AGENT_APPROVAL_OR_NOTIFICATION = "agent_approval_or_notification"


class Note(StrEnum):
    """Caveats attached to a verdict (added in 0.1; additive to the assess contract).

    A note never changes ``online``; it tells the user where our data is uncertain
    or where a condition we cannot check applies.
    """

    EMPLOYER_CATEGORY_UNKNOWN = "employer_category_unknown"
    STATUS_SCOPE_LIMITS = "status_scope_limits"
    DESIGNATED_ACTIVITIES_NOTICE_NUMBER = "designated_activities_notice_number"
    TECHNICAL_INTERN_SUPERVISING_ORG_ONLY = "technical_intern_supervising_org_only"
    TECHNICAL_INTERN_ENDS_2027 = "technical_intern_ends_2027"
    SUPPORT_ORG_SSW_ONLY = "support_org_ssw_only"
    RELATIVE_COE_STATUS_LIST = "relative_coe_status_list"
    MY_NUMBER_CARD_EXPIRES_WITH_STAY = "my_number_card_expires_with_stay"
    SHORT_STAY_WINDOW_UNVERIFIED = "short_stay_window_unverified"
    FILE_BY_PREVIOUS_BUSINESS_DAY = "file_by_previous_business_day"
    SPECIAL_PERIOD = "special_period"
    PR_NO_SPECIAL_PERIOD = "pr_no_special_period"
    FEES_MAY_CHANGE = "fees_may_change"
    SELF_FILER_AGE_15 = "self_filer_age_15"
    PASSPORT_STICKER_COUNTER = "passport_sticker_counter"
    NO_PERIOD_OF_STAY_CARD_VALIDITY = "no_period_of_stay_card_validity"
    ACQUISITION_30_DAYS = "acquisition_30_days"
    # Added in 0.4.
    COUNTER_DEADLINE_MOVED = "counter_deadline_moved"
    PERMANENT_RESIDENCE_FEE = "permanent_residence_fee"
    PERMANENT_RESIDENCE_BY_BIRTH = "permanent_residence_by_birth"
    TECHNICAL_INTERN_PLANS_CLOSED = "technical_intern_plans_closed"
    LONG_TERM_RESIDENT_COE_NOTICE = "long_term_resident_coe_notice"
    RELATIVE_COE_NOTICE_LIST = "relative_coe_notice_list"


class Location(StrEnum):
    """Where the filer is and how they connect (one question in the flow)."""

    JAPAN = "japan"
    JAPAN_FOREIGN_NETWORK = "japan_foreign_network"
    ABROAD = "abroad"


class RelativeCondition(StrEnum):
    """The condition under which a relative may file (ISA guide [G] 注3)."""

    UNDER_16 = "under_16"
    UNABLE = "unable"
    NEITHER = "neither"


class TrainingType(StrEnum):
    """The kind of Technical Intern Training (added in 0.4): 団体監理型 or 企業単独型."""

    SUPERVISED = "supervised"
    ENTERPRISE = "enterprise"
