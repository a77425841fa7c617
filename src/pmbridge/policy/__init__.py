"""Cross-border policy (rules X1–X6), DUO data-use matching, and GA4GH Passports of researchers."""

from pmbridge.policy._broker import (
    DEMO_AUDIENCE,
    DEMO_ISSUER,
    DEMO_STEWARD,
    PASSPORT_LIFETIME,
    VISA_LIFETIME,
    DemoUser,
    broker_trust,
    demo_users,
    generate_issuer_key,
    issue_passport,
    issue_visa,
    issuer_key_pem,
    public_key_pem,
)
from pmbridge.policy._caller import DEFAULT_PURPOSE, PURPOSE_HEADER, Caller, caller_from_headers
from pmbridge.policy._config import NodePolicy, node_policy, parse_policy
from pmbridge.policy._decision import RULES, Decision, first_refusal
from pmbridge.policy._describe import describe_policy
from pmbridge.policy._diseases import DiseaseHierarchy, load_disease_hierarchy, normalise_disease
from pmbridge.policy._duo_config import DEFAULT_DUO, DataUseSettings, data_use_conditions, parse_data_use
from pmbridge.policy._duo_match import match_data_use
from pmbridge.policy._duo_release import duo_release
from pmbridge.policy._duo_terms import DUO_TERMS_FILE, DuoLabel, DuoTerm, DuoVocabulary, load_duo_terms
from pmbridge.policy._duo_types import (
    Applicant,
    DataUseConditions,
    DuoCheck,
    DuoMatch,
    DuoOutcome,
    OrganisationType,
    ResearchPurpose,
)
from pmbridge.policy._evaluate import Verdict, decide_release, evaluate_release
from pmbridge.policy._jurisdiction import crosses_border, jurisdiction_of
from pmbridge.policy._ledger import (
    CN_PERSONAL,
    CN_SENSITIVE,
    HGR_GENETIC,
    Admission,
    ExportLedger,
    MemoryExportLedger,
    export_year,
)
from pmbridge.policy._ledger_sqlite import SqliteExportLedger
from pmbridge.policy._passport import researcher_from_authorization, verify_passport
from pmbridge.policy._purposes import ALLOWED_PURPOSES, ForbiddenPurpose, Purpose, check_purpose
from pmbridge.policy._researcher import ANONYMOUS, Researcher
from pmbridge.policy._rules import ReleaseRequest, check_genetic, check_transfer
from pmbridge.policy._settings import (
    CnExportRoute,
    IssuerSettings,
    PassportSettings,
    PolicySettings,
    PolicyThresholds,
    TransferMechanism,
)
from pmbridge.policy._trust import (
    COUNTRY_VISA_TYPE,
    REGISTERED_ACCESS,
    PassportTrust,
    TrustedIssuer,
    parse_passport_trust,
)
from pmbridge.policy._volume import admit_export, decide_volume, volume_limits, volume_report

__all__ = [
    "ALLOWED_PURPOSES",
    "ANONYMOUS",
    "CN_PERSONAL",
    "CN_SENSITIVE",
    "COUNTRY_VISA_TYPE",
    "DEFAULT_DUO",
    "DEFAULT_PURPOSE",
    "DEMO_AUDIENCE",
    "DEMO_ISSUER",
    "DEMO_STEWARD",
    "DUO_TERMS_FILE",
    "HGR_GENETIC",
    "PASSPORT_LIFETIME",
    "PURPOSE_HEADER",
    "REGISTERED_ACCESS",
    "RULES",
    "VISA_LIFETIME",
    "Admission",
    "Applicant",
    "Caller",
    "CnExportRoute",
    "DataUseConditions",
    "DataUseSettings",
    "Decision",
    "DemoUser",
    "DiseaseHierarchy",
    "DuoCheck",
    "DuoLabel",
    "DuoMatch",
    "DuoOutcome",
    "DuoTerm",
    "DuoVocabulary",
    "ExportLedger",
    "ForbiddenPurpose",
    "IssuerSettings",
    "MemoryExportLedger",
    "NodePolicy",
    "OrganisationType",
    "PassportSettings",
    "PassportTrust",
    "PolicySettings",
    "PolicyThresholds",
    "Purpose",
    "ReleaseRequest",
    "ResearchPurpose",
    "Researcher",
    "SqliteExportLedger",
    "TransferMechanism",
    "TrustedIssuer",
    "Verdict",
    "admit_export",
    "broker_trust",
    "caller_from_headers",
    "check_genetic",
    "check_purpose",
    "check_transfer",
    "crosses_border",
    "data_use_conditions",
    "decide_release",
    "decide_volume",
    "demo_users",
    "describe_policy",
    "duo_release",
    "evaluate_release",
    "export_year",
    "first_refusal",
    "generate_issuer_key",
    "issue_passport",
    "issue_visa",
    "issuer_key_pem",
    "jurisdiction_of",
    "load_disease_hierarchy",
    "load_duo_terms",
    "match_data_use",
    "node_policy",
    "normalise_disease",
    "parse_data_use",
    "parse_passport_trust",
    "parse_policy",
    "public_key_pem",
    "researcher_from_authorization",
    "verify_passport",
    "volume_limits",
    "volume_report",
]
