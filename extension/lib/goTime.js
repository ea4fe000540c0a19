// Go's time.Time JSON decoding (Go 1.26, time.Time.UnmarshalJSON and
// parseRFC3339 in time/format_rfc3339.go). Timestamps stay strings in the
// extension, and these helpers decide which strings Go accepts and which
// ones are Go's zero time.

/** The text Go's encoding/json writes for the zero time.Time. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

const SECONDS_PER_DAY = 86400;

/**
 * Parses the RFC 3339 text that Go's time parser accepts. Returns the
 * instant as {seconds, nanos} since 1970-01-01T00:00:00Z, or null.
 */
export function parseGoTime(s) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!match) {
    return null;
  }
  const [, y, mo, d, h, mi, sec, fraction, zulu, sign, zh, zm] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return null;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  let offset = 0;
  if (!zulu) {
    if (Number(zh) > 23 || Number(zm) > 59) {
      return null;
    }
    offset = (Number(zh) * 60 + Number(zm)) * 60 * (sign === "-" ? -1 : 1);
  }
  const nanos = fraction ? Number((fraction + "000000000").slice(0, 9)) : 0;
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
  return { seconds, nanos };
}

/** Reports whether s is absent or the same instant as Go's zero time. */
export function isZeroTime(s) {
  if (s === undefined || s === null || s === ZERO_TIME) {
    return true;
  }
  const t = parseGoTime(s);
  const zero = parseGoTime(ZERO_TIME);
  return t !== null && t.seconds === zero.seconds && t.nanos === 0;
}

function daysInMonth(year, month) {
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days from 1970-01-01 to the given proleptic Gregorian date, valid for
// years 0 to 9999 (Howard Hinnant's days_from_civil algorithm).
function daysFromCivil(year, month, day) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
