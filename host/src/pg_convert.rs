//! Conversions between `spin:postgres/postgres@4.0.0` values and PostgreSQL's,
//! as Spin's `factor-outbound-pg` (`types.rs`, `types/convert.rs`) makes them.
//!
//! Converted like Spin: boolean, int8 (`"char"`), int16/32/64, floating32/64,
//! str (text, varchar, bpchar), binary (bytea), date, time, datetime
//! (timestamp; a timestamptz fails as it does in Spin), timestamp (parameter
//! only, seconds since the epoch), uuid, jsonb, int32/int64/str arrays,
//! interval and db-null; a column of a type Spin does not know comes back as
//! `unsupported(raw bytes)`. Decimal and range values, which Spin converts
//! and this host does not, are a `value-conversion-failed` naming the type.

use crate::bindings::spin::postgres::postgres::{
    Column, DbDataType, DbValue, Error, Interval, ParameterValue,
};
use chrono::{Datelike, Timelike};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::Row;

/// A boxed parameter ready for `tokio-postgres`.
pub type SqlParam = Box<dyn ToSql + Send + Sync>;

/// Why a parameter could not be converted.
pub enum ParamError {
    /// The host does not convert this kind of parameter: `value-conversion-failed`.
    Unsupported(String),
    /// The value is invalid for its kind (Spin's `BadParameter` on `query`,
    /// `ValueConversionFailed` on `execute`).
    Invalid(String),
}

impl ParamError {
    /// The guest error for this failure on `query` (`for_query`) or `execute`.
    pub fn into_error(self, for_query: bool) -> Error {
        match self {
            ParamError::Unsupported(m) => Error::ValueConversionFailed(m),
            ParamError::Invalid(m) if for_query => Error::BadParameter(m),
            ParamError::Invalid(m) => Error::ValueConversionFailed(m),
        }
    }
}

/// Converts the guest's parameters.
pub fn to_sql_parameters(params: Vec<ParameterValue>) -> Result<Vec<SqlParam>, ParamError> {
    params.into_iter().map(to_sql_parameter).collect()
}

fn unsupported_param(kind: &str) -> ParamError {
    ParamError::Unsupported(format!(
        "recrules-host does not convert {kind} parameters (Spin does): pass the value as a string and cast it in SQL, e.g. `$1::numeric`"
    ))
}

fn to_sql_parameter(value: ParameterValue) -> Result<SqlParam, ParamError> {
    use ParameterValue as P;
    Ok(match value {
        P::Boolean(v) => Box::new(v),
        P::Int8(v) => Box::new(v),
        P::Int16(v) => Box::new(v),
        P::Int32(v) => Box::new(v),
        P::Int64(v) => Box::new(v),
        P::Floating32(v) => Box::new(v),
        P::Floating64(v) => Box::new(v),
        P::Str(v) => Box::new(v),
        P::Binary(v) => Box::new(v),
        P::Date((y, m, d)) => Box::new(
            chrono::NaiveDate::from_ymd_opt(y, m.into(), d.into())
                .ok_or_else(|| ParamError::Invalid(format!("invalid date y={y}, m={m}, d={d}")))?,
        ),
        P::Time((h, min, s, ns)) => Box::new(time(h, min, s, ns)?),
        P::Datetime((y, mon, d, h, min, s, ns)) => {
            let date =
                chrono::NaiveDate::from_ymd_opt(y, mon.into(), d.into()).ok_or_else(|| {
                    ParamError::Invalid(format!("invalid date y={y}, m={mon}, d={d}"))
                })?;
            Box::new(chrono::NaiveDateTime::new(date, time(h, min, s, ns)?))
        }
        P::Timestamp(v) => Box::new(
            chrono::DateTime::<chrono::Utc>::from_timestamp(v, 0)
                .ok_or_else(|| ParamError::Invalid(format!("invalid epoch timestamp {v}")))?,
        ),
        P::Uuid(v) => Box::new(
            uuid::Uuid::parse_str(&v)
                .map_err(|_| ParamError::Invalid(format!("invalid UUID {v}")))?,
        ),
        P::Jsonb(v) => Box::new(
            serde_json::from_slice::<serde_json::Value>(&v).map_err(|_| {
                ParamError::Invalid(format!("invalid JSON {}", String::from_utf8_lossy(&v)))
            })?,
        ),
        P::ArrayInt32(v) => Box::new(v),
        P::ArrayInt64(v) => Box::new(v),
        P::ArrayStr(v) => Box::new(v),
        P::Interval(v) => Box::new(PgInterval(v)),
        P::DbNull => Box::new(PgNull),
        P::Decimal(_) => return Err(unsupported_param("decimal")),
        P::RangeInt32(_) => return Err(unsupported_param("range-int32")),
        P::RangeInt64(_) => return Err(unsupported_param("range-int64")),
        P::RangeDecimal(_) => return Err(unsupported_param("range-decimal")),
        P::ArrayDecimal(_) => return Err(unsupported_param("array-decimal")),
    })
}

fn time(h: u8, min: u8, s: u8, ns: u32) -> Result<chrono::NaiveTime, ParamError> {
    chrono::NaiveTime::from_hms_nano_opt(h.into(), min.into(), s.into(), ns)
        .ok_or_else(|| ParamError::Invalid(format!("invalid time {h}:{min}:{s}:{ns}")))
}

/// The guest's name for a column type, as Spin's `convert_data_type`.
pub fn data_type(ty: &Type) -> DbDataType {
    match *ty {
        Type::BOOL => DbDataType::Boolean,
        Type::BYTEA => DbDataType::Binary,
        Type::FLOAT4 => DbDataType::Floating32,
        Type::FLOAT8 => DbDataType::Floating64,
        Type::INT2 => DbDataType::Int16,
        Type::INT4 => DbDataType::Int32,
        Type::INT8 => DbDataType::Int64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => DbDataType::Str,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => DbDataType::Datetime,
        Type::DATE => DbDataType::Date,
        Type::TIME => DbDataType::Time,
        Type::UUID => DbDataType::Uuid,
        Type::JSONB => DbDataType::Jsonb,
        Type::NUMERIC => DbDataType::Decimal,
        Type::INT4_RANGE => DbDataType::RangeInt32,
        Type::INT8_RANGE => DbDataType::RangeInt64,
        Type::NUM_RANGE => DbDataType::RangeDecimal,
        Type::INT4_ARRAY => DbDataType::ArrayInt32,
        Type::INT8_ARRAY => DbDataType::ArrayInt64,
        Type::NUMERIC_ARRAY => DbDataType::ArrayDecimal,
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => DbDataType::ArrayStr,
        Type::INTERVAL => DbDataType::Interval,
        _ => DbDataType::Other(ty.name().to_owned()),
    }
}

/// The columns of a result, named and typed from its first row (as Spin does).
pub fn columns(row: &Row) -> Vec<Column> {
    row.columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_owned(),
            data_type: data_type(c.type_()),
        })
        .collect()
}

/// Why a result value could not be converted.
pub enum ValueError {
    /// The host does not convert this column type: `value-conversion-failed`.
    Unsupported(String),
    /// The driver could not read the value (Spin: `query-failed(text)`).
    Read(String),
}

impl ValueError {
    /// The guest error for this failure.
    pub fn into_error(self) -> Error {
        match self {
            ValueError::Unsupported(m) => Error::ValueConversionFailed(m),
            ValueError::Read(m) => Error::QueryFailed(
                crate::bindings::spin::postgres::postgres::QueryError::Text(m),
            ),
        }
    }
}

/// Converts one row's values.
pub fn convert_row(row: &Row) -> Result<Vec<DbValue>, ValueError> {
    (0..row.len()).map(|i| convert_entry(row, i)).collect()
}

/// Reads column `index` as `T` and maps it, a null as `db-null`.
fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    f: impl FnOnce(T) -> Result<DbValue, ValueError>,
) -> Result<DbValue, ValueError> {
    match row.try_get::<_, Option<T>>(index) {
        Ok(Some(v)) => f(v),
        Ok(None) => Ok(DbValue::DbNull),
        Err(e) => Err(ValueError::Read(format!("{e:?}"))),
    }
}

fn convert_entry(row: &Row, index: usize) -> Result<DbValue, ValueError> {
    let column = &row.columns()[index];
    let ok = |v| Ok(v);
    match *column.type_() {
        Type::BOOL => get(row, index, |v| ok(DbValue::Boolean(v))),
        Type::BYTEA => get(row, index, |v| ok(DbValue::Binary(v))),
        Type::FLOAT4 => get(row, index, |v| ok(DbValue::Floating32(v))),
        Type::FLOAT8 => get(row, index, |v| ok(DbValue::Floating64(v))),
        Type::INT2 => get(row, index, |v| ok(DbValue::Int16(v))),
        Type::INT4 => get(row, index, |v| ok(DbValue::Int32(v))),
        Type::INT8 => get(row, index, |v| ok(DbValue::Int64(v))),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => get(row, index, |v| ok(DbValue::Str(v))),
        // Like Spin, read as a naive date-time: a timestamptz column fails.
        Type::TIMESTAMP | Type::TIMESTAMPTZ => get(row, index, |v: chrono::NaiveDateTime| {
            ok(DbValue::Datetime((
                v.year(),
                small(v.month())?,
                small(v.day())?,
                small(v.hour())?,
                small(v.minute())?,
                small(v.second())?,
                v.nanosecond(),
            )))
        }),
        Type::DATE => get(row, index, |v: chrono::NaiveDate| {
            ok(DbValue::Date((v.year(), small(v.month())?, small(v.day())?)))
        }),
        Type::TIME => get(row, index, |v: chrono::NaiveTime| {
            ok(DbValue::Time((
                small(v.hour())?,
                small(v.minute())?,
                small(v.second())?,
                v.nanosecond(),
            )))
        }),
        Type::UUID => get(row, index, |v: uuid::Uuid| ok(DbValue::Uuid(v.to_string()))),
        Type::JSONB => get(row, index, |v: serde_json::Value| {
            serde_json::to_vec(&v)
                .map(DbValue::Jsonb)
                .map_err(|e| ValueError::Read(format!("invalid JSON from database: {e}")))
        }),
        Type::INT4_ARRAY => get(row, index, |v| ok(DbValue::ArrayInt32(v))),
        Type::INT8_ARRAY => get(row, index, |v| ok(DbValue::ArrayInt64(v))),
        Type::TEXT_ARRAY | Type::VARCHAR_ARRAY | Type::BPCHAR_ARRAY => {
            get(row, index, |v| ok(DbValue::ArrayStr(v)))
        }
        Type::INTERVAL => get(row, index, |v: PgInterval| ok(DbValue::Interval(v.0))),
        Type::NUMERIC
        | Type::INT4_RANGE
        | Type::INT8_RANGE
        | Type::NUM_RANGE
        | Type::NUMERIC_ARRAY => Err(ValueError::Unsupported(format!(
            "recrules-host does not convert PostgreSQL type `{}` (column `{}`; Spin does): cast it in SQL, e.g. `{}::text`",
            column.type_().name(),
            column.name(),
            column.name()
        ))),
        _ => get(row, index, |v: Other| ok(DbValue::Unsupported(v.0))),
    }
}

/// A calendar field (month, day, hour, ...) as the guest's `u8`.
fn small(v: u32) -> Result<u8, ValueError> {
    u8::try_from(v).map_err(|e| ValueError::Read(format!("{e:?}")))
}

/// The bytes a value counts toward the result limit, as Spin counts them.
pub fn memory_size(value: &DbValue) -> usize {
    let base = std::mem::size_of::<DbValue>();
    base + match value {
        DbValue::ArrayInt32(v) => v.len() * std::mem::size_of::<Option<i32>>(),
        DbValue::ArrayInt64(v) => v.len() * std::mem::size_of::<Option<i64>>(),
        DbValue::ArrayDecimal(v) | DbValue::ArrayStr(v) => v
            .iter()
            .map(|s| std::mem::size_of::<Option<String>>() + s.as_ref().map_or(0, String::len))
            .sum(),
        DbValue::Str(s) | DbValue::Uuid(s) | DbValue::Decimal(s) => s.len(),
        DbValue::Jsonb(b) | DbValue::Binary(b) | DbValue::Unsupported(b) => b.len(),
        _ => 0,
    }
}

/// Any value, as its raw wire bytes (Spin's `Other`).
struct Other(Vec<u8>);

impl FromSql<'_> for Other {
    fn from_sql(_: &Type, raw: &[u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Other(raw.to_owned()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A null of any type (Spin's `PgNull`): the driver would otherwise insist on
/// the type of an `Option::None`.
#[derive(Debug)]
struct PgNull;

impl ToSql for PgNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }
}

/// An `interval` in PostgreSQL's binary form: microseconds, days, months.
#[derive(Debug)]
struct PgInterval(Interval);

impl ToSql for PgInterval {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0.micros.to_be_bytes());
        out.extend_from_slice(&self.0.days.to_be_bytes());
        out.extend_from_slice(&self.0.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}

impl FromSql<'_> for PgInterval {
    fn from_sql(_: &Type, raw: &[u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let field = |range: std::ops::Range<usize>| {
            raw.get(range)
                .ok_or_else(|| format!("an interval is 16 bytes, got {}", raw.len()))
        };
        let micros = i64::from_be_bytes(field(0..8)?.try_into()?);
        let days = i32::from_be_bytes(field(8..12)?.try_into()?);
        let months = i32::from_be_bytes(field(12..16)?.try_into()?);
        Ok(PgInterval(Interval {
            micros,
            days,
            months,
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}
