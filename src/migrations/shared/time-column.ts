/**
 * Migrations whose only dialect difference is how a time is stored are written once, here:
 * SQLite keeps RFC 3339 text (it sorts and compares correctly), PostgreSQL a timestamptz.
 */
export type TimeColumn = 'text' | 'timestamptz';
