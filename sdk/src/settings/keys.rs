//! The settings JSON's key names, exactly as the feature text spells them (rule 1).
//!
//! The model's serde names repeat them; a test checks that both agree.

/// `RecordingEnabled`.
pub const RECORDING_ENABLED: &str = "RecordingEnabled";
/// `Message`.
pub const MESSAGE: &str = "Message";
/// `Mode`.
pub const MODE: &str = "Mode";
/// `Data`.
pub const DATA: &str = "Data";
/// `RecordingRetentionDays`: how many days a recording's bytes are kept (absent: forever).
pub const RECORDING_RETENTION_DAYS: &str = "RecordingRetentionDays";
/// The keys of the settings object.
pub const ROOT: [&str; 5] = [
    RECORDING_ENABLED,
    MESSAGE,
    MODE,
    DATA,
    RECORDING_RETENTION_DAYS,
];

/// `MeetingStartEventCode`.
pub const START_CODE: &str = "MeetingStartEventCode";
/// `MeetingEndEventCode`.
pub const END_CODE: &str = "MeetingEndEventCode";
/// `DisplayName`.
pub const DISPLAY_NAME: &str = "DisplayName";
/// `MeetingEndFormErrorMessage`.
pub const END_FORM_ERROR: &str = "MeetingEndFormErrorMessage";
/// `RecordingStartTimeField`.
pub const START_TIME_FIELD: &str = "RecordingStartTimeField";
/// `RecordingEndTimeField`.
pub const END_TIME_FIELD: &str = "RecordingEndTimeField";
/// `RecordingDurationField`.
pub const DURATION_FIELD: &str = "RecordingDurationField";
/// `Validations`.
pub const VALIDATIONS: &str = "Validations";
/// The keys of a `Data` entry.
pub const ENTRY: [&str; 8] = [
    START_CODE,
    END_CODE,
    DISPLAY_NAME,
    END_FORM_ERROR,
    START_TIME_FIELD,
    END_TIME_FIELD,
    DURATION_FIELD,
    VALIDATIONS,
];
/// The three recording fields of an entry, in the order they are checked.
pub const RECORDING_FIELDS: [&str; 3] = [START_TIME_FIELD, END_TIME_FIELD, DURATION_FIELD];

/// `OTPValidation`.
pub const OTP: &str = "OTPValidation";
/// `ActivityCreationLimitValidation`.
pub const CREATION_LIMIT: &str = "ActivityCreationLimitValidation";
/// `ActivityPostedCountValidations`.
pub const POSTED_COUNTS: &str = "ActivityPostedCountValidations";
/// `GeofenceValidation`.
pub const GEOFENCE: &str = "GeofenceValidation";
/// `LappValidations`: tenant validation Lapps the hook calls.
pub const LAPP_VALIDATIONS: &str = "LappValidations";
/// The keys of `Validations`.
pub const VALIDATION_KINDS: [&str; 5] = [
    OTP,
    CREATION_LIMIT,
    POSTED_COUNTS,
    GEOFENCE,
    LAPP_VALIDATIONS,
];

/// `TimeIntervalInDays`.
pub const TIME_INTERVAL_IN_DAYS: &str = "TimeIntervalInDays";
/// `ActivityCount`.
pub const ACTIVITY_COUNT: &str = "ActivityCount";
/// `RestrictedActivity`.
pub const RESTRICTED_ACTIVITY: &str = "RestrictedActivity";
/// `DisplayMessage`.
pub const DISPLAY_MESSAGE: &str = "DisplayMessage";
/// The keys of `ActivityCreationLimitValidation`.
pub const CREATION_LIMIT_KEYS: [&str; 4] = [
    TIME_INTERVAL_IN_DAYS,
    ACTIVITY_COUNT,
    RESTRICTED_ACTIVITY,
    DISPLAY_MESSAGE,
];

/// `MinimumActivityCount`.
pub const MINIMUM_ACTIVITY_COUNT: &str = "MinimumActivityCount";
/// `Activity`.
pub const ACTIVITY: &str = "Activity";
/// The keys of an `ActivityPostedCountValidations` item.
pub const POSTED_COUNT_KEYS: [&str; 4] = [
    TIME_INTERVAL_IN_DAYS,
    MINIMUM_ACTIVITY_COUNT,
    ACTIVITY,
    DISPLAY_MESSAGE,
];

/// `PhoneNumberFieldsSchema`.
pub const PHONE_FIELDS: &str = "PhoneNumberFieldsSchema";
/// `SendOTPViaLapp`.
pub const SEND_VIA_LAPP: &str = "SendOTPViaLapp";
/// The keys of `OTPValidation`.
pub const OTP_KEYS: [&str; 2] = [PHONE_FIELDS, SEND_VIA_LAPP];

/// `LappId`.
pub const LAPP_ID: &str = "LappId";
/// `LappEnv`.
pub const LAPP_ENV: &str = "LappEnv";
/// The keys of a Lapp reference.
pub const LAPP_KEYS: [&str; 2] = [LAPP_ID, LAPP_ENV];

/// `RadiusInMeters`.
pub const RADIUS: &str = "RadiusInMeters";
/// `LatitudeField`.
pub const LATITUDE_FIELD: &str = "LatitudeField";
/// `LongitudeField`.
pub const LONGITUDE_FIELD: &str = "LongitudeField";
/// The keys of `GeofenceValidation`.
pub const GEOFENCE_KEYS: [&str; 4] = [RADIUS, LATITUDE_FIELD, LONGITUDE_FIELD, DISPLAY_MESSAGE];
