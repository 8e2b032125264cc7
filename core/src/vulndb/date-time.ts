/** RFC 3339 date-time, as JSON Schema's `date-time` format means it (ajv ships no formats of its own). */
export const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
