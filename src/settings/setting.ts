/** What one setting is: an environment variable, its default, its parser and its description. */

/** Turns an environment variable's raw text into a value, or throws an Error saying what's wrong. */
export type Parser<T> = (raw: string) => T;

export interface Setting<Key extends string, Value> {
  key: Key;
  env: string;
  /** Other names accepted for the same setting, read when `env` is unset. */
  aliases?: string[];
  /** The raw default, or a function computing it (for machine-dependent defaults). */
  default: string | (() => string) | undefined;
  parse: Parser<Value>;
  /** One line of the README's settings table. */
  description: string;
}

/** One setting per field of a settings interface, each parsing to exactly that field's type. */
export type SettingsTable<Values> = { [Key in keyof Values & string]: Setting<Key, Values[Key]> };
